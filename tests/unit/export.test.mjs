// node --test tests/unit/export.test.mjs — the page's augmented-set download (www/export.js):
// .npy headers as NumPy writes them, sprite layout as the CLI's, and a .zip that an independent
// reader (Python's zipfile, on every CI machine) opens with matching CRCs.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { npy, labelsText, spriteColumns, spritePixels, zipStore } from '../../www/export.js';

/** Parses a .npy v1.0 file: { descr, shape, body }. */
function readNpy(bytes) {
  assert.deepEqual([...bytes.slice(0, 8)], [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const len = new DataView(bytes.buffer, bytes.byteOffset).getUint16(8, true);
  const header = new TextDecoder().decode(bytes.slice(10, 10 + len));
  assert.equal((10 + len) % 64, 0, 'data starts 64-byte aligned');
  assert.ok(header.endsWith('\n'));
  const descr = /'descr': '([^']+)'/.exec(header)[1];
  const shape = /'shape': \(([^)]*)\)/.exec(header)[1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  assert.match(header, /'fortran_order': False/);
  return { descr, shape, body: bytes.slice(10 + len) };
}

test('npy: float32 images and uint8 labels with NumPy headers', () => {
  const images = new Float32Array(3 * 784).map((_, i) => (i % 7) / 6);
  const f = readNpy(npy(images, '<f4', [3, 28, 28]));
  assert.equal(f.descr, '<f4');
  assert.deepEqual(f.shape, [3, 28, 28]);
  assert.deepEqual(new Float32Array(f.body.slice().buffer), images);
  const labels = Uint8Array.from([0, 0, 0, 1, 1, 1, 9]);
  const l = readNpy(npy(labels, '|u1', [labels.length]));
  assert.equal(l.descr, '|u1');
  assert.deepEqual(l.shape, [7]);
  assert.deepEqual([...l.body], [...labels]);
  // The header text is exactly the Rust writer's (src/files.rs npy_header) for a 1-D shape.
  const raw = new TextDecoder().decode(npy(labels, '|u1', [7]).slice(10));
  assert.ok(raw.startsWith("{'descr': '|u1', 'fortran_order': False, 'shape': (7,), }"));
});

test('sprite: cells in row-major order, one class per row up to 50', () => {
  assert.equal(spriteColumns(10), 10);
  assert.equal(spriteColumns(50), 50);
  assert.equal(spriteColumns(100), 50);
  const n = 6;
  const images = new Float32Array(n * 784);
  for (let k = 0; k < n; k++) images[k * 784 + 14 * 28 + 14] = k / 5; // cell k's centre
  const { grey, width, height } = spritePixels(images, 4);
  assert.equal(width, 4 * 28);
  assert.equal(height, 2 * 28);
  for (let k = 0; k < n; k++) {
    const x = (k % 4) * 28 + 14;
    const y = Math.floor(k / 4) * 28 + 14;
    assert.equal(grey[y * width + x], Math.round((k / 5) * 255), `cell ${k}`);
  }
  assert.equal(labelsText(Uint8Array.from([0, 0, 1, 1, 2]), 2), '0 0\n1 1\n2\n');
});

test('zip: an independent reader lists every file and its CRC holds', () => {
  const files = [
    { name: 'images.npy', bytes: npy(new Float32Array(2 * 784).fill(0.5), '<f4', [2, 28, 28]) },
    { name: 'labels.npy', bytes: npy(Uint8Array.from([3, 4]), '|u1', [2]) },
    { name: 'labels.txt', bytes: new TextEncoder().encode('3 4\n') },
    { name: 'empty.txt', bytes: new Uint8Array(0) },
  ];
  const zip = zipStore(files);
  assert.deepEqual(zipStore(files), zip, 'same content, same bytes');
  const dir = mkdtempSync(join(tmpdir(), 'digitgan-zip-'));
  const path = join(dir, 'set.zip');
  writeFileSync(path, zip);
  const script = [
    'import sys, zipfile, json',
    'z = zipfile.ZipFile(sys.argv[1])',
    'assert z.testzip() is None',
    'print(json.dumps([[i.filename, i.file_size, z.read(i.filename).hex()] for i in z.infolist()]))',
  ].join('\n');
  const listed = JSON.parse(execFileSync('python3', ['-c', script, path], { encoding: 'utf8' }));
  assert.deepEqual(
    listed.map(([name, size]) => [name, size]),
    files.map((f) => [f.name, f.bytes.length]),
  );
  for (const [i, [, , hex]] of listed.entries()) assert.equal(hex, Buffer.from(files[i].bytes).toString('hex'));
});

test('zip: a corrupted byte is caught by the reader (the CRCs are real)', () => {
  const zip = zipStore([{ name: 'a.txt', bytes: new TextEncoder().encode('hello digits') }]);
  zip[30 + 'a.txt'.length + 2] ^= 0xff; // inside the stored data
  const dir = mkdtempSync(join(tmpdir(), 'digitgan-zip-'));
  const path = join(dir, 'bad.zip');
  writeFileSync(path, zip);
  const out = execFileSync('python3', ['-c', 'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).testzip())', path], {
    encoding: 'utf8',
  });
  assert.equal(out.trim(), 'a.txt');
});
