import { test, expect } from '@playwright/test';
import { watchErrors, observeLongTasks, openReady, canvasValues, stats, shot } from './helpers.js';

const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; worker-src 'self' blob:";

test('loads under /digitgan/ with strict CSP, draws pretrained samples fast, no console errors', async ({ page }) => {
  const errors = watchErrors(page);
  await observeLongTasks(page);
  await openReady(page);

  const firstGridMs = Number(await page.evaluate(() => document.body.dataset.firstGridMs));
  const readyMs = await page.evaluate(() => window.__digitgan.metrics.readyMs);
  console.log(`time to first generated grid: ${firstGridMs} ms (ready ${Math.round(readyMs)} ms)`);
  expect(firstGridMs).toBeLessThan(5000); // target 1.5 s on loopback; hard limit leaves room for a loaded machine

  const samples = stats(await canvasValues(page, 'samples-canvas'));
  console.log(`samples canvas: mean ${samples.mean.toFixed(3)} sd ${samples.sd.toFixed(3)}`);
  expect(samples.sd).toBeGreaterThan(0.05); // not blank, not uniform
  const real = stats(await canvasValues(page, 'real-canvas'));
  expect(real.sd).toBeGreaterThan(0.05);

  // CSP meta present, with the policy we ship, and nothing violated it.
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(csp).toBe(CSP);
  expect(await page.evaluate(() => window.__cspViolations)).toEqual([]);
  await expect(page).toHaveTitle('DigitGAN — watch a GAN learn to write digits');
  await expect(page.locator('meta[property="og:title"]')).toHaveCount(1);
  await expect(page.getByTestId('status')).not.toHaveText(/error|fail/i);
  console.log(`status: ${await page.getByTestId('status').textContent()}`);

  await shot(page, 'load-desktop');
  expect(errors).toEqual([]);
});

test('phone layout (360 px): no horizontal scrolling, controls reachable', async ({ page }) => {
  const errors = watchErrors(page);
  await page.setViewportSize({ width: 360, height: 780 });
  await openReady(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await expect(page.getByTestId('draw-canvas')).toBeVisible();
  await shot(page, 'load-phone');
  // keyboard: Tab reaches the train button
  let reached = false;
  for (let i = 0; i < 40 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement?.dataset.testid === 'train-toggle');
  }
  expect(reached).toBe(true);
  expect(errors).toEqual([]);
});

test('wasm still loads when served with the wrong MIME type (instantiate fallback)', async ({ page }) => {
  const warnings = [];
  page.on('worker', (w) => w.on('console', (m) => warnings.push(m.text())));
  // openReady waits for the first grid too: the grid is drawn on the frame after the worker's
  // "ready", so the train button can be enabled while the canvas is still blank.
  await openReady(page, '/digitgan-badmime/');
  const s = stats(await canvasValues(page, 'samples-canvas'));
  expect(s.sd).toBeGreaterThan(0.05);
  console.log(`wrong-MIME load ok; worker said: ${warnings.filter((w) => /MIME|instantiateStreaming/i.test(w)).join(' | ') || '(nothing)'}`);
});

test('the no-SIMD fallback build loads, generates and trains (?wasm=plain)', async ({ page }) => {
  const errors = watchErrors(page);
  await openReady(page);
  await expect(page.getByTestId('wasm-build')).toHaveText(/SIMD build/);
  expect(await page.evaluate(() => document.body.dataset.wasmBuild)).toBe('simd');

  await openReady(page, '?wasm=plain');
  expect(await page.evaluate(() => document.body.dataset.wasmBuild)).toBe('plain');
  await expect(page.getByTestId('wasm-build')).toHaveText(/plain WebAssembly build/);
  const grid = await canvasValues(page, 'samples-canvas');
  expect(stats(grid).sd).toBeGreaterThan(0.05);
  await page.getByTestId('step-once').click();
  await expect(page.getByTestId('step-count')).not.toHaveText('0', { timeout: 30_000 });
  console.log(`plain build: step ${await page.getByTestId('step-count').textContent()}`);
  await shot(page, 'plain-wasm-desktop');
  expect(errors).toEqual([]);
});

test('explore: pick a digit, new samples, interpolation strip; dark scheme', async ({ page }) => {
  const errors = watchErrors(page);
  await page.emulateMedia({ colorScheme: 'dark' });
  await openReady(page);
  const grid0 = await canvasValues(page, 'samples-canvas');
  const before = await page.evaluate(() => document.body.dataset.samplesCount);
  if (await page.getByTestId('digit-select').isVisible()) {
    // class-conditional model: ask for 3s
    await page.locator('label[for="digit-3"]').click();
    await expect.poll(() => page.evaluate(() => document.body.dataset.samplesCount)).not.toBe(before);
    const grid3 = await canvasValues(page, 'samples-canvas');
    expect(grid3).not.toEqual(grid0);
  }
  const mid = await page.evaluate(() => document.body.dataset.samplesCount);
  await page.getByTestId('new-samples').click();
  await expect.poll(() => page.evaluate(() => document.body.dataset.samplesCount)).not.toBe(mid);
  await page.getByTestId('interpolate').click();
  await expect(page.getByTestId('interp-strip')).toBeVisible();
  // The frames come from the worker: wait for them (a slow machine takes longer than a moment).
  await expect.poll(async () => stats(await canvasValues(page, 'interp-strip')).sd).toBeGreaterThan(0.05);
  await expect.poll(async () => stats(await canvasValues(page, 'interp-frame')).sd).toBeGreaterThan(0.005); // not uniform
  await page.getByTestId('new-samples').focus(); // show the focus ring in the screenshot
  await shot(page, 'explore-dark-desktop');
  expect(errors).toEqual([]);
});
