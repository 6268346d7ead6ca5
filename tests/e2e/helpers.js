// Shared helpers for the DigitGAN e2e tests.
import fs from 'node:fs';
import { expect } from '@playwright/test';

export const SHOTS = 'test-results/screenshots';
fs.mkdirSync(SHOTS, { recursive: true });

/** Collect console errors, page errors and CSP violations; call in each test before goto. */
export function watchErrors(page) {
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('worker', (w) => {
    w.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(`worker console: ${msg.text()}`);
    });
  });
  return errors;
}

/** Long tasks (> 50 ms) on the main thread, recorded from the first byte of the page. */
export async function observeLongTasks(page) {
  await page.addInitScript(() => {
    window.__longTasks = [];
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
    try {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: 'longtask', buffered: true });
    } catch {
      window.__longTasks = null;
    }
  });
}

export async function openReady(page, path = '') {
  await page.goto(path);
  await expect(page.getByTestId('train-toggle')).toBeEnabled({ timeout: 60_000 });
  await page.waitForFunction(() => document.body.dataset.firstGridMs !== undefined);
}

/** Ink values (0..1, from the red channel) of a canvas's pixels. */
export async function canvasValues(page, testId) {
  return page.getByTestId(testId).evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const out = [];
    for (let i = 0; i < d.length; i += 4) out.push(d[i + 3] === 0 ? 0 : (d[i] - 12) / (255 - 12));
    return out;
  });
}

export function stats(values) {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  return { mean, sd, min: Math.min(...values), max: Math.max(...values) };
}

export function distance(a, b) {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s / a.length);
}

export async function stepCount(page) {
  return Number((await page.getByTestId('step-count').textContent()).replace(/[^0-9]/g, ''));
}

export async function shot(page, name) {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  // Narrow pages are very tall: also save readable slices of them.
  const { width } = page.viewportSize();
  if (width < 600) {
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    for (let y = 0, k = 1; y < height; y += 900, k++) {
      await page.screenshot({ path: `${SHOTS}/${name}-part${k}.png`, fullPage: true, clip: { x: 0, y, width, height: Math.min(900, height - y) } });
    }
  }
}

/** Drag the mouse through points given as fractions of the canvas box. */
export async function stroke(page, box, points) {
  const at = ([fx, fy]) => [box.x + fx * box.width, box.y + fy * box.height];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps: 12 });
  await page.mouse.up();
}

/** A counter the page keeps in document.body.dataset (previewCount, restoreCount, pickCount, …). */
export function pageCount(page, key) {
  return page.evaluate((k) => Number(document.body.dataset[k] || 0), key);
}

/** Waits for a preview after `before` that shows the pad's latest edit (not a mid-stroke one). */
export async function settledPreview(page, before) {
  await expect.poll(() => pageCount(page, 'previewCount')).toBeGreaterThan(before);
  await expect.poll(() => page.evaluate(() => document.body.dataset.previewRev === document.body.dataset.drawingRev)).toBe(true);
}

/** Does the mask overlay show any unknown (hatched) pixel? */
export function maskShown(page) {
  return page.locator('#mask-overlay').evaluate((c) => c.getContext('2d').getImageData(0, 0, 28, 28).data.some((v, i) => i % 4 === 3 && v > 0));
}
