// DigitGAN contender: the design preset's training step (plain MLP GAN, batch 64) in wasm, via
// the BenchTrainer hook of src/web.rs, plus the 64×784×512 matmul in GFLOP/s.
importScripts('./measure.js');

// A tiny module using i8x16.relaxed_swizzle (wasm-feature-detect's probe): valid only where
// relaxed SIMD is available. The page would pick the relaxed build with the same test.
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15, 1, 13, 0, 65, 1, 253, 15, 65, 2, 253, 15, 253,
  128, 2, 11,
]);

self.onmessage = async ({ data: spec }) => {
  try {
    if (spec.relaxed && !WebAssembly.validate(RELAXED_SIMD_PROBE)) throw new Error('this engine has no relaxed SIMD');
    const pkgUrl = new URL(`${spec.pkg || './pkg'}/digitgan.js`, self.location.href);
    const t0 = performance.now();
    const pkg = await import(pkgUrl.href);
    await pkg.default({ module_or_path: new URL('digitgan_bg.wasm', pkgUrl) });
    const gz = await fetchDigitsGz(new URL('../assets/mnist-subset.bin.gz', self.location.href));
    const trainer = new pkg.BenchTrainer(gz, spec.preset || 'design', 1);
    const loadMs = performance.now() - t0;

    const matmul = [];
    for (const [m, k, n] of spec.matmuls || [[64, 784, 512]]) {
      const mm = new pkg.BenchMatmul(m, k, n);
      const ms = bestMs(() => mm.run(1), Math.max(1, Math.round(2e8 / (2 * m * k * n))));
      mm.free();
      matmul.push({ shape: [m, k, n], ms, gflops: (2 * m * k * n) / ms / 1e6 });
    }

    let lastLoss = NaN;
    const r = await measureSteps(() => {
      lastLoss = trainer.steps(1);
    }, spec);
    post({ ok: true, loadMs, ...r, lastLoss, matmul });
  } catch (err) {
    post({ ok: false, error: String((err && err.stack) || err) });
  }
};
const post = (m) => self.postMessage(m);
