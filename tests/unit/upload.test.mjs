// node --test tests/unit/upload.test.mjs — the uploaded-image → ink conversion (www/upload.js).
import test from 'node:test';
import assert from 'node:assert/strict';
import { rgbaToInk } from '../../www/upload.js';

/** A w×h RGBA image: background colour, a square of ink colour, optional transparent border. */
function image(w, h, { paper, ink, alpha = 255 }) {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = 4 * (y * w + x);
      const inSquare = x >= w / 3 && x < (2 * w) / 3 && y >= h / 3 && y < (2 * h) / 3;
      const c = inSquare ? ink : paper;
      data.set([c, c, c, inSquare ? 255 : alpha], i);
    }
  }
  return { data, box: [0, 0, w, h] };
}

const centre = (ink, w, h) => ink[Math.floor(h / 2) * w + Math.floor(w / 2)];

test('dark ink on light paper becomes ink 1 on 0', () => {
  const ink = rgbaToInk(image(30, 30, { paper: 240, ink: 10 }), 30, 30);
  assert.equal(centre(ink, 30, 30), 1);
  assert.equal(ink[0], 0);
});

test('light ink on black (MNIST style) also becomes ink 1 on 0', () => {
  const ink = rgbaToInk(image(30, 30, { paper: 0, ink: 255 }), 30, 30);
  assert.equal(centre(ink, 30, 30), 1);
  assert.equal(ink[0], 0);
});

test('on a transparent background, the opaque strokes are ink whatever their colour', () => {
  for (const colour of [0, 255]) {
    const ink = rgbaToInk(image(30, 30, { paper: 128, ink: colour, alpha: 0 }), 30, 30);
    assert.equal(centre(ink, 30, 30), 1);
    assert.equal(ink[0], 0);
  }
});

test('paper texture is dropped and a blank image gives no ink', () => {
  const noisy = image(40, 40, { paper: 230, ink: 20 });
  for (let i = 0; i < noisy.data.length; i += 4 * 7) noisy.data[i] = noisy.data[i + 1] = noisy.data[i + 2] = 215;
  const ink = rgbaToInk(noisy, 40, 40);
  assert.equal(ink[0], 0);
  assert.equal(centre(ink, 40, 40), 1);
  const blank = rgbaToInk(image(40, 40, { paper: 200, ink: 200 }), 40, 40);
  assert.ok(blank.every((v) => v === 0));
});

test('values stay in [0, 1] and the output has the pad size', () => {
  const ink = rgbaToInk(image(17, 9, { paper: 255, ink: 90 }), 17, 9);
  assert.equal(ink.length, 17 * 9);
  assert.ok(ink.every((v) => v >= 0 && v <= 1));
});

test('a tiny image gets a size warning; a digit-sized one does not', async () => {
  const { smallImageHint } = await import('../../www/upload.js');
  assert.match(smallImageHint(5, 5), /only 5×5 px/);
  assert.match(smallImageHint(400, 12), /only 400×12 px/);
  assert.equal(smallImageHint(28, 28), null);
  assert.equal(smallImageHint(20, 300), null);
});
