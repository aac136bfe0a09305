// Browser graph benchmark: the same 2,000-node / 10,000-edge permission graph drawn by each
// contestant page in headless Chromium; measures time to the first picture and the median
// frame time while panning and zooming. Run by hand (not part of ./dev test):
//
//   node tests/bench/graph.mjs                 # sigma.js and cytoscape.js
//   node tests/bench/graph.mjs --page name=/page.html?query --dist DIR
//
// The graph comes from core/tests/layout_bench_graph.rs (PULLPATH_BENCH_GRAPH=<file>), so
// every contestant, and the native and wasm layout benchmarks, use identical data.
//
// Adding a contestant: a page under tests/bench/pages/ (or in the --dist directory) that
// follows the protocol in tests/bench/pages/common.js, listed in CONTESTANTS or passed as
// --page name=/path?query. pullpath's own Graph tab is measured against these pages, on the
// graph of a generated tenant snapshot, by tests/bench/compare.mjs (which uses `serve`).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { launch } from '../e2e/support/browser.mjs';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const PAGES = path.join(ROOT, 'tests/bench/pages');
const OUT = path.join(ROOT, 'target/bench');
const DATA = path.join(OUT, 'graph-2000x10000.json');

/// name → page URL (path and query) on the bench server.
export const CONTESTANTS = [
  { name: 'sigma.js 3.0.3 (WebGL, preset positions)', page: '/sigma.html' },
  { name: 'cytoscape.js 3.34.4 (canvas, breadthfirst)', page: '/cytoscape.html?layout=breadthfirst' },
  { name: 'cytoscape.js 3.34.4 (canvas, grid)', page: '/cytoscape.html?layout=grid' },
];

const VENDOR = {
  '/vendor/graphology.umd.min.js': 'node_modules/graphology/dist/graphology.umd.min.js',
  '/vendor/sigma.min.js': 'node_modules/sigma/dist/sigma.min.js',
  '/vendor/cytoscape.min.js': 'node_modules/cytoscape/dist/cytoscape.min.js',
};

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm', '.css': 'text/css; charset=utf-8' };

function args() {
  const a = process.argv.slice(2);
  const out = { pages: [], dist: null, regenerate: false, only: null, runs: 3 };
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '--page') { const [name, ...rest] = a[++i].split('='); out.pages.push({ name, page: rest.join('=') }); }
    else if (a[i] === '--dist') out.dist = path.resolve(a[++i]);
    else if (a[i] === '--regenerate') out.regenerate = true;
    else if (a[i] === '--only') out.only = a[++i];
    else if (a[i] === '--runs') out.runs = Number(a[++i]);
    else throw new Error(`unknown argument ${a[i]} (see the header of tests/bench/graph.mjs)`);
  }
  return out;
}

function ensureData(regenerate) {
  if (fs.existsSync(DATA) && !regenerate) return;
  fs.mkdirSync(OUT, { recursive: true });
  console.error(`writing ${path.relative(ROOT, DATA)} with cargo test -p pullpath-core --test layout_bench_graph`);
  execFileSync('cargo', ['test', '-q', '-p', 'pullpath-core', '--test', 'layout_bench_graph'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, PULLPATH_BENCH_GRAPH: DATA } });
}

/// Static files on 127.0.0.1: the bench pages, the three libraries from node_modules, the
/// graph file `data` at /data/graph.json, then (with `dist`) files of that directory.
export async function serve({ data = DATA, dist = null } = {}) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    let file = null;
    // Chromium asks for a favicon on every page; answering keeps the console free of 404s.
    if (url.pathname === '/favicon.ico') { res.writeHead(204); res.end(); return; }
    if (url.pathname === '/data/graph.json') file = data;
    else if (VENDOR[url.pathname]) file = path.join(ROOT, VENDOR[url.pathname]);
    else {
      for (const base of [PAGES, dist].filter(Boolean)) {
        const f = path.join(base, decodeURIComponent(url.pathname));
        if (f.startsWith(base) && fs.existsSync(f) && fs.statSync(f).isFile()) { file = f; break; }
      }
    }
    if (!file) { res.writeHead(404); res.end('not found'); return; }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

/// Resolves on the page's next frame: the harness's pace is the renderer's pace.
const nextFrame = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
  return { frames: s.length, median: q(0.5), p95: q(0.95) };
}

