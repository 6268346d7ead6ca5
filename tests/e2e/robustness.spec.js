// Issue 7: the page keeps working, keeps the user's work and says what went wrong.
import { test, expect } from '@playwright/test';
import { watchErrors, openReady, canvasValues, stats, stepCount, shot, stroke, pageCount } from './helpers.js';

const restoreCount = (page) => pageCount(page, 'restoreCount');

async function restoreAndWait(page) {
  const r0 = await restoreCount(page);
  await page.getByTestId('restore-button').click();
  await expect.poll(() => restoreCount(page), { timeout: 60_000 }).toBeGreaterThan(r0);
}

/** PNG bytes of a w×h image drawn in the page: a dark "1"-like bar on light paper. */
async function pngOfSize(page, w, h) {
  const bytes = await page.evaluate(async ([w, h]) => {
    const c = new OffscreenCanvas(w, h);
    const ctx = c.getContext('2d');
    ctx.fillStyle = '#f4f1ea';
    ctx.fillRect(0, 0, w, h);
    ctx.strokeStyle = '#222';
    ctx.lineWidth = Math.max(2, Math.min(w, h) / 8);
    ctx.beginPath();
    ctx.moveTo(w * 0.45, h * 0.15);
    ctx.lineTo(w * 0.55, h * 0.85);
    ctx.stroke();
    const blob = await c.convertToBlob({ type: 'image/png' });
    return Array.from(new Uint8Array(await blob.arrayBuffer()));
  }, [w, h]);
  return Buffer.from(bytes);
}

test('divergence: NaN weights are caught, training pauses at the last checkpoint and says so', async ({ page }) => {
  const errors = watchErrors(page);
  await openReady(page);
  await page.getByTestId('train-toggle').click();
  await expect.poll(() => stepCount(page), { timeout: 30_000 }).toBeGreaterThanOrEqual(5);
  await page.evaluate(() => window.__digitgan.debugDiverge());
  await expect(page.getByTestId('status')).toHaveText(/Training diverged: a loss became NaN\/Inf at step \d+; rolled back to step \d+\. Try a lower learning rate\./);
  await expect(page.getByTestId('train-toggle')).not.toHaveText('Pause');
  const status = await page.getByTestId('status').textContent();
  const back = Number(status.match(/rolled back to step (\d+)/)[1]);
  console.log(`divergence → ${status}`);
  expect(back % 200).toBe(0); // checkpoints are kept every 200 steps
  await expect.poll(() => stepCount(page)).toBe(back);
  // Same worker (no restart), a sane grid, and training works again.
  expect(await page.evaluate(() => window.__digitgan.metrics.workerStarts)).toBe(1);
  const grid = stats(await canvasValues(page, 'samples-canvas'));
  expect(grid.sd).toBeGreaterThan(0.05);
  await page.getByTestId('step-once').click();
  await expect.poll(() => stepCount(page)).toBe(back + 1);
  await shot(page, 'diverged-desktop');
  expect(errors).toEqual([]);
});

