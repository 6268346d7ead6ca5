import { test, expect } from '@playwright/test';
import { watchErrors, openReady, canvasValues, distance, stats, shot, stroke, pageCount, settledPreview, maskShown } from './helpers.js';

for (const viewport of [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 360, height: 780 },
]) {
  test(`draw a 7, erase part of it, restore (${viewport.name})`, async ({ page }) => {
    const errors = watchErrors(page);
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    await openReady(page);
    const pad = page.getByTestId('draw-canvas');
    await pad.scrollIntoViewIfNeeded();
    const box = await pad.boundingBox();

    let n = await pageCount(page, 'previewCount');
    await stroke(page, box, [[0.25, 0.2], [0.75, 0.2], [0.45, 0.85]]);
    await settledPreview(page, n);
    const clean = await canvasValues(page, 'damaged-canvas');
    expect(stats(clean).max).toBeGreaterThan(0.5);

    // Erase across the middle of the diagonal stroke (its ends stay, so the crop does not move).
    await page.getByTestId('tool-eraser').click();
    n = await pageCount(page, 'previewCount');
    await stroke(page, box, [[0.5, 0.52], [0.7, 0.52]]);
    await settledPreview(page, n);
    const damaged = await canvasValues(page, 'damaged-canvas');

    const r0 = await pageCount(page, 'restoreCount');
    await page.getByTestId('restore-button').click();
    await expect.poll(() => pageCount(page, 'restoreCount'), { timeout: 60_000 }).toBeGreaterThan(r0);
    const restored = await canvasValues(page, 'restored-canvas');
    const latent = await canvasValues(page, 'latent-canvas');

    // Over the whole image, and over the erased region only (where damaged and clean differ):
    // outside it the networks redraw the strokes in their own MNIST style, which adds distance.
    const region = clean.map((v, i) => Math.abs(v - damaged[i]) > 0.1);
    const pick = (a) => a.filter((_, i) => region[i]);
    const dDamaged = distance(damaged, clean);
    const dRestored = distance(restored, clean);
    const dLatent = distance(latent, clean);
    const rDamaged = distance(pick(damaged), pick(clean));
    const rRestored = distance(pick(restored), pick(clean));
    const rLatent = distance(pick(latent), pick(clean));
    console.log(
      `[${viewport.name}] erased region (${region.filter(Boolean).length} px) RMS to clean: damaged ${rDamaged.toFixed(3)}, ` +
        `restorer ${rRestored.toFixed(3)}, latent search ${rLatent.toFixed(3)}`,
    );
    console.log(
      `[${viewport.name}] RMS distance to the clean drawing: damaged ${dDamaged.toFixed(4)}, ` +
        `restorer ${dRestored.toFixed(4)}, latent search ${dLatent.toFixed(4)}; ` +
        `labels: ${await page.getByTestId('damaged-label').textContent()} | ` +
        `${await page.getByTestId('restored-label').textContent()} | ${await page.getByTestId('latent-label').textContent()}`,
    );
    console.log(`[${viewport.name}] status: ${await page.getByTestId('status').textContent()}`);
    await page.getByTestId('restore-button').scrollIntoViewIfNeeded();
    await shot(page, `restore-${viewport.name}`);
    expect(dDamaged).toBeGreaterThan(0.01); // the eraser did something
    expect(dRestored).toBeLessThan(dDamaged);
    expect(rRestored).toBeLessThan(rDamaged);
    expect(errors).toEqual([]);
  });
}

test('damage tools: test digit, block, noise, blind restore', async ({ page }) => {
  const errors = watchErrors(page);
  await openReady(page);
  await page.getByTestId('pick-test-digit').click();
  await expect(page.getByTestId('damaged-label')).toHaveText(/looks like/);
  const box = await page.getByTestId('draw-canvas').boundingBox();
  await page.getByTestId('tool-block').click();
  await page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.35);
  await page.getByTestId('restore-button').click();
  await expect(page.getByTestId('restored-label')).toHaveText(/looks like/, { timeout: 60_000 });
  await page.getByTestId('restore-button').scrollIntoViewIfNeeded();
  await shot(page, 'restore-block-desktop');

  await page.getByTestId('clear-drawing').click();
  await page.getByTestId('pick-test-digit').click();
  await page.getByTestId('tool-noise').click();
  // Noise right after Pick noises the picked digit; it must not find the pad still empty.
  expect(await page.getByTestId('status').getAttribute('data-kind')).not.toBe('warn');
  const r0 = await pageCount(page, 'restoreCount');
  await page.getByTestId('restore-button').click();
  await expect.poll(() => pageCount(page, 'restoreCount'), { timeout: 60_000 }).toBeGreaterThan(r0);
  await expect(page.getByTestId('status')).toHaveText(/Restored/);
  await shot(page, 'restore-noise-desktop');
  expect(errors).toEqual([]);
});

test('a page left quiet warms the worker up: its first restore runs on optimised code', async ({ page }) => {
  const errors = watchErrors(page);
  await openReady(page);
  // The worker warms restore and latent search up after 1.5 s without messages (worker.js
  // warmUp); give it that and the ~1 s the warm-up takes. The cold first restore is the one the
  // drawn-7 test above reports; this one is logged beside it (a measurement, not a limit).
  await page.waitForTimeout(3500);
  await page.getByTestId('pick-test-digit').click();
  await expect(page.getByTestId('damaged-label')).toHaveText(/looks like/);
  const r0 = await pageCount(page, 'restoreCount');
  await page.getByTestId('restore-button').click();
  await expect.poll(() => pageCount(page, 'restoreCount'), { timeout: 60_000 }).toBeGreaterThan(r0);
  console.log(`first restore after a quiet page: ${await page.getByTestId('status').textContent()}`);
  expect(stats(await canvasValues(page, 'restored-canvas')).max).toBeGreaterThan(0.2);
  expect(errors).toEqual([]);
});

test('a pick waiting on a busy worker: the pad shows busy, takes no edit, and keeps the tool chosen meanwhile', async ({ page }) => {
  const errors = watchErrors(page);
  await openReady(page);
  const p0 = await pageCount(page, 'pickCount');
  await page.getByTestId('augment-run').click(); // keeps the worker busy for seconds
  await page.getByTestId('pick-test-digit').click(); // the prefetched digit, at once
  await page.getByTestId('pick-test-digit').click(); // the next one waits behind the experiment
  const pad = page.getByTestId('draw-canvas');
  await expect(pad).toHaveAttribute('aria-busy', 'true');
  await page.getByTestId('tool-block').click();
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  const rev = await page.evaluate(() => document.body.dataset.drawingRev);
  await page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.5); // not taken:
  await expect(pad).toHaveAttribute('aria-busy', 'true'); // (still waiting)
  expect(await page.evaluate(() => document.body.dataset.drawingRev)).toBe(rev); // the pad did not change
  await expect.poll(() => pageCount(page, 'pickCount'), { timeout: 60_000 }).toBe(p0 + 2);
  await expect(pad).not.toHaveAttribute('aria-busy', 'true');
  await expect(page.getByTestId('tool-block')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('damaged-label')).toHaveText(/looks like/);
  expect(await maskShown(page)).toBe(false); // the picked digit, undamaged
  // Now the pad takes the block.
  await page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.5);
  await expect.poll(() => maskShown(page)).toBe(true);
  expect(errors).toEqual([]);
});
