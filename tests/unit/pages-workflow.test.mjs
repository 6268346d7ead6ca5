// The GitHub Pages workflow must build the site with the README's commands (scripts/setup.sh and
// `make site`, the target `make demo` uses) and publish exactly dist/, webpack's output folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const read = (p) => readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');
const workflow = read('.github/workflows/pages.yml');
const readme = read('README.md');
const makefile = read('Makefile');
const webpackConfig = read('webpack.config.js');

// `run:` commands and `uses:` actions of the workflow (one line each; no YAML library needed).
const runs = [...workflow.matchAll(/^\s*(?:-\s+)?run:\s*(.+?)\s*$/gm)].map((m) => m[1]);
const uses = [...workflow.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)/gm)].map((m) => m[1].split('@')[0]);
const makeRecipe = (target) => {
  const m = new RegExp(`^${target}:([^\\n]*)\\n((?:\\t[^\\n]*\\n?)*)`, 'm').exec(makefile);
  return m && { deps: m[1].trim().split(/\s+/).filter(Boolean), lines: m[2].split('\n').map((l) => l.trim()).filter(Boolean) };
};

test('the workflow builds with the README commands: scripts/setup.sh, then make site', () => {
  assert.ok(!/run:\s*[|>]/.test(workflow), 'keep every run: on one line so this test can read it');
  assert.deepEqual(runs, ['scripts/setup.sh', 'make site']);
  // The README's Deploy section names the same commands ...
  const deploy = readme.slice(readme.indexOf('## Deploy to GitHub Pages'));
  assert.ok(readme.includes('## Deploy to GitHub Pages'), 'README has a "Deploy to GitHub Pages" section');
  for (const cmd of runs) assert.ok(deploy.includes(cmd), `README's Deploy section mentions \`${cmd}\``);
  // ... and `make demo`, the README's first command, builds through the same target.
  assert.match(readme, /make demo/);
  assert.ok(makeRecipe('demo').deps.includes('site'), 'make demo depends on site');
  const site = makeRecipe('site');
  assert.ok(site, 'Makefile has a site target');
  assert.ok(site.deps.includes('wasm') && site.lines.includes('npm run build'), 'make site = wasm + npm run build');
});

test('the workflow publishes dist/, which is where webpack writes the site', () => {
  assert.match(webpackConfig, /path:\s*path\.join\(here,\s*'dist'\)/);
  assert.match(workflow, /uses:\s*actions\/upload-pages-artifact@v\d+\s*\n\s*with:\s*\n\s*path:\s*dist\s*$/m);
  for (const action of ['actions/checkout', 'actions/configure-pages', 'actions/upload-pages-artifact', 'actions/deploy-pages']) {
    assert.ok(uses.includes(action), `uses ${action}`);
  }
  assert.match(workflow, /^\s+pages:\s*write\s*$/m);
  assert.match(workflow, /^\s+id-token:\s*write\s*$/m);
  assert.match(workflow, /PUBLIC_URL:\s*\$\{\{\s*steps\.pages\.outputs\.base_url\s*\}\}\/\s*$/m);
});
