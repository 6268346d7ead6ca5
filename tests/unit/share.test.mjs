// The share-link format (www/share.js): round trip for every kind of valid state, link lengths on
// real digits, and fuzzing: random bytes, truncations, substitutions, bit flips, oversized and
// future-version links never throw and never yield a state other than the one encoded.
//   node --test tests/unit/      (npm run test:unit)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync, deflateRawSync } from 'node:zlib';
import {
  encodeState,
  decodeState,
  isShareFragment,
  quantise,
  dequantise,
  maskBits,
  crc32,
  weightsId,
  toBase64Url,
  fromBase64Url,
  MAX_FRAGMENT,
  VERSION,
} from '../../www/share.js';

// Small seeded PRNG (mulberry32) so that every failure is reproducible.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const LRS = [0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.003, 0.1, 1e-9, 0.012345678901234];

function randomState(r) {
  const pick = (k) => Math.floor(r() * k);
  const kind = pick(6); // image: 0 empty, 1 all ink, 2 sparse, 3 dense random, 4 binary, 5 smooth blob
  const image = new Uint8Array(784);
  for (let i = 0; i < 784; i++) {
    image[i] =
      kind === 0 ? 0 : kind === 1 ? 255 : kind === 2 ? (r() < 0.2 ? pick(256) : 0) : kind === 3 ? pick(256) : kind === 4 ? (r() < 0.5 ? 255 : 0) : Math.max(0, 255 - 20 * Math.hypot((i % 28) - 14, Math.floor(i / 28) - 14)) | 0;
  }
  const maskKind = pick(5); // null, empty, full, random, block
  let mask = null;
  if (maskKind > 0) {
    mask = new Uint8Array(784);
    for (let i = 0; i < 784; i++) {
      const x = i % 28;
      const y = Math.floor(i / 28);
      mask[i] = maskKind === 1 ? 0 : maskKind === 2 ? 1 : maskKind === 3 ? (r() < 0.5 ? 1 : 0) : x >= 9 && x < 17 && y >= 9 && y < 17 ? 1 : 0;
    }
  }
  const edgeSeeds = [0, 1, 0xffffffff, 0x80000000];
  return {
    weightsId: r() < 0.2 ? [0, 0xffff][pick(2)] : pick(0x10000),
    gridSeed: r() < 0.2 ? edgeSeeds[pick(4)] : pick(2 ** 32),
    gridLabel: r() < 0.4 ? null : pick(10),
    options: { lr: LRS[pick(LRS.length)], batch_size: r() < 0.2 ? [1, 512][pick(2)] : 1 + pick(512), augment: r() < 0.5, train_restorer: r() < 0.5 },
    customWeights: r() < 0.3,
    drawing: r() < 0.15 ? null : { image, mask, restoreSeed: r() < 0.3 ? null : r() < 0.2 ? edgeSeeds[pick(4)] : pick(2 ** 32) },
  };
}

const base = () => ({
  weightsId: 0x1234,
  gridSeed: 7,
  gridLabel: null,
  options: { lr: 0.0002, batch_size: 64, augment: false, train_restorer: true },
  customWeights: false,
  drawing: null,
});

async function assertRoundTrip(state) {
  const fragment = await encodeState(state);
  assert.ok(fragment.length <= MAX_FRAGMENT, `fragment ${fragment.length} > limit`);
  assert.match(fragment, /^v1\.[A-Za-z0-9_-]+$/);
  const d = await decodeState(`#${fragment}`);
  assert.equal(d.ok, true, d.error);
  assert.deepEqual(d.state, state);
  return fragment;
}

async function assertRefused(fragment, code) {
  const d = await decodeState(fragment); // must resolve, never reject
  assert.equal(d.ok, false, `accepted ${String(fragment).slice(0, 60)}`);
  assert.equal(typeof d.error, 'string');
  assert.ok(d.error.length > 10 && !/[<>]/.test(d.error));
  if (code) assert.equal(d.code, code, d.error);
  return d;
}

