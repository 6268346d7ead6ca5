// Builds dist/ from www/. The site uses relative URLs only (publicPath 'auto'),
// so it can be served under any sub-path (e.g. /digitgan/).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import webpack from 'webpack';
import HtmlWebpackPlugin from 'html-webpack-plugin';
import MiniCssExtractPlugin from 'mini-css-extract-plugin';
import { weightsId } from './www/share.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const pretrainedPath = path.join(here, 'assets/pretrained.dgw');
// A missing or still-empty file means: this build has no pretrained weights (the page says so).
const hasPretrained = fs.existsSync(pretrainedPath) && fs.statSync(pretrainedPath).size > 0;
const hasPkg = fs.existsSync(path.join(here, 'www/pkg/digitgan.js'));
if (!hasPkg) {
  throw new Error('www/pkg/digitgan.js is missing: run scripts/build-wasm.sh (PROFILE=fast for a quick build) first');
}

// Strict CSP (meta tag). 'wasm-unsafe-eval' is what WebAssembly.instantiate needs; no inline
// scripts or styles anywhere (uPlot and the page set element.style from JS, which CSP allows).
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "worker-src 'self' blob:",
].join('; ');

// PUBLIC_URL (optional): the absolute address the site will live at, e.g.
// https://someone.github.io/digitgan/ (the Pages workflow sets it). Link previews (Open Graph)
// need an absolute og:image; without PUBLIC_URL the build stays host-agnostic and og:image is
// relative, which most chat apps resolve against the page's URL anyway.
const PUBLIC_URL = publicUrl(process.env.PUBLIC_URL);
function publicUrl(value) {
  if (!value) return '';
  let u;
  try {
    u = new URL(value);
  } catch {
    throw new Error(`PUBLIC_URL must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
  }
  if (!/^https?:$/.test(u.protocol) || u.search || u.hash) throw new Error(`PUBLIC_URL must be a plain http(s) URL, got ${value}`);
  return u.href.endsWith('/') ? u.href : `${u.href}/`;
}
const OG_IMAGE = 'og-image.png'; // 1200×630, made by scripts/og-image.mjs; copied unhashed into dist/

const TITLE = 'DigitGAN — watch a GAN learn to write digits';
const DESCRIPTION =
  'A generative adversarial network that learns handwritten digits live in your browser (Rust + WebAssembly), ' +
  'and restores digits you draw and damage.';

export default (env, argv) => {
  const production = argv.mode !== 'development';
  return {
    mode: production ? 'production' : 'development',
    entry: { main: './www/main.js' },
    output: {
      path: path.join(here, 'dist'),
      publicPath: 'auto',
      filename: production ? '[name].[contenthash:8].js' : '[name].js',
      chunkFilename: production ? '[name].[contenthash:8].js' : '[name].js',
      assetModuleFilename: 'assets/[name].[contenthash:8][ext]',
      clean: true,
    },
    devtool: production ? 'source-map' : 'eval-cheap-module-source-map',
    module: {
      rules: [
        { test: /\.css$/i, use: [MiniCssExtractPlugin.loader, 'css-loader'] },
        // The wasm module, the digit bundle and the weights are plain files fetched at run time.
        { test: /\.(wasm|gz|dgw)$/i, type: 'asset/resource' },
      ],
    },
    plugins: [
      new webpack.DefinePlugin({
        __HAS_PRETRAINED__: JSON.stringify(hasPretrained),
        // Share links carry it: a link opened on a build with other pretrained weights says so.
        __PRETRAINED_ID__: JSON.stringify(hasPretrained ? weightsId(fs.readFileSync(pretrainedPath)) : 0),
      }),
      new MiniCssExtractPlugin({ filename: production ? '[name].[contenthash:8].css' : '[name].css' }),
      new HtmlWebpackPlugin({
        template: './www/index.html',
        favicon: './www/favicon.svg',
        scriptLoading: 'module',
        title: TITLE,
        meta: {
          'Content-Security-Policy': { 'http-equiv': 'Content-Security-Policy', content: CSP },
          description: DESCRIPTION,
          viewport: 'width=device-width, initial-scale=1',
          'color-scheme': 'light dark',
          'og:title': { property: 'og:title', content: TITLE },
          'og:description': { property: 'og:description', content: DESCRIPTION },
          'og:type': { property: 'og:type', content: 'website' },
          'og:site_name': { property: 'og:site_name', content: 'DigitGAN' },
          ...(PUBLIC_URL ? { 'og:url': { property: 'og:url', content: PUBLIC_URL } } : {}),
          'og:image': { property: 'og:image', content: PUBLIC_URL + OG_IMAGE },
          'og:image:type': { property: 'og:image:type', content: 'image/png' },
          'og:image:width': { property: 'og:image:width', content: '1200' },
          'og:image:height': { property: 'og:image:height', content: '630' },
          'og:image:alt': { property: 'og:image:alt', content: 'A grid of forty handwritten digits invented by the DigitGAN generator' },
          'twitter:card': 'summary_large_image',
        },
      }),
      {
        // The preview image keeps its plain name so that an absolute og:image URL can point at it.
        apply(compiler) {
          compiler.hooks.thisCompilation.tap('OgImage', (compilation) => {
            compilation.hooks.processAssets.tap({ name: 'OgImage', stage: webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL }, () => {
              const file = path.join(here, 'www', OG_IMAGE);
              compilation.fileDependencies.add(file);
              compilation.emitAsset(OG_IMAGE, new webpack.sources.RawSource(fs.readFileSync(file)));
            });
          });
        },
      },
    ],
    performance: {
      // The wasm module and the data are large by nature; watch only the JS and CSS.
      assetFilter: (name) => /\.(js|css)$/.test(name),
      hints: production ? 'warning' : false,
    },
  };
};