/// Pans and zooms like a person would: wheel in toward the centre, drag around, wheel out.
/// Each input waits for the next frame (never a timer), so slow renderers are measured, not
/// outpaced.
async function panAndZoom(page, { width, height }) {
  const cx = width / 2, cy = height / 2;
  await page.mouse.move(cx, cy);
  await page.evaluate(() => window.benchFrames.start());
  for (let i = 0; i < 15; i++) { await page.mouse.wheel(0, -120); await nextFrame(page); }
  for (const [dx, dy] of [[200, 0], [0, 150], [-300, 0], [0, -250]]) {
    await page.mouse.down();
    for (let s = 1; s <= 10; s++) { await page.mouse.move(cx + (dx * s) / 10, cy + (dy * s) / 10); await nextFrame(page); }
    await page.mouse.up();
    await page.mouse.move(cx, cy);
  }
  for (let i = 0; i < 15; i++) { await page.mouse.wheel(0, 120); await nextFrame(page); }
  return page.evaluate(() => window.benchFrames.stop());
}

/// Inputs `panAndZoom` sends: 15 wheel steps in, 4 drags of 10 moves, 15 wheel steps out.
const STEPS = 15 + 4 * 10 + 15;

async function measure(browser, base, c) {
  const viewport = { width: 1280, height: 800 };
  const page = await browser.newPage({ viewport });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const started = Date.now();
  await page.goto(base + c.page);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 180_000 });
  const wallMs = Date.now() - started;
  const result = await page.evaluate(() => window.benchResult);
  if (result.error) { await page.close(); return { name: c.name, error: result.error, errors }; }
  const recorded = await panAndZoom(page, viewport);
  await page.close();
  return { name: c.name, page: c.page, layout: result.layout, renderer: result.renderer, firstRenderMs: result.firstRenderMs, loadToReadyMs: wallMs, frames: stats(recorded.interactive), allFrames: stats(recorded.all), msPerStep: recorded.spanMs / STEPS, errors };
}

async function main() {
  const opts = args();
  ensureData(opts.regenerate);
  const server = await serve({ dist: opts.dist });
  const browser = await launch();
  const version = browser.version();
  const contestants = [...CONTESTANTS, ...opts.pages].filter((c) => !opts.only || c.name.includes(opts.only));
  const results = [];
  try {
    for (const c of contestants) {
      // Several fresh pages per contestant; the run with the median first render is reported
      // (the machine is shared, single runs are noisy).
      const runs = [];
      for (let r = 0; r < opts.runs; r++) {
        console.error(`measuring ${c.name} (run ${r + 1}/${opts.runs})`);
        runs.push(await measure(browser, server.url, c));
      }
      const ok = runs.filter((r) => !r.error).sort((a, b) => a.firstRenderMs - b.firstRenderMs);
      const chosen = ok.length ? ok[Math.floor(ok.length / 2)] : runs[0];
      results.push({ ...chosen, runs: runs.map((r) => ({ firstRenderMs: r.firstRenderMs, medianFrameMs: r.frames?.median, error: r.error })) });
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const graph = JSON.parse(fs.readFileSync(DATA, 'utf8')).spec;
  const doc = { when: new Date().toISOString(), chromium: version, cpus: (await import('node:os')).cpus().length, graph, results };
  fs.writeFileSync(path.join(OUT, 'graph-results.json'), JSON.stringify(doc, null, 2));
  const f = (x) => (Number.isFinite(x) ? x.toFixed(1) : '—');
  console.log(`Chromium ${version}, ${doc.cpus} CPUs, graph ${graph.nodes} nodes / ${graph.edges} edges (seed ${graph.seed})\n`);
  console.log('| contestant | first layout + render (ms) | load to ready (ms) | pan/zoom median frame (ms) | p95 frame (ms) | ms per pan/zoom step |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of results) {
    if (r.error) { console.log(`| ${r.name} | failed: ${r.error.split('\n')[0]} | | | | |`); continue; }
    console.log(`| ${r.name} | ${f(r.firstRenderMs)} | ${r.loadToReadyMs} | ${f(r.frames.median)} | ${f(r.allFrames.p95)} | ${f(r.msPerStep)} |`);
  }
  for (const r of results.filter((r) => r.errors?.length)) console.error(`${r.name}: page errors: ${r.errors.join('; ')}`);
  console.error(`\nfull results: ${path.relative(ROOT, path.join(OUT, 'graph-results.json'))}`);
}

// Imported by compare.mjs for `serve`; run as a script, it measures the pages above.
if (import.meta.url === pathToFileURL(process.argv[1]).href) main().catch((e) => { console.error(e); process.exit(1); });