test('round trip: edge cases', async () => {
  const full = new Uint8Array(784).fill(1);
  const cases = {
    'no drawing': base(),
    'label 0 and 9, seed 0 and 2^32-1': { ...base(), gridSeed: 0xffffffff, gridLabel: 9 },
    'label 0': { ...base(), gridSeed: 0, gridLabel: 0 },
    'all ink, no mask, not restored': { ...base(), drawing: { image: new Uint8Array(784).fill(255), mask: null, restoreSeed: null } },
    'empty image, empty mask (present but all 0)': { ...base(), drawing: { image: new Uint8Array(784), mask: new Uint8Array(784), restoreSeed: 0 } },
    'full mask': { ...base(), drawing: { image: new Uint8Array(784).fill(128), mask: full, restoreSeed: 0xffffffff } },
    'custom weights, every option set': {
      ...base(),
      customWeights: true,
      options: { lr: 0.1, batch_size: 512, augment: true, train_restorer: false },
    },
    'batch 1, tiny lr': { ...base(), options: { lr: 1e-12, batch_size: 1, augment: false, train_restorer: false } },
  };
  for (const [name, s] of Object.entries(cases)) {
    await assert.doesNotReject(assertRoundTrip(s), name);
  }
});

test('round trip: 400 random valid states', async () => {
  const r = rng(20261130);
  for (let k = 0; k < 400; k++) await assertRoundTrip(randomState(r));
});

test('the largest possible link (incompressible image and mask) fits the limit', async () => {
  const r = rng(5);
  const s = {
    ...base(),
    gridLabel: 5,
    drawing: { image: Uint8Array.from({ length: 784 }, () => Math.floor(r() * 256)), mask: Uint8Array.from({ length: 784 }, () => (r() < 0.5 ? 1 : 0)), restoreSeed: 3 },
  };
  const f = await assertRoundTrip(s);
  console.log(`theoretical worst case (784 random bytes + random mask): fragment ${f.length} characters`);
  assert.ok(f.length < MAX_FRAGMENT);
});

// ─── link lengths on real digits ──────────────────────────────────────────────────────────────
function testDigits() {
  const raw = gunzipSync(readFileSync(new URL('../../assets/mnist-subset.bin.gz', import.meta.url)));
  const v = new DataView(raw.buffer, raw.byteOffset);
  const nTrain = v.getUint16(6, true);
  const nTest = v.getUint16(8, true);
  const n = nTrain + nTest;
  const at = 16 + n + nTrain * 784;
  return Array.from({ length: nTest }, (_, i) => raw.subarray(at + i * 784, at + (i + 1) * 784));
}

test('link lengths on the 600 test digits: typical (block) and worst (noise + strokes erased)', async () => {
  const digits = testDigits();
  const r = rng(11);
  const origin = 'https://someone.github.io/digitgan/#';
  const lengths = { clean: [], block: [], noise: [] };
  for (const d of digits) {
    const clean = Uint8Array.from(d);
    // block: an 8×8 erased square over the middle of the digit (what the Block tool makes)
    const block = Uint8Array.from(d);
    const bmask = new Uint8Array(784);
    const bx = 8 + Math.floor(r() * 6);
    const by = 8 + Math.floor(r() * 6);
    for (let y = by; y < by + 8; y++) for (let x = bx; x < bx + 8; x++) (block[y * 28 + x] = 0), (bmask[y * 28 + x] = 1);
    // noise: grey specks and holes over 35% of the 20×20 box (Add noise), plus an erased stroke
    const noisy = Uint8Array.from(d);
    const nmask = new Uint8Array(784);
    for (let y = 4; y < 24; y++) {
      for (let x = 4; x < 24; x++) {
        const i = y * 28 + x;
        if (r() < 0.35) noisy[i] = r() < 0.5 ? Math.floor(r() * 230) : Math.floor(noisy[i] * 0.1);
        if (Math.abs(y - 14 - (x - 14) * 0.5) < 1.5) (noisy[i] = 0), (nmask[i] = 1);
      }
    }
    const st = (image, mask) => ({ ...base(), gridSeed: 123456789, gridLabel: 7, drawing: { image, mask, restoreSeed: 987654321 } });
    lengths.clean.push((origin + (await encodeState(st(clean, null)))).length);
    lengths.block.push((origin + (await encodeState(st(block, bmask)))).length);
    lengths.noise.push((origin + (await encodeState(st(noisy, nmask)))).length);
  }
  const summary = (a) => {
    const s = [...a].sort((x, y) => x - y);
    return { median: s[s.length >> 1], p95: s[Math.floor(s.length * 0.95)], max: s[s.length - 1] };
  };
  for (const [k, a] of Object.entries(lengths)) console.log(`link length, ${k} digit (with a 36-character origin): ${JSON.stringify(summary(a))}`);
  assert.ok(summary(lengths.block).max < 600, 'a damaged (block) digit must fit in 600 characters');
  assert.ok(summary(lengths.noise).median < 600, 'a typical noisy digit should fit in 600 characters');
});

