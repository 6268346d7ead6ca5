// Section 4, "Augment": runs the augmentation experiment in the worker (src/augment.rs through
// DigitGan.augmentEval) and draws the three accuracies as bars with min–max whiskers; downloads a
// generated, labelled set as a .zip (export.js).
import { augmentedSetFiles, zipStore } from './export.js';
import { download } from './download.js';

const ARMS = [
  { key: 'real', label: 'K real' },
  { key: 'generated', label: '+ 100 generated' },
  { key: 'transformed', label: '+ 100 T(x)' },
];

/**
 * app: { call(method, args) → Promise, setStatus(text, kind), onProgress(fn) registers the
 * handler of the worker's augmentProgress messages, ready() → boolean, modelLabel() → text
 * naming the current weights }
 */
export function initAugment(app) {
  const $ = (id) => document.getElementById(id);
  const run = $('augment-run');
  const kSelect = $('augment-k');
  const bar = $('augment-progress');
  const canvas = $('augment-chart');
  const result = $('augment-result');
  let last = null;

  app.onProgress(({ done, total }) => {
    bar.max = total;
    bar.value = done;
  });

  run.addEventListener('click', async () => {
    if (!app.ready()) return;
    const k = Number(kSelect.value);
    run.disabled = true;
    run.setAttribute('aria-busy', 'true');
    bar.hidden = false;
    bar.value = 0;
    app.setStatus(`Augmentation experiment: training 6 small classifiers on ${k} real digits per class (training is paused)…`, 'busy');
    const t0 = performance.now();
    try {
      const report = await app.call('augmentEval', { k, m: 100, seeds: 2, steps: 300 });
      last = report.results[0];
      draw(canvas, last);
      const acc = (a) => `${(100 * a.mean).toFixed(1)}%`;
      const [real, gen, tx] = last.arms;
      result.textContent =
        `K = ${k}: real only ${acc(real)}, with generated digits ${acc(gen)}, with transformed copies ${acc(tx)} ` +
        `(${report.seeds} seeds, ${report.steps} steps each, ${report.test_size} test digits). ` +
        'The pretrained generator saw all 7,000 training digits, so its help here is an upper bound.';
      document.body.dataset.augmentRuns = String(Number(document.body.dataset.augmentRuns || 0) + 1);
      app.setStatus(`Augmentation experiment done in ${((performance.now() - t0) / 1000).toFixed(1)} s.`);
    } catch (err) {
      app.setStatus(`The augmentation experiment failed: ${err.message}`, 'error');
    } finally {
      run.disabled = false;
      run.removeAttribute('aria-busy');
      bar.hidden = true;
    }
  });

  const exportRun = $('export-run');
  exportRun.addEventListener('click', async () => {
    if (!app.ready()) return;
    const nPerClass = Number($('export-n').value);
    const seed = 1;
    exportRun.disabled = true;
    try {
      const { images } = await app.call('generatePerClass', { nPerClass, seed });
      const note =
        `DigitGAN augmented set: ${nPerClass} generated digits per class (${10 * nPerClass} in all), seed ${seed},\n` +
        `from the generator the page had at the time (${app.modelLabel()}).\n` +
        'images.npy: float32 [N,28,28] in [0,1], ink = 1 (as MNIST); labels.npy: uint8 [N];\n' +
        'sprite.png: 28x28 cells, row-major; labels.txt: the labels of the sprite cells, one line per row.\n' +
        'Digit i has label floor(i / per-class count). Same files as `digitgan export-augmented`.\n';
      const zip = zipStore(await augmentedSetFiles(images, nPerClass, note));
      const name = `digitgan-augmented-${nPerClass}-per-class.zip`;
      download(new Blob([zip], { type: 'application/zip' }), name);
      app.setStatus(`Downloaded ${name} (${(zip.length / 1024).toFixed(0)} KB, ${10 * nPerClass} digits with labels).`);
    } catch (err) {
      app.setStatus(`Could not export the generated set: ${err.message}`, 'error');
    } finally {
      exportRun.disabled = false;
    }
  });

  draw(canvas, null);
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => draw(canvas, last));
}

/** Bars (mean accuracy) with min–max whiskers for the three arms; an empty frame before a run. */
function draw(canvas, kResult) {
  const ctx = canvas.getContext('2d');
  const css = getComputedStyle(document.documentElement);
  const color = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
  const ink = color('--text', '#222');
  const muted = color('--muted', '#666');
  const accent = color('--accent', '#3358c4');
  const { width: w, height: h } = canvas;
  ctx.clearRect(0, 0, w, h);
  const left = 44, bottom = h - 28, top = 12, right = w - 12;
  const y = (a) => bottom - a * (bottom - top);
  ctx.font = '12px system-ui, sans-serif';
  ctx.strokeStyle = muted;
  ctx.fillStyle = muted;
  ctx.lineWidth = 1;
  for (const a of [0, 0.25, 0.5, 0.75, 1]) {
    ctx.globalAlpha = 0.35;
    ctx.beginPath();
    ctx.moveTo(left, y(a));
    ctx.lineTo(right, y(a));
    ctx.stroke();
    ctx.globalAlpha = 1;
    ctx.fillText(`${a * 100}%`, 4, y(a) + 4);
  }
  const slot = (right - left) / ARMS.length;
  ARMS.forEach((arm, i) => {
    const x = left + i * slot + slot * 0.2;
    const bw = slot * 0.6;
    ctx.fillStyle = muted;
    ctx.fillText(arm.label, x, h - 8);
    const r = kResult?.arms[i];
    if (!r) return;
    ctx.fillStyle = accent;
    ctx.globalAlpha = i === 0 ? 0.55 : 0.9;
    ctx.fillRect(x, y(r.mean), bw, bottom - y(r.mean));
    ctx.globalAlpha = 1;
    ctx.strokeStyle = ink;
    ctx.beginPath();
    ctx.moveTo(x + bw / 2, y(r.min));
    ctx.lineTo(x + bw / 2, y(r.max));
    ctx.moveTo(x + bw / 2 - 6, y(r.min));
    ctx.lineTo(x + bw / 2 + 6, y(r.min));
    ctx.moveTo(x + bw / 2 - 6, y(r.max));
    ctx.lineTo(x + bw / 2 + 6, y(r.max));
    ctx.stroke();
    ctx.fillStyle = ink;
    ctx.fillText(`${(100 * r.mean).toFixed(1)}%`, x + 4, y(r.max) - 6);
  });
}