test('odd drawings: empty, full ink, a dot, uploaded images of other sizes, a non-image file', async ({ page }) => {
  const errors = watchErrors(page);
  await openReady(page);
  await page.getByTestId('draw-canvas').scrollIntoViewIfNeeded();
  const box = await page.getByTestId('draw-canvas').boundingBox();

  // Empty canvas: a message, nothing breaks.
  await page.getByTestId('restore-button').click();
  await expect(page.getByTestId('status')).toHaveText(/Draw a digit/);

  // A tiny dot.
  await stroke(page, box, [[0.5, 0.5], [0.505, 0.5]]);
  await restoreAndWait(page);
  expect(stats(await canvasValues(page, 'restored-canvas')).max).toBeGreaterThan(0.2);

  // Full ink: scribble over the whole pad.
  await page.getByTestId('clear-drawing').click();
  for (let y = 0.02; y < 1; y += 0.06) await stroke(page, box, [[0.0, y], [1.0, y]]);
  await restoreAndWait(page);
  for (const id of ['restored-canvas', 'latent-canvas']) {
    const v = await canvasValues(page, id);
    expect(v.every((x) => Number.isFinite(x))).toBe(true);
  }

  // Uploaded images of other sizes and shapes.
  for (const [w, h] of [[640, 480], [31, 97], [5, 5]]) {
    await page.getByTestId('image-file-input').setInputFiles({ name: `digit-${w}x${h}.png`, mimeType: 'image/png', buffer: await pngOfSize(page, w, h) });
    await expect(page.getByTestId('status')).toHaveText(new RegExp(`Loaded “digit-${w}x${h}.png”`));
    // Too small to hold strokes: the page says the result will be a blur (still restores).
    if (Math.min(w, h) < 20) await expect(page.getByTestId('status')).toContainText('too small to hold a digit');
    else await expect(page.getByTestId('status')).not.toContainText('too small');
    await restoreAndWait(page);
    const restored = stats(await canvasValues(page, 'restored-canvas'));
    console.log(`uploaded ${w}×${h}: restored max ${restored.max.toFixed(2)}, sd ${restored.sd.toFixed(3)}`);
    expect(restored.max).toBeGreaterThan(0.3);
  }
  await shot(page, 'uploaded-image-desktop');

  // A file that is not an image, and a blank image: messages, the drawing stays.
  const before = await canvasValues(page, 'damaged-canvas');
  await page.getByTestId('image-file-input').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await expect(page.getByTestId('status')).toHaveText(/Could not use “notes.txt”: "text\/plain" is not an image/);
  await page.getByTestId('image-file-input').setInputFiles({ name: 'broken.png', mimeType: 'image/png', buffer: Buffer.from('not really a png') });
  await expect(page.getByTestId('status')).toHaveText(/Could not use “broken.png”: the browser cannot decode/);
  expect(await canvasValues(page, 'damaged-canvas')).toEqual(before);
  expect(errors).toEqual([]);
});

test('no third-party requests: everything the page loads comes from its own origin', async ({ page, baseURL }) => {
  const origin = new URL(baseURL).origin;
  const urls = [];
  page.context().on('request', (r) => urls.push(r.url()));
  await openReady(page);
  await page.getByTestId('pick-test-digit').click();
  await restoreAndWait(page);
  await page.getByTestId('step-once').click();
  await expect.poll(() => stepCount(page)).toBeGreaterThanOrEqual(1);
  const foreign = urls.filter((u) => !u.startsWith(origin) && !/^(data|blob):/.test(u));
  console.log(`${urls.length} requests, ${foreign.length} foreign`);
  expect(urls.length).toBeGreaterThan(3);
  expect(foreign).toEqual([]);
});

test('a hidden, then frozen tab keeps training in its worker and keeps its state', async ({ page, context }) => {
  const errors = watchErrors(page);
  await openReady(page);
  await page.getByTestId('train-toggle').click();
  await expect.poll(() => stepCount(page), { timeout: 30_000 }).toBeGreaterThanOrEqual(5);

  // Another tab in front. (Headless Chromium keeps every page "visible", so this step alone
  // does not throttle anything; the freeze below is the harsh case.)
  const other = await context.newPage();
  await other.goto('about:blank');
  await other.bringToFront();
  const hiddenAt = await stepCount(page);
  const visibility = await page.evaluate(() => document.visibilityState);
  await page.waitForTimeout(3_000);

  // Frozen, as Chrome freezes background tabs to save energy: the page's JS stops, then resumes.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
  await other.waitForTimeout(5_000);
  await cdp.send('Page.setWebLifecycleState', { state: 'active' });
  await page.bringToFront();
  await other.close();

  await expect.poll(() => stepCount(page), { timeout: 10_000 }).toBeGreaterThan(hiddenAt);
  const after = await stepCount(page);
  console.log(`behind another tab (visibilityState "${visibility}") then frozen 5 s: step ${hiddenAt} → ${after}`);
  await expect(page.getByTestId('train-toggle')).toHaveText('Pause');
  await expect.poll(() => stepCount(page), { timeout: 10_000 }).toBeGreaterThan(after);
  expect(await page.evaluate(() => window.__digitgan.metrics.workerStarts)).toBe(1);
  expect(stats(await canvasValues(page, 'samples-canvas')).sd).toBeGreaterThan(0.05);
  expect(errors).toEqual([]);
});