// ─── bad links ────────────────────────────────────────────────────────────────────────────────
test('not a share link: other fragments are left alone', async () => {
  for (const f of ['', '#', '#main', '#keep', 'hello', '#V1.abc', '#x1.abc']) {
    assert.equal(isShareFragment(f), false, f);
    await assertRefused(f, 'not-share');
  }
  await assertRefused(undefined, 'not-share');
  await assertRefused(null, 'not-share');
  await assertRefused(42, 'not-share');
  assert.equal(isShareFragment('#v1.abc'), true);
});

test('future and unknown versions', async () => {
  const good = await encodeState(base());
  await assertRefused(`#v2.${good.slice(3)}`, 'future-version');
  await assertRefused('#v99', 'future-version');
  await assertRefused('#v3.some*thing!new', 'future-version'); // a later format may use other characters
  await assertRefused('#v0.AAAA', 'bad-version');
  await assertRefused('#v1', 'malformed');
  await assertRefused('#v1.', 'damaged');
  await assertRefused('#v1.abc def', 'malformed');
  await assertRefused('#v1.abc<script>', 'malformed');
  await assertRefused(`#v${'9'.repeat(7)}.AAAA`, 'malformed');
});

test('oversized: long fragments are refused before decoding; zip bombs stop at the payload limit', async () => {
  await assertRefused(`#v1.${'A'.repeat(MAX_FRAGMENT)}`, 'too-long');
  await assertRefused(`#v1.${'A'.repeat(1_000_000)}`, 'too-long');
  const bomb = toBase64Url(deflateRawSync(new Uint8Array(1_000_000)));
  assert.ok(bomb.length < MAX_FRAGMENT);
  await assertRefused(`#v1.${bomb}`, 'too-large');
});

test('truncated at every length: refused', async () => {
  const s = randomState(rng(3));
  s.drawing = { image: randomState(rng(4)).drawing?.image ?? new Uint8Array(784).fill(9), mask: new Uint8Array(784).fill(1), restoreSeed: 5 };
  const f = `#${await encodeState(s)}`;
  for (let n = 0; n < f.length; n++) await assertRefused(f.slice(0, n));
});

test('every single-character substitution and every bit flip: refused or the very same state', async () => {
  const r = rng(9);
  const s = randomState(r);
  s.drawing = { image: Uint8Array.from({ length: 784 }, (_, i) => (i % 7 === 0 ? 200 : 0)), mask: maskBits(Float32Array.from({ length: 784 }, (_, i) => (i > 300 && i < 400 ? 1 : 0))), restoreSeed: 77 };
  const f = await encodeState(s);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let accepted = 0;
  for (let i = 3; i < f.length; i++) {
    for (const c of [alphabet[Math.floor(r() * 64)], alphabet[Math.floor(r() * 64)]]) {
      if (c === f[i]) continue;
      const d = await decodeState(`#${f.slice(0, i)}${c}${f.slice(i + 1)}`);
      if (d.ok) {
        accepted++;
        assert.deepEqual(d.state, s, `substitution at ${i} changed the state without being detected`);
      } else assert.equal(typeof d.error, 'string');
    }
  }
  const bytes = fromBase64Url(f.slice(3));
  for (let bit = 0; bit < bytes.length * 8; bit++) {
    const b = Uint8Array.from(bytes);
    b[bit >> 3] ^= 1 << (bit & 7);
    const d = await decodeState(`v1.${toBase64Url(b)}`);
    if (d.ok) {
      accepted++;
      assert.deepEqual(d.state, s, `bit flip ${bit} changed the state without being detected`);
    }
  }
  // Only flips in deflate's ignored padding bits can be accepted (they do not change the payload).
  assert.ok(accepted <= 16, `${accepted} tampered links accepted`);
});

