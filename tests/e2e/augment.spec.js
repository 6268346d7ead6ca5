// Issue 5 in the page: the augmentation experiment runs in the worker with a progress bar and
// draws the three accuracies.
import { test, expect } from '@playwright/test';
import { watchErrors, openReady, shot } from './helpers.js';

/** Opaque pixels drawn on a canvas (the chart has a transparent background). */
async function paintedPixels(page, testId) {
  return page.getByTestId(testId).evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  });
}

test('augmentation experiment: K real vs + generated vs + T(x), in the worker, with a chart', async ({ page }) => {
  const errors = watchErrors(page);
  await openReady(page);
  await page.getByTestId('augment-run').scrollIntoViewIfNeeded();
  const empty = await paintedPixels(page, 'augment-chart');
  await page.getByTestId('augment-k').selectOption('5');
  const t0 = Date.now();
  await page.getByTestId('augment-run').click();
  await expect(page.getByTestId('augment-progress')).toBeVisible();
  await expect
    .poll(() => page.evaluate(() => Number(document.body.dataset.augmentRuns || 0)), { timeout: 180_000 })
    .toBe(1);
  const text = await page.getByTestId('augment-result').textContent();
  console.log(`augment (K = 5) in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${text}`);
  const accs = [...text.matchAll(/(\d+(?:\.\d+)?)%/g)].map((m) => Number(m[1]));
  expect(accs).toHaveLength(3);
  for (const a of accs) expect(a).toBeGreaterThan(10); // far above chance (10%) on 600 test digits
  for (const a of accs) expect(a).toBeLessThanOrEqual(100);
  expect(await paintedPixels(page, 'augment-chart')).toBeGreaterThan(empty + 500);
  await expect(page.getByTestId('augment-progress')).toBeHidden();
  await expect(page.getByTestId('augment-run')).toBeEnabled();
  await shot(page, 'augment-desktop');
  // On a phone the chart scales down with the card (no horizontal scroll).
  await page.setViewportSize({ width: 360, height: 780 });
  await page.getByTestId('augment-chart').scrollIntoViewIfNeeded();
  const box = await page.getByTestId('augment-chart').boundingBox();
  expect(box.width).toBeLessThanOrEqual(360);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await page.screenshot({ path: 'test-results/screenshots/augment-phone.png' });
  expect(errors).toEqual([]);
});
