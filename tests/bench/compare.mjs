// One browser run, one graph: pullpath's Graph tab, sigma.js and cytoscape.js drawing the
// graph of the same generated tenant (core/examples/bench_snapshot.rs: about 2,000 nodes and
// 10,000 edges) in one headless Chromium, with the same scripted pan and zoom and the same
// measures for each (issue 8):
//   - layout: the layout algorithm alone (the app's wasm layout(), as it reports it in
//     data-layout-ms; cytoscape's layout run). sigma.js runs none: it draws pullpath's
//     positions, as does cytoscape.js with `preset`;
//   - first render: from the graph in memory to its first painted frame (the app: clicking
//     the Graph tab, with the tenant already analysed; a library page: the parsed JSON);
//   - pan and zoom from the whole graph in view: 60 pan steps, 60 wheel steps, one per frame
//     (pan-zoom.mjs, `drive`): work per step and frame interval, median and p95, and the time
//     until the page is back at the display's pace after each gesture.
//
// Run by hand (not part of ./dev test), after a release build of the app:
//   node tests/bench/compare.mjs [--dist dist] [--runs 3] [--regenerate]
// Each run measures every contestant once, in turn, so a change in the machine's load falls
// on all of them. Writes target/bench/compare-results.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch } from '../e2e/support/browser.mjs';
import { serveDist } from '../e2e/support/server.mjs';
import { serve } from './graph.mjs';
import { SNAPSHOT_GRAPH, args, drive, ensureSnapshot, openGraph, panZoomApp, stats } from './pan-zoom.mjs';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const OUT = path.join(ROOT, 'target/bench');
const version = (pkg) => JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;

const CONTESTANTS = [
  { name: 'pullpath (SVG)', app: true },
  { name: `sigma.js ${version('sigma')} (WebGL), pullpath's positions`, page: '/sigma.html' },
  { name: `cytoscape.js ${version('cytoscape')} (canvas 2D), pullpath's positions`, page: '/cytoscape.html?layout=preset' },
  { name: `cytoscape.js ${version('cytoscape')} (canvas 2D), breadthfirst layout`, page: '/cytoscape.html?layout=breadthfirst' },
];

function collectErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return errors;
}

const gesture = (g) => ({ work: stats(g.work), frame: stats(g.intervals), settledMs: g.settledMs, moved: g.moved, reached: g.zoomReached, raw: { work: g.work, intervals: g.intervals } });
const gestures = ({ pan, zoom }) => ({ pan: gesture(pan), zoom: gesture(zoom) });

/// The app in a 1400×1000 page, as pan-zoom.mjs measures it; also returns the size of its
/// canvas, which the library pages are given as their whole window.
async function measureApp(browser, url, expected) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = collectErrors(page);
  const opened = await openGraph(page, url, expected);
  const stage = await page.evaluate(() => { const r = document.getElementById('graph-frame').getBoundingClientRect(); return { width: Math.round(r.width), height: Math.round(r.height) }; });
  const moves = await panZoomApp(page);
  await page.close();
  return { layoutMs: opened.layoutMs, firstRenderMs: opened.tabToPaintMs, nodes: opened.nodes, edges: opened.edges, stage, ...gestures(moves), errors };
}

/// A library page whose window is the app's canvas size, so each draws the same number of
/// pixels. Inputs go to the element under the pointer: the library's top canvas.
async function measurePage(browser, url, stage, expected) {
  const page = await browser.newPage({ viewport: stage });
  const errors = collectErrors(page);
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 180_000 });
  const result = await page.evaluate(() => window.benchResult);
  if (result.error) { await page.close(); throw new Error(`${url}: ${result.error}`); }
  if (result.nodes !== expected.nodes || result.edges !== expected.edges) {
    throw new Error(`${url} drew ${result.nodes} nodes / ${result.edges} edges, the graph has ${expected.nodes} / ${expected.edges}`);
  }
  const pan = await drive(page, 'pan', { surface: '#stage', target: 'point' });
  const zoom = await drive(page, 'zoom', { surface: '#stage', target: 'point' });
  await page.close();
  return { layoutMs: result.layoutMs, firstRenderMs: result.firstRenderMs, nodes: result.nodes, edges: result.edges, renderer: result.renderer, stage, ...gestures({ pan, zoom }), errors };
}

const median = (xs) => { const s = xs.filter(Number.isFinite).sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)] : null; };

