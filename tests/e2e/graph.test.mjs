// The graph tab on the demo tenant: nodes by accessible name, broken edges, selection, search,
// focus, filters, pan and zoom, grant by connecting, export, and both themes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { serveDist } from './support/server.mjs';
import { launch, collectErrors, screenshot } from './support/browser.mjs';
import { Landing, Results } from './support/pages.mjs';

let server, browser;
before(async () => { server = await serveDist(process.env.PULLPATH_TEST_DIST ?? 'dist-test'); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

// The graph tab as a person finds it (roles and names); `page` has the demo open.
class Graph {
  constructor(page) { this.page = page; }
  async show() { await new Results(this.page).tab('Graph').click(); await this.canvas.waitFor(); await this.node('acrmlprod').waitFor(); }
  get canvas() { return this.page.getByRole('group', { name: /^Permission graph/ }); }
  node(name) { return this.canvas.getByRole('button', { name, exact: true }); }
  get nodes() { return this.canvas.getByRole('button'); }
  get edges() { return this.page.locator('#graph-canvas g.edge'); }
  edgeTitled(re) { return this.edges.filter({ has: this.page.locator('title', { hasText: re }) }); }
  get world() { return this.page.locator('#graph-canvas g.graph-world'); }
  async transform() { return this.world.getAttribute('transform'); }
  get search() { return this.page.getByRole('textbox', { name: 'Search' }); }
  get status() { return this.page.locator('.graph-view [role=status]'); }
  button(name) { return this.page.getByRole('button', { name, exact: true }); }
  async centre(locator) { const b = await locator.boundingBox(); return { x: b.x + b.width / 2, y: b.y + b.height / 2 }; }
}

async function openDemoGraph() {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
  const errors = collectErrors(page);
  const landing = new Landing(page);
  await landing.open(server.url);
  await landing.exploreDemo.click();
  const graph = new Graph(page);
  await graph.show();
  return { page, errors, graph };
}

test('the demo graph names its nodes, draws broken edges, and selects what is clicked', async () => {
  const { page, errors, graph } = await openDemoGraph();
  for (const name of ['acrmlprod', 'cpu-cluster', 'aks-inference']) {
    assert.equal(await graph.node(name).count(), 1, `${name} is one node`);
  }
  // The ABAC registry ignores AcrPull: drawn red and crossed.
  const abac = graph.edgeTitled(/ignored by ABAC/);
  assert.ok(await abac.count() >= 1, 'an ABAC-ignored edge is drawn');
  assert.equal(await abac.first().getAttribute('data-works'), 'false');
  assert.equal(await abac.first().locator('path.edge-cross').count(), 1, 'it is crossed');
  assert.equal(await abac.first().locator('path.edge-line').getAttribute('stroke'), '#c53030');
  await screenshot(page, 'graph-demo');

  const acr = graph.node('acrmlprod');
  assert.equal(await acr.getAttribute('aria-pressed'), 'false');
  await acr.click();
  assert.equal(await acr.getAttribute('aria-pressed'), 'true', 'the clicked node is selected');
  // Keyboard: Enter on a focused node selects it.
  const cpu = graph.node('cpu-cluster');
  await cpu.focus();
  await page.keyboard.press('Enter');
  assert.equal(await cpu.getAttribute('aria-pressed'), 'true');
  assert.equal(await acr.getAttribute('aria-pressed'), 'false');
  assert.deepEqual(errors, []);
  await page.close();
});

test('search highlights, focus narrows, filters drop edges, zoom and fit move the view', async () => {
  const { page, errors, graph } = await openDemoGraph();
  await graph.search.fill('cluster');
  await page.getByText(/^1 of \d+ match/).waitFor();
  const matches = page.locator('#graph-canvas g.node.match');
  assert.ok(await matches.count() >= 1, 'matches are highlighted');
  assert.equal(await graph.node('cpu-cluster').evaluate((n) => n.classList.contains('match')), true);
  assert.equal(await graph.node('acrmlprod').evaluate((n) => n.classList.contains('match')), false);
  await graph.search.press('Enter');
  await page.getByText(/^2 of \d+ match/).waitFor();
  await graph.search.fill('');

  const all = await graph.nodes.count();
  await graph.node('cpu-cluster').click();
  await graph.button('Focus').click();
  await graph.button('Show all').waitFor();
  const focused = await graph.nodes.count();
  assert.ok(focused < all, `focus shows fewer nodes (${focused} < ${all})`);
  assert.equal(await graph.node('cpu-cluster').count(), 1, 'the focused node stays');
  await screenshot(page, 'graph-focus');
  await graph.page.getByLabel('Depth').selectOption('3');
  assert.ok(await graph.nodes.count() >= focused, 'a deeper focus shows at least as much');
  await graph.button('Show all').click();
  await graph.button('Show all').waitFor({ state: 'detached' });
  assert.equal(await graph.nodes.count(), all, 'show all restores every node');

  const edges = await graph.edges.count();
  await page.getByText('Filters').click();
  await page.getByRole('checkbox', { name: 'acts as' }).uncheck();
  await page.waitForFunction((n) => document.querySelectorAll('#graph-canvas g.edge').length < n, edges);
  assert.equal(await page.locator('#graph-canvas g.edge[data-kind=actsAs]').count(), 0, 'no acts-as edge is left');
  await page.getByRole('checkbox', { name: 'acts as' }).check();
  await page.waitForFunction((n) => document.querySelectorAll('#graph-canvas g.edge').length === n, edges);
  // Only pulls actually used (issue 18): the demo's one environment, built on a base image
  // from acrprivate, and nothing that pulls nothing.
  const used = page.getByRole('checkbox', { name: /^Only pulls actually used/ });
  await used.check();
  await graph.node('training-base:3').waitFor();
  await graph.node('cpu-cluster').waitFor({ state: 'detached' });
  assert.equal(await graph.node('acrprivate').count(), 1, 'the registry the base image is on stays');
  const usedBy = page.locator('#graph-canvas g.edge[data-kind=usedBy]');
  assert.equal(await usedBy.count(), 2, 'two image pulls, each drawn from its environment');
  const titles = (await usedBy.locator('title').allTextContents()).sort();
  assert.match(titles[0], /^training-base:3 → acrprivate: base image of its build: acrprivate\.azurecr\.io\/base\/python-cuda:3\.11/);
  assert.match(titles[1], /^vision-train:1 → acrvision: run as is on the workspace's computes \(jobs read: job vision-train-1130 on vision-cluster\): acrvision\.azurecr\.io\/vision\/train:1\.0/);
  // vision-cluster makes the one used pull the roles allow, and the network blocks it.
  assert.equal(await graph.node('vision-cluster').count(), 1, 'who makes a used pull stays');
  assert.equal(await page.locator('#graph-canvas g.edge[data-kind=networkBlocked]').count(), 1, 'the blocked pull is drawn apart');
  // Its detail says what the image is and where it is pulled from.
  await graph.node('training-base:3').click();
  const detail = page.getByRole('complementary', { name: 'Details' });
  await detail.getByRole('heading', { name: 'Where its image is pulled from' }).waitFor();
  await detail.getByText('ML environment version').waitFor();
  assert.equal(await detail.getByRole('heading', { name: 'Registries it can reach or needs' }).count(), 0, 'an environment acts as no identity');
  assert.match(await detail.locator('ul.used-by').textContent(), /environment training-base:3 of workspace mlw-prod is built on acrprivate\.azurecr\.io\/base\/python-cuda:3\.11 \(registry acrprivate\)/);
  await screenshot(page, 'graph-used-only');
  await used.uncheck();
  await page.waitForFunction((n) => document.querySelectorAll('#graph-canvas g.edge').length === n, edges);

  const before = await graph.transform();
  await graph.button('Zoom in').click();
  const zoomed = await graph.transform();
  assert.notEqual(zoomed, before, 'zoom changes the transform');
  await graph.canvas.focus();
  await page.keyboard.press('ArrowLeft');
  assert.notEqual(await graph.transform(), zoomed, 'arrow keys pan');
  // Pan by dragging the background (a corner of the canvas holds no node).
  const box = await graph.canvas.boundingBox();
  const t0 = await graph.transform();
  await page.mouse.move(box.x + 6, box.y + box.height - 6);
  await page.mouse.down();
  await page.mouse.move(box.x + 60, box.y + box.height - 40, { steps: 4 });
  // While dragging, the painted canvas moves as a layer; the drawing is not redone.
  assert.match(await graph.canvas.evaluate((e) => e.style.transform), /^translate\(/, 'the canvas moves during the drag');
  assert.equal(await graph.transform(), t0, 'the drawing itself waits for the drag to end');
  await page.mouse.up();
  assert.notEqual(await graph.transform(), t0, 'dragging the background pans');
  assert.equal(await graph.canvas.evaluate((e) => e.style.transform), '', 'the layer is back in place once drawn');
  // The wheel zooms the same way, and the drawing follows once the wheel rests.
  const t1 = await graph.transform();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, -240);
  await page.waitForFunction((t) => document.querySelector('#graph-canvas g.graph-world').getAttribute('transform') !== t, t1);
  assert.equal(await graph.canvas.evaluate((e) => e.style.transform), '');
  await graph.button('Fit').click();
  assert.equal(await graph.transform(), before, 'fit returns to the fitted view');
  assert.deepEqual(errors, []);
  await page.close();
});

test('connecting an identity to a registry plans a pull grant', async () => {
  const { page, errors, graph } = await openDemoGraph();
  // The compute's identity is an identity node; acrbaseimages is a registry it may lack.
  const identity = graph.canvas.locator('g.node.kind-identity').first();
  const name = await identity.getAttribute('aria-label');
  const from = await graph.centre(identity);
  const to = await graph.centre(graph.node('acrteamabac'));
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 5 });
  assert.equal(await page.locator('#graph-canvas line.rubber-band').count(), 1, 'a line follows the pointer');
  await page.mouse.move(to.x, to.y, { steps: 5 });
  await page.mouse.up();
  assert.equal(await page.locator('#graph-canvas line.rubber-band').count(), 0);
  const text = await graph.status.textContent();
  assert.match(text, /^Pending: grant (AcrPull|Container Registry Repository Reader) on acrteamabac to /, text);
  assert.ok(text.endsWith(name.split(', ')[0]), `${text} names ${name}`);
  // Dropping on something that is not a registry plans nothing and says why.
  const back = await graph.centre(graph.node('mlw-prod'));
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(back.x, back.y, { steps: 8 });
  await page.mouse.up();
  assert.match(await graph.status.textContent(), /not a registry/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the view downloads as SVG with its labels, and reads in the dark theme', async () => {
  const { page, errors, graph } = await openDemoGraph();
  const [download] = await Promise.all([page.waitForEvent('download'), graph.button('Download SVG').click()]);
  assert.equal(download.suggestedFilename(), 'pullpath-graph.svg');
  const svg = fs.readFileSync(await download.path(), 'utf8');
  assert.match(svg, /^<\?xml[^>]*>\s*<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /<\/svg>\s*$/);
  for (const name of ['acrmlprod', 'cpu-cluster', 'aks-inference']) assert.ok(svg.includes(`>${name}<`), `${name} is in the SVG`);
  // The browser itself parses it as SVG.
  const parsed = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    return { root: doc.documentElement.nodeName, errors: doc.getElementsByTagName('parsererror').length, nodes: doc.querySelectorAll('#pp-nodes > g').length };
  }, svg);
  assert.deepEqual({ root: parsed.root, errors: parsed.errors }, { root: 'svg', errors: 0 });
  assert.equal(parsed.nodes, await graph.nodes.count(), 'every node of the view is in the file');

  const [png] = await Promise.all([page.waitForEvent('download'), graph.button('Download PNG').click()]);
  assert.equal(png.suggestedFilename(), 'pullpath-graph.png');
  const bytes = fs.readFileSync(await png.path());
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG file');

  await page.evaluate(() => { document.documentElement.dataset.theme = 'dark'; });
  await graph.node('acrmlprod').click();
  await screenshot(page, 'graph-dark');
  const fill = await graph.node('acrmlprod').locator('rect').evaluate((r) => getComputedStyle(r).fill);
  assert.notEqual(fill, 'rgb(240, 255, 244)', 'registry boxes are dark in the dark theme');
  assert.deepEqual(errors, []);
  await page.close();
});
