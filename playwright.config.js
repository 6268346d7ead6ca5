// e2e tests run against the built site (dist/, `npm run build` first) served under /digitgan/
// by scripts/serve.mjs, in Debian's Chromium (Playwright's own browser download is not available).
import net from 'node:net';
import { defineConfig } from '@playwright/test';

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Computed once in the main process; worker processes inherit it through the environment.
process.env.DIGITGAN_E2E_PORT ||= String(await freePort());
const port = Number(process.env.DIGITGAN_E2E_PORT);
const origin = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: 'test-results/artifacts',
  timeout: 90_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  workers: 1, // 2 shared cores: one browser at a time keeps timings meaningful
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `${origin}/digitgan/`,
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
    trace: 'off',
    screenshot: 'only-on-failure',
  },
  webServer: {
    command: `node scripts/serve.mjs --port ${port}`,
    url: `${origin}/digitgan/`,
    reuseExistingServer: false,
    timeout: 20_000,
    stdout: 'pipe',
  },
});
