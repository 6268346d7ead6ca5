import { test, expect } from '@playwright/test';
import { watchErrors, observeLongTasks, openReady, canvasValues, distance, stepCount, shot } from './helpers.js';

test('training runs in the worker: steps advance, grid changes, pause stops, no long tasks', async ({ page }) => {
  const errors = watchErrors(page);
  await observeLongTasks(page);
  await openReady(page);
  const before = await canvasValues(page, 'samples-canvas');

  const startedAt = await page.evaluate(() => performance.now());
  await page.getByTestId('train-toggle').click();
  await expect(page.getByTestId('train-toggle')).toHaveText('Pause');
  await expect.poll(() => stepCount(page), { timeout: 30_000 }).toBeGreaterThanOrEqual(40);

  // Options can change while running.
  await page.getByTestId('opt-lr').selectOption('0.0001');
  await page.getByTestId('opt-batch').selectOption('32');
  await page.getByTestId('opt-augment').check();
  const s0 = await stepCount(page);
  await expect.poll(() => stepCount(page), { timeout: 20_000 }).toBeGreaterThan(s0 + 20);

  const sps = Number(await page.getByTestId('steps-per-second').textContent());
  console.log(`steps/s while training (fast build unless release): ${sps}`);
  expect(sps).toBeGreaterThan(0);

  // Read the long tasks before the test's own canvas reads (big evaluate() calls run on the main thread).
  const longTasks = await page.evaluate((t) => window.__longTasks?.filter((e) => e.start > t), startedAt);
  console.log(`main-thread long tasks while training: ${JSON.stringify(longTasks)}; started at ${Math.round(startedAt)}`);
  console.log(`worker-message handlers over 16 ms: ${JSON.stringify(await page.evaluate(() => window.__digitgan.metrics.slowHandlers))}`);
  expect(longTasks).not.toBeNull();
  expect(longTasks).toEqual([]);
  // (after the long-task check: a full-page screenshot relayouts the page, itself a long task)
  await shot(page, 'training-desktop');
  const after = await canvasValues(page, 'samples-canvas');
  const change = distance(before, after);
  console.log(`sample grid RMS change after ${await stepCount(page)} steps: ${change.toFixed(4)}`);
  expect(change).toBeGreaterThan(0.001);


  // Pause stops the worker within a moment.
  await page.getByTestId('train-toggle').click();
  await expect(page.getByTestId('train-toggle')).toHaveText('Train');
  // "Within a moment": a step already running in the worker (a U-Net step on a busy machine
  // can outlast 400 ms) may still land; then the count must hold still.
  await expect.poll(async () => {
    const at = await stepCount(page);
    await page.waitForTimeout(400);
    return (await stepCount(page)) - at;
  }, { timeout: 5000 }).toBe(0);
  const paused = await stepCount(page);
  await page.waitForTimeout(1500);
  expect(await stepCount(page)).toBe(paused);

  // Single step.
  await page.getByTestId('step-once').click();
  await expect.poll(() => stepCount(page)).toBe(paused + 1);

  // Charts were fed.
  await expect(page.locator('#chart-loss canvas')).toHaveCount(1);
  await expect(page.getByTestId('status')).not.toHaveText(/error|fail/i);
  expect(errors).toEqual([]);
});

test('train from scratch resets the step count; phone screenshot while training', async ({ page }) => {
  const errors = watchErrors(page);
  await page.setViewportSize({ width: 360, height: 780 });
  await openReady(page);
  await page.getByTestId('train-scratch').click();
  await expect(page.getByTestId('train-toggle')).toHaveText('Pause');
  await expect.poll(() => stepCount(page), { timeout: 30_000 }).toBeGreaterThanOrEqual(20);
  await page.locator('#train').scrollIntoViewIfNeeded();
  await shot(page, 'training-phone');
  await page.getByTestId('train-toggle').click();
  await expect(page.getByTestId('train-toggle')).toHaveText('Train');
  expect(errors).toEqual([]);
});