/// Each figure is the median of that figure over the runs (itself a median, p95 or mean over
/// the run's steps).
function summary(runs) {
  const m = (f) => median(runs.map(f));
  const g = (k) => ({
    work: { median: m((r) => r[k].work.median), p95: m((r) => r[k].work.p95) },
    frame: { median: m((r) => r[k].frame.median), p95: m((r) => r[k].frame.p95), mean: m((r) => r[k].frame.mean) },
    settledMs: m((r) => r[k].settledMs),
    reached: m((r) => r[k].reached),
  });
  return { layoutMs: m((r) => r.layoutMs), firstRenderMs: m((r) => r.firstRenderMs), pan: g('pan'), zoom: g('zoom') };
}

async function main() {
  const opts = args('compare.mjs');
  const expected = ensureSnapshot(opts.regenerate);
  const app = await serveDist(path.resolve(ROOT, opts.dist));
  const pages = await serve({ data: SNAPSHOT_GRAPH });
  const browser = await launch();
  const loadBefore = os.loadavg();
  const runs = new Map(CONTESTANTS.map((c) => [c.name, []]));
  let stage = null;
  try {
    for (let r = 0; r < opts.runs; r++) {
      for (const c of CONTESTANTS) {
        console.error(`run ${r + 1}/${opts.runs}: ${c.name}`);
        // The app comes first in CONTESTANTS: its canvas size sizes the library pages.
        const m = c.app ? await measureApp(browser, app.url, expected) : await measurePage(browser, pages.url + c.page, stage, expected);
        stage ??= m.stage;
        runs.get(c.name).push(m);
      }
    }
  } finally {
    await browser.close();
    await app.close();
    await pages.close();
  }
  const loadAfter = os.loadavg();
  const results = CONTESTANTS.map((c) => ({ name: c.name, page: c.page ?? null, summary: summary(runs.get(c.name)), runs: runs.get(c.name) }));
  const doc = { when: new Date().toISOString(), chromium: browser.version(), cpus: os.cpus().length, cpu: os.cpus()[0]?.model, loadavg: { before: loadBefore, after: loadAfter }, graph: expected, stage, results };
  fs.mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, 'compare-results.json');
  fs.writeFileSync(file, JSON.stringify(doc, null, 2));

  const f = (x) => (Number.isFinite(x) ? (x >= 100 ? Math.round(x).toLocaleString('en') : x.toFixed(1)) : '—');
  console.log(`Chromium ${doc.chromium}, ${doc.cpus} CPUs (${doc.cpu}), load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')} before, ${loadAfter.map((x) => x.toFixed(2)).join(' ')} after`);
  console.log(`graph ${expected.nodes} nodes / ${expected.edges} edges; canvas ${stage.width}×${stage.height}; ${opts.runs} runs, median of each figure\n`);
  console.log('| contestant | layout (ms) | first render (ms) |');
  console.log('|---|---:|---:|');
  for (const r of results) console.log(`| ${r.name} | ${f(r.summary.layoutMs)} | ${f(r.summary.firstRenderMs)} |`);
  console.log('\n| contestant | gesture | work per step, median | p95 | frame interval, median | p95 | mean | settled after | view scale reached |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    for (const k of ['pan', 'zoom']) {
      const s = r.summary[k];
      console.log(`| ${r.name} | ${k} | ${f(s.work.median)} | ${f(s.work.p95)} | ${f(s.frame.median)} | ${f(s.frame.p95)} | ${f(s.frame.mean)} | ${f(s.settledMs)} | ${k === 'zoom' ? `×${f(s.reached)}` : ''} |`);
    }
  }
  console.log(`\nper run (layout / first render / pan frame median / zoom frame median):`);
  for (const r of results) console.log(`  ${r.name}: ${r.runs.map((x) => `${f(x.layoutMs)} / ${f(x.firstRenderMs)} / ${f(x.pan.frame.median)} / ${f(x.zoom.frame.median)}`).join('; ')}`);
  for (const r of results) {
    for (const x of r.runs) {
      if (x.errors.length) console.error(`${r.name}: page errors: ${x.errors.join('; ')}`);
      if (!x.pan.moved || !x.zoom.moved) console.error(`warning: ${r.name}: a gesture did not move the view`);
    }
  }
  console.error(`full results: ${path.relative(ROOT, file)}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
