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

test('export: the generated set downloads as a zip of images.npy, labels.npy, sprite.png, labels.txt', async ({ page }) => {
  const errors = watchErrors(page);
  await openReady(page);
  await page.getByTestId('export-run').scrollIntoViewIfNeeded();
  await page.getByTestId('export-n').selectOption('10');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-run').click()]);
  expect(download.suggestedFilename()).toBe('digitgan-augmented-10-per-class.zip');
  const path = test.info().outputPath('set.zip');
  await download.saveAs(path);
  // An independent reader: Python's zipfile (CRC-checked) and the .npy / PNG headers.
  const script = `
import sys, zipfile, json, struct, ast
z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None
def npy(name):
    b = z.read(name); n = struct.unpack('<H', b[8:10])[0]; h = ast.literal_eval(b[10:10+n].decode())
    return h, b[10+n:]
hi, bi = npy('images.npy'); hl, bl = npy('labels.npy')
px = struct.unpack('<%df' % (len(bi) // 4), bi)
png = z.read('sprite.png'); w, h = struct.unpack('>II', png[16:24])
print(json.dumps({'names': z.namelist(), 'images': [hi['descr'], list(hi['shape'])], 'labels': [hl['descr'], list(hl['shape']), list(bl)],
  'min': min(px), 'max': max(px), 'inked': sum(1 for v in px if v > 0.5), 'sprite': [w, h], 'txt': z.read('labels.txt').decode()}))`;
  const { execFileSync } = await import('node:child_process');
  const got = JSON.parse(execFileSync('python3', ['-c', script, path], { encoding: 'utf8' }));
  expect(got.names).toEqual(['images.npy', 'labels.npy', 'sprite.png', 'labels.txt', 'README.txt']);
  expect(got.images).toEqual(['<f4', [100, 28, 28]]);
  expect(got.labels[0]).toBe('|u1');
  expect(got.labels[1]).toEqual([100]);
  expect(got.labels[2]).toEqual(Array.from({ length: 100 }, (_, i) => Math.floor(i / 10)));
  expect(got.min).toBeGreaterThanOrEqual(0);
  expect(got.max).toBeLessThanOrEqual(1);
  expect(got.inked).toBeGreaterThan(100 * 40); // ~100+ ink pixels per digit, not blank
  expect(got.sprite).toEqual([280, 280]);
  expect(got.txt.trim().split('\n')).toHaveLength(10);
  await expect(page.getByTestId('status')).toContainText('digitgan-augmented-10-per-class.zip');
  expect(errors).toEqual([]);
});
