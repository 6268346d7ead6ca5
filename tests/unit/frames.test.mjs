// node --test tests/unit/frames.test.mjs — the page's redraw queue (www/frames.js): one job per
// animation frame, oldest first, a newer job for a queued key replaces it in place.
import test from 'node:test';
import assert from 'node:assert/strict';

const frames = [];
globalThis.requestAnimationFrame = (fn) => frames.push(fn);
const { scheduleDraw, pendingDraws } = await import('../../www/frames.js');

function nextFrame() {
  const fns = frames.splice(0);
  fns.forEach((fn) => fn());
  return fns.length;
}

test('one job per frame, oldest first, newest function per key', () => {
  const ran = [];
  scheduleDraw('samples', () => ran.push('samples v1'));
  scheduleDraw('chart', () => ran.push('chart'));
  scheduleDraw('samples', () => ran.push('samples v2'));
  assert.equal(pendingDraws(), 2);
  assert.equal(frames.length, 1, 'one frame requested, not one per job');
  nextFrame();
  assert.deepEqual(ran, ['samples v2']);
  nextFrame();
  assert.deepEqual(ran, ['samples v2', 'chart']);
  assert.equal(nextFrame(), 0, 'no frame requested once the queue is empty');
  assert.equal(pendingDraws(), 0);
});

test('a job that throws does not stall the queue', () => {
  const ran = [];
  scheduleDraw('a', () => {
    throw new Error('draw failed');
  });
  scheduleDraw('b', () => ran.push('b'));
  assert.throws(() => nextFrame(), /draw failed/);
  nextFrame();
  assert.deepEqual(ran, ['b']);
  scheduleDraw('c', () => ran.push('c'));
  nextFrame();
  assert.deepEqual(ran, ['b', 'c']);
});
