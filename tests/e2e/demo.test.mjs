// The walking skeleton, end to end: the built app, in real Chromium, reads the demo tenant
// through the same executor interface as ARM and lists its resources.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveDist } from './support/server.mjs';
import { launch, collectErrors, screenshot } from './support/browser.mjs';
import { Landing, Inventory } from './support/pages.mjs';

let server, browser;
before(async () => { server = await serveDist(process.env.PULLPATH_TEST_DIST ?? 'dist-test'); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

test('the demo tenant is one click from the landing page and lists its resources', async () => {
  const page = await browser.newPage();
  const errors = collectErrors(page);
  // The list of every built-in role is not in the bundle: it is fetched with the first read.
  const roleTables = [];
  page.on('response', (r) => { if (new URL(r.url()).pathname === '/roles.txt') roleTables.push(r.status()); });
  // Nor is the simulator behind the demo: it is the demo's own Web Worker, started with it.
  const demoWorker = [];
  page.on('response', (r) => { const p = new URL(r.url()).pathname; if (p.startsWith('/pullpath-demo')) demoWorker.push(`${p} ${r.status()}`); });
  const landing = new Landing(page);
  await landing.open(server.url);
  await screenshot(page, 'landing');
  assert.deepEqual(roleTables, [], 'not fetched before a tenant is read');
  assert.deepEqual(demoWorker, [], 'the demo worker is not fetched before the demo starts');
  await landing.exploreDemo.click();

  const inventory = new Inventory(page);
  await inventory.show();
  for (const name of ['acrmlprod', 'acrbaseimages', 'acrteamabac', 'mlw-prod', 'cpu-cluster', 'aks-inference', 'id-image-build', 'base-images']) {
    assert.equal(await inventory.row(name).count(), 1, `${name} is listed once`);
  }
  await screenshot(page, 'inventory');
  assert.deepEqual(roleTables, [200], 'fetched once, with the demo');
  assert.deepEqual(demoWorker.sort(), ['/pullpath-demo.js 200', '/pullpath-demo_bg.wasm 200', '/pullpath-demo_loader.js 200'], 'the demo worker, once');
  assert.deepEqual(errors, []);
  await page.close();
});