test('well-formed deflate with a valid CRC but an invalid payload: refused', async () => {
  const good = fromBase64Url((await encodeState({ ...base(), gridLabel: 3 })).slice(3));
  const { inflateRawSync } = await import('node:zlib');
  const payload = inflateRawSync(good);
  const body = payload.subarray(0, payload.length - 4);
  const link = (b) => {
    const p = new Uint8Array(b.length + 4);
    p.set(b);
    new DataView(p.buffer).setUint32(b.length, crc32(b), true);
    return `v1.${toBase64Url(deflateRawSync(p))}`;
  };
  assert.equal((await decodeState(link(body))).ok, true); // the re-packed original is fine
  const variants = {
    'extra byte': Uint8Array.from([...body, 0]),
    'missing byte': body.subarray(0, body.length - 1),
    'reserved flag': Uint8Array.from(body, (v, i) => (i === 0 ? v | 128 : v)),
    'mask without drawing': Uint8Array.from(body, (v, i) => (i === 0 ? v | 4 : v)),
    'restored without drawing': Uint8Array.from(body, (v, i) => (i === 0 ? v | 8 : v)),
    'label 10': Uint8Array.from(body, (v, i) => (i === 7 ? 10 : v)),
    'label 255': Uint8Array.from(body, (v, i) => (i === 7 ? 255 : v)),
    empty: new Uint8Array(0),
  };
  const withLr = (lr) => {
    const b = Uint8Array.from(body);
    new DataView(b.buffer).setFloat64(8, lr, true);
    return b;
  };
  Object.assign(variants, { 'lr NaN': withLr(NaN), 'lr 0': withLr(0), 'lr -1': withLr(-1), 'lr 0.5': withLr(0.5), 'lr Inf': withLr(Infinity) });
  const withBatch = (n) => {
    const b = Uint8Array.from(body);
    new DataView(b.buffer).setUint16(16, n, true);
    return b;
  };
  Object.assign(variants, { 'batch 0': withBatch(0), 'batch 513': withBatch(513) });
  for (const [name, b] of Object.entries(variants)) {
    const d = await decodeState(link(b));
    assert.equal(d.ok, false, name);
    assert.equal(d.code, 'damaged', name);
  }
  // A payload with a wrong CRC.
  const p = Uint8Array.from(payload);
  p[p.length - 1] ^= 1;
  await assertRefused(`v1.${toBase64Url(deflateRawSync(p))}`, 'damaged');
});

test('fuzz: random bytes and random text never throw and never decode', async () => {
  const r = rng(123);
  for (let k = 0; k < 1500; k++) {
    const n = Math.floor(r() * 1200);
    const bytes = Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
    const d = await decodeState(`#v${VERSION}.${toBase64Url(bytes)}`);
    assert.equal(d.ok, false);
  }
  for (let k = 0; k < 500; k++) {
    const n = Math.floor(r() * 300);
    const text = String.fromCharCode(...Array.from({ length: n }, () => Math.floor(r() * 0x3000)));
    const d = await decodeState(r() < 0.5 ? `#v1.${text}` : text);
    assert.equal(d.ok, false);
  }
});

test('base64url is strict; quantise matches the canvas rounding', () => {
  const r = rng(1);
  for (let n = 0; n < 40; n++) {
    const b = Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
    assert.deepEqual(fromBase64Url(toBase64Url(b)), b);
  }
  assert.equal(weightsId(null), 0);
  assert.equal(weightsId(new Uint8Array([1, 2, 3])), crc32(new Uint8Array([1, 2, 3])) & 0xffff);
  assert.equal(fromBase64Url('A'), null); // impossible length
  assert.equal(fromBase64Url('AB'), null); // unused bits set
  assert.equal(fromBase64Url('AA=='), null); // padding is not part of the format
  assert.equal(fromBase64Url('A+/A'), null); // plain base64 characters
  const img = Float32Array.from({ length: 784 }, (_, i) => [-1, 0, 0.5 / 255, 0.5, 0.999, 1, 2, NaN][i % 8]);
  const q = quantise(img);
  assert.deepEqual([...q.subarray(0, 8)], [0, 0, 1, 128, 255, 255, 255, 0]);
  // k/255 quantises back to k (the receiver draws exactly the sender's canvas pixels)
  const all = Uint8Array.from({ length: 784 }, (_, i) => i % 256);
  assert.deepEqual(quantise(dequantise(all)), all);
});

test('encodeState refuses invalid states', async () => {
  const bad = [
    null,
    { ...base(), weightsId: 0x10000 },
    { ...base(), weightsId: undefined },
    { ...base(), gridSeed: -1 },
    { ...base(), gridSeed: 2 ** 32 },
    { ...base(), gridSeed: 1.5 },
    { ...base(), gridLabel: 10 },
    { ...base(), options: { ...base().options, lr: 0 } },
    { ...base(), options: { ...base().options, batch_size: 0 } },
    { ...base(), options: { ...base().options, augment: 1 } },
    { ...base(), customWeights: undefined },
    { ...base(), drawing: { image: new Uint8Array(783), mask: null, restoreSeed: null } },
    { ...base(), drawing: { image: new Float32Array(784), mask: null, restoreSeed: null } },
    { ...base(), drawing: { image: new Uint8Array(784), mask: new Uint8Array(784).fill(2), restoreSeed: null } },
    { ...base(), drawing: { image: new Uint8Array(784), mask: null, restoreSeed: -3 } },
  ];
  for (const s of bad) await assert.rejects(encodeState(s), TypeError);
});
