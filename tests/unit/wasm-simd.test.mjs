// The SIMD probe the worker uses to pick its wasm build: valid where wasm SIMD is, invalid for
// an engine without it (binaryen's validator with SIMD switched off stands in for such a browser).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { SIMD_PROBE, hasWasmSimd } from '../../www/wasm-simd.js';

const WASM_OPT = new URL('../../node_modules/binaryen/bin/wasm-opt', import.meta.url).pathname;

test('the probe validates in an engine with SIMD (Node)', () => {
  assert.equal(hasWasmSimd(), true);
});

test('the probe needs SIMD: a validator without the feature refuses it', () => {
  const file = `${mkdtempSync(`${tmpdir()}/simd-probe-`)}/probe.wasm`;
  writeFileSync(file, SIMD_PROBE);
  const run = (features) => execFileSync(WASM_OPT, [...features, file, '-o', '/dev/null'], { stdio: 'pipe' });
  assert.doesNotThrow(() => run(['--enable-simd']));
  assert.throws(() => run(['--mvp-features']), /features|v128|simd/i);
});
