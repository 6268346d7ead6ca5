// The wasm build trains and restores like the native build: same seed → same losses, samples and
// restoration within float tolerance. Needs www/pkg (scripts/build-wasm.sh) and target/fast/digitgan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const native = `${root}target/fast/digitgan`;
// The native run both wasm builds are compared against (run once, on first use).
let nativeParity;
const wantParity = () =>
  (nativeParity ??= JSON.parse(execFileSync(native, ['parity', '--seed', '42', '--steps', '3']).toString()));

for (const [build, file] of [['simd128', 'digitgan_bg.wasm'], ['plain (no-SIMD fallback)', 'digitgan_plain_bg.wasm']]) {
  test(`wasm (${build}) and native agree for a fixed seed`, async () => {
    for (const f of [`${root}www/pkg/digitgan.js`, `${root}www/pkg/${file}`, native]) {
      assert.ok(existsSync(f), `${f} is missing: run scripts/build-wasm.sh and cargo build --profile fast first`);
    }
    const want = wantParity();
    // One glue module instance per build (the query makes Node load the glue afresh).
    const pkg = await import(`${root}www/pkg/digitgan.js?${file}`);
    await pkg.default({ module_or_path: readFileSync(`${root}www/pkg/${file}`) });
    const gan = new pkg.DigitGan(readFileSync(`${root}assets/mnist-subset.bin.gz`), null, 42);
    const stats = gan.train(3);
    const samples = gan.generate(gan.latents(8, 3), null);
    const restored = gan.restore(gan.digits('test', 10, 1).images, null);
    const maxDiff = (a, b) => {
      assert.equal(a.length, b.length);
      return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
    };
    for (const k of ['d_loss', 'g_loss', 'r_loss', 'd_real', 'd_fake']) {
      assert.ok(maxDiff(stats.map((s) => s[k]), want.stats.map((s) => s[k])) < 1e-3, `${k} differs`);
    }
    const ds = maxDiff(Array.from(samples), want.samples);
    const dr = maxDiff(Array.from(restored), want.restored);
    console.log(`${build}: max |wasm − native|: samples ${ds.toExponential(2)}, restored ${dr.toExponential(2)}`);
    assert.ok(ds < 1e-3, `samples differ by ${ds}`);
    assert.ok(dr < 1e-3, `restoration differs by ${dr}`);
  });
}

test('the page\'s augmented-set export matches `digitgan export-augmented`', async () => {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(`${tmpdir()}/digitgan-export-`);
  const weights = `${root}assets/pretrained.dgw`;
  execFileSync(native, ['export-augmented', '--n-per-class', '3', '--seed', '7', '--weights', weights, '--out', dir]);
  const npy = readFileSync(`${dir}/images.npy`);
  const headerLen = npy.readUInt16LE(8);
  const want = new Float32Array(npy.buffer.slice(npy.byteOffset + 10 + headerLen, npy.byteOffset + npy.length));
  const pkg = await import(`${root}www/pkg/digitgan.js`);
  await pkg.default({ module_or_path: readFileSync(`${root}www/pkg/digitgan_bg.wasm`) });
  const gan = new pkg.DigitGan(readFileSync(`${root}assets/mnist-subset.bin.gz`), readFileSync(weights), 1);
  const got = gan.generatePerClass(3, 7);
  assert.equal(got.length, 30 * 784);
  assert.equal(want.length, got.length);
  const d = got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i])), 0);
  console.log(`max |wasm − native| of the exported set: ${d.toExponential(2)}`);
  assert.ok(d < 1e-3, `exported digits differ by ${d}`);
  assert.ok(Math.max(...got) > 0.5, 'the digits have ink');
});
