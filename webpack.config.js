// Builds dist/ from www/. The site uses relative URLs only (publicPath 'auto'),
// so it can be served under any sub-path (e.g. /digitgan/).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import webpack from 'webpack';
import HtmlWebpackPlugin from 'html-webpack-plugin';
import MiniCssExtractPlugin from 'mini-css-extract-plugin';

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
      new webpack.DefinePlugin({ __HAS_PRETRAINED__: JSON.stringify(hasPretrained) }),
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
          'og:image': { property: 'og:image', content: 'favicon.svg' },
          'twitter:card': 'summary',
        },
      }),
    ],
    performance: {
      // The wasm module and the data are large by nature; watch only the JS and CSS.
      assetFilter: (name) => /\.(js|css)$/.test(name),
      hints: production ? 'warning' : false,
    },
  };
};
