// TensorFlow.js contender: the same model, losses and optimiser as DigitGAN's design preset
// (src/train.rs, TrainConfig::design, Trainer::step), written with TF.js core ops.
//   G: z (100, U(-1,1)) → 128 → 256 → 512 → 784, LeakyReLU(0.2), tanh out.
//   D: 784 → 512 → 256 → 128 → 1 logit, LeakyReLU(0.2).
//   One step = one D update (one forward over [real; G(z)], BCE with logits, real label 1)
//   + one G update through the updated D (non-saturating: softplus(-D(G(z)))), two Adam
//   optimisers lr 2e-4, β1 0.5, β2 0.999, ε 1e-8, batch 64, real digits from the bundle.
// The one difference, inherent to TF.js's tape API: G's forward runs twice per step (once
// outside any tape for D's fake batch, once inside G's minimize); DigitGAN runs it once and
// reuses the graph. Layers are tf.matMul + tf.add + tf.leakyRelu; spec.fused = true uses
// tf.fused.matMul for matmul + bias instead (TF.js cannot differentiate a fused LeakyReLU),
// which trains slower on the wasm backend.
importScripts(
  '../node_modules/@tensorflow/tfjs/dist/tf.min.js',
  '../node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js',
  './measure.js',
);

const B = 64;
const Z = 100;
const SLOPE = 0.2;

function dense(inputs, outputs) {
  // Kaiming-uniform-like init (the speed does not depend on it).
  const lim = 1 / Math.sqrt(inputs);
  return {
    w: tf.variable(tf.randomUniform([inputs, outputs], -lim, lim)),
    b: tf.variable(tf.randomUniform([outputs], -lim, lim)),
  };
}

function mlp(sizes) {
  const layers = [];
  for (let i = 0; i + 1 < sizes.length; i++) layers.push(dense(sizes[i], sizes[i + 1]));
  return layers;
}

function makeForward(layers, last, fused) {
  const linear = (x, l) => (fused ? tf.fused.matMul({ a: x, b: l.w, bias: l.b }) : tf.add(tf.matMul(x, l.w), l.b));
  return (x) => {
    let h = x;
    layers.forEach((l, i) => {
      h = linear(h, l);
      h = i + 1 < layers.length ? tf.leakyRelu(h, SLOPE) : last(h);
    });
    return h;
  };
}

self.onmessage = async ({ data: spec }) => {
  try {
    const t0 = performance.now();
    const backend = spec.backend;
    if (backend === 'wasm') {
      tf.wasm.setWasmPaths(new URL('../node_modules/@tensorflow/tfjs-backend-wasm/dist/', self.location.href).href);
    }
    let ok = false;
    try {
      ok = await tf.setBackend(backend);
      await tf.ready();
    } catch (e) {
      throw new Error(`backend ${backend} did not start: ${e.message || e}`);
    }
    if (!ok || tf.getBackend() !== backend) throw new Error(`backend ${backend} did not start`);
    const flags = {};
    for (const f of ['WASM_HAS_SIMD_SUPPORT', 'WASM_HAS_MULTITHREAD_SUPPORT', 'WEBGL_VERSION', 'WEBGL_RENDER_FLOAT32_ENABLED']) {
      try {
        flags[f] = await tf.env().getAsync(f);
      } catch {
        /* flag not registered for this backend */
      }
    }
    if (backend === 'webgl') {
      try {
        const gl = tf.backend().gpgpu.gl;
        const ext = gl.getExtension('WEBGL_debug_renderer_info');
        flags.renderer = ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
      } catch {
        /* no renderer info */
      }
    }

    const fused = spec.fused === true;
    const gLayers = mlp([Z, 128, 256, 512, 784]);
    const dLayers = mlp([784, 512, 256, 128, 1]);
    const G = makeForward(gLayers, tf.tanh, fused);
    const D = makeForward(dLayers, (h) => h, fused);
    const gVars = gLayers.flatMap((l) => [l.w, l.b]);
    const dVars = dLayers.flatMap((l) => [l.w, l.b]);
    const adam = () => tf.train.adam(2e-4, 0.5, 0.999, 1e-8);
    const optD = adam();
    const optG = adam();

    const gz = await fetchDigitsGz(new URL('../assets/mnist-subset.bin.gz', self.location.href));
    const digits = await decodeTrainDigits(gz);
    const pool = tf.tensor2d(digits.images, [digits.n, 784]);
    // Shuffled epochs, as DigitGAN's Batcher.
    let order = [];
    const nextIndices = () => {
      if (order.length < B) {
        const p = Array.from({ length: digits.n }, (_, i) => i);
        for (let i = p.length - 1; i > 0; i--) {
          const j = Math.floor(Math.random() * (i + 1));
          [p[i], p[j]] = [p[j], p[i]];
        }
        order = p;
      }
      return Int32Array.from(order.splice(0, B));
    };
    const loadMs = performance.now() - t0;

    let lastLoss = NaN;
    const step = () => {
      const idx = tf.tensor1d(nextIndices(), 'int32');
      const z = tf.randomUniform([B, Z], -1, 1);
      const dCost = tf.tidy(() => {
        const x = tf.concat([tf.gather(pool, idx), G(z)], 0); // [real; fake], no tape
        return optD.minimize(
          () => {
            const [real, fake] = tf.split(D(x), 2, 0);
            return tf.add(tf.mean(tf.softplus(tf.neg(real))), tf.mean(tf.softplus(fake)));
          },
          true,
          dVars,
        );
      });
      const gCost = tf.tidy(() => optG.minimize(() => tf.mean(tf.softplus(tf.neg(D(G(z))))), true, gVars));
      lastLoss = dCost.dataSync()[0]; // waits for the step (matters for webgl)
      gCost.dataSync();
      tf.dispose([idx, z, dCost, gCost]);
    };

    const matmul = [];
    for (const [m, k, n] of spec.matmuls || [[64, 784, 512]]) {
      const a = tf.randomUniform([m, k]);
      const b = tf.randomUniform([k, n]);
      const ms = bestMs(
        () => {
          const c = tf.matMul(a, b);
          c.dataSync();
          c.dispose();
        },
        Math.max(1, Math.round(2e8 / (2 * m * k * n) / (backend === 'cpu' ? 10 : 1))),
        backend === 'cpu' ? 2 : 5,
      );
      tf.dispose([a, b]);
      matmul.push({ shape: [m, k, n], ms, gflops: (2 * m * k * n) / ms / 1e6 });
    }

    const r = await measureSteps(step, spec);
    self.postMessage({ ok: true, backend, flags, fused, loadMs, ...r, lastLoss, matmul, tensors: tf.memory().numTensors });
  } catch (err) {
    self.postMessage({ ok: false, error: String((err && err.stack) || err) });
  }
};
