#!/usr/bin/env node
// Makes the link-preview image (Open Graph, 1200×630 PNG): 40 digits from the generator.
//   node scripts/og-image.mjs                    the page's first grid (grid seed 1, bundled
//                                                pretrained weights), via the wasm build in www/pkg
//   node scripts/og-image.mjs digits.npy [out]   any 40 digits, e.g. from
//       digitgan generate --n 40 --seed 1 --out digits.npy   (float32 0..1 or uint8, [40,28,28] or [40,784])
// Output (default www/og-image.png): 10 × 4 digits at 4× in the page's tile colours on its dark card colour.
import fs from 'node:fs';
import zlib from 'node:zlib';

const root = new URL('..', import.meta.url).pathname;
const [input, output = `${root}www/og-image.png`] = process.argv.slice(2);

async function pageGrid() {
  const pkg = await import(`${root}www/pkg/digitgan.js`);
  await pkg.default({ module_or_path: fs.readFileSync(`${root}www/pkg/digitgan_bg.wasm`) });
  const gan = new pkg.DigitGan(fs.readFileSync(`${root}assets/mnist-subset.bin.gz`), fs.readFileSync(`${root}assets/pretrained.dgw`), 1);
  return gan.generate(gan.latents(40, 1), null); // what worker.js draws first: GRID_N 40, gridSeed 1, labels i % 10
}

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${file} is not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = buf.toString('latin1', major === 1 ? 10 : 12, start);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const data = buf.subarray(start);
  if (descr === '<f4') return new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
  if (descr === '|u1') return Float32Array.from(data, (v) => v / 255);
  throw new Error(`unsupported dtype ${descr}`);
}

const W = 1200;
const H = 630;
const COLS = 10;
const ROWS = 4;
const SCALE = 4;
const GAP = 6;
const BG = [24, 27, 34]; // the dark card colour (style.css)
const TILE = [12, 14, 19]; // digits.js

const digits = input ? readNpy(input) : await pageGrid();
if (digits.length < COLS * ROWS * 784) throw new Error(`need ${COLS * ROWS} digits, got ${digits.length / 784}`);
const gridW = COLS * 28 * SCALE + (COLS - 1) * GAP;
const gridH = ROWS * 28 * SCALE + (ROWS - 1) * GAP;
const x0 = Math.floor((W - gridW) / 2);
const y0 = Math.floor((H - gridH) / 2);

const rgb = Buffer.alloc(W * H * 3);
for (let i = 0; i < W * H; i++) rgb.set(BG, i * 3);
for (let k = 0; k < COLS * ROWS; k++) {
  const ox = x0 + (k % COLS) * (28 * SCALE + GAP);
  const oy = y0 + Math.floor(k / COLS) * (28 * SCALE + GAP);
  for (let y = 0; y < 28 * SCALE; y++) {
    for (let x = 0; x < 28 * SCALE; x++) {
      const v = Math.min(1, Math.max(0, digits[k * 784 + Math.floor(y / SCALE) * 28 + Math.floor(x / SCALE)]));
      const o = ((oy + y) * W + ox + x) * 3;
      for (let c = 0; c < 3; c++) rgb[o + c] = Math.round(TILE[c] + (255 - TILE[c]) * v);
    }
  }
}

// PNG: signature, IHDR, one IDAT (filter 0 per row), IEND.
const CRC = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc = (b) => {
  let c = 0xffffffff;
  for (const v of b) c = CRC[(c ^ v) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const c = Buffer.alloc(4);
  c.writeUInt32BE(crc(body));
  return Buffer.concat([len, body, c]);
};
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(W, 0);
ihdr.writeUInt32BE(H, 4);
ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
const raw = Buffer.alloc(H * (1 + W * 3));
for (let y = 0; y < H; y++) rgb.copy(raw, y * (1 + W * 3) + 1, y * W * 3, (y + 1) * W * 3);
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
fs.writeFileSync(output, png);
console.log(`og-image: ${output} ${W}×${H}, ${(png.length / 1024).toFixed(0)} KB`);
