import fs from 'node:fs';
import { test, expect } from '@playwright/test';
import { watchErrors, openReady, canvasValues, stats, stepCount, shot } from './helpers.js';

test('a corrupt weights file is refused with a message; the model stays', async ({ page }) => {
  const errors = watchErrors(page);
  await openReady(page);
  const before = await canvasValues(page, 'samples-canvas');
  await page.getByTestId('weights-file-input').setInputFiles({
    name: 'broken.dgw',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from('this is not a DigitGAN weights file, just some text'),
  });
  await expect(page.getByTestId('status')).toHaveText(/Could not load “broken\.dgw”/);
  console.log(`corrupt file → status: ${await page.getByTestId('status').textContent()}`);
  expect(await canvasValues(page, 'samples-canvas')).toEqual(before);
  await shot(page, 'corrupt-weights-desktop');
  // The refusal is an expected, user-facing error; nothing else may be logged.
  expect(errors).toEqual([]);
});

test('download the weights and load them back', async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  await openReady(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-weights').click()]);
  expect(download.suggestedFilename()).toBe('digitgan-weights.dgw');
  const file = testInfo.outputPath('digitgan-weights.dgw');
  await download.saveAs(file);
  const size = fs.statSync(file).size;
  console.log(`exported weights: ${size} bytes`);
  expect(size).toBeGreaterThan(1000);
  await page.getByTestId('weights-file-input').setInputFiles(file);
  await expect(page.getByTestId('status')).toHaveText(/Loaded weights from “digitgan-weights\.dgw”/);
  expect(errors).toEqual([]);
});

test('the trained model survives a reload (IndexedDB); back to pretrained', async ({ page }) => {
  const errors = watchErrors(page);
  await openReady(page);
  await page.getByTestId('train-toggle').click();
  await expect.poll(() => stepCount(page), { timeout: 30_000 }).toBeGreaterThanOrEqual(10);
  await page.getByTestId('train-toggle').click();
  await expect(page.getByTestId('back-to-pretrained')).toBeVisible({ timeout: 15_000 });
  const step = await stepCount(page);
  await page.reload();
  await openReady(page);
  await expect(page.getByTestId('status')).toHaveText(/Welcome back/);
  expect(await stepCount(page)).toBe(step);
  await expect(page.getByTestId('back-to-pretrained')).toBeVisible();
  await page.getByTestId('back-to-pretrained').click();
  await expect(page.getByTestId('back-to-pretrained')).toBeHidden();
  await expect.poll(() => stepCount(page)).toBe(0);
  expect(errors).toEqual([]);
});

test('a crash in the worker is reported and the worker restarts with the last good weights', async ({ page }) => {
  const errors = watchErrors(page);
  await openReady(page);
  await page.evaluate(() => window.__digitgan.debugCrash());
  // The user is told it was a bug, with the panic's own message (not a bare "unreachable").
  await expect(page.getByTestId('status')).toHaveText(/stopped with an error: a bug in the model code \(debugPanic: a deliberate panic/);
  await expect.poll(() => page.evaluate(() => window.__digitgan.metrics.workerStarts)).toBe(2);
  await expect(page.getByTestId('train-toggle')).toBeEnabled();
  console.log(`after crash → status: ${await page.getByTestId('status').textContent()}`);
  const s = stats(await canvasValues(page, 'samples-canvas'));
  expect(s.sd).toBeGreaterThan(0.05);
  // The page is still fully usable: training works after the restart.
  await page.getByTestId('step-once').click();
  await expect.poll(() => stepCount(page)).toBeGreaterThanOrEqual(1);
  await shot(page, 'after-crash-desktop');
  // The panic happened inside Rust: its message reached the console through the panic hook.
  expect(errors.some((e) => /debugPanic: a deliberate panic inside Rust/.test(e))).toBe(true);
  expect(errors.filter((e) => !/debugPanic|deliberate panic|unreachable|RuntimeError/.test(e))).toEqual([]);
});

test('storage refused (private mode / quota): a message, never an exception', async ({ page }) => {
  const errors = watchErrors(page);
  await page.addInitScript(() => {
    IDBFactory.prototype.open = function open() {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
  });
  await openReady(page);
  await expect(page.getByTestId('status')).toHaveText(/will not keep your model.*quota/i);
  // Training and pausing (which saves) still work.
  await page.getByTestId('train-toggle').click();
  await expect.poll(() => stepCount(page), { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
  await page.getByTestId('train-toggle').click();
  await expect(page.getByTestId('train-toggle')).toHaveText('Train');
  await page.waitForTimeout(1000);
  console.log(`storage refused → status: ${await page.getByTestId('status').textContent()}`);
  expect(errors).toEqual([]);
});
