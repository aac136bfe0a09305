// What every benchmark page shares: loading the graph, reporting when the first picture is on
// screen, and recording frame times while the harness pans and zooms. A contestant page
// (sigma, cytoscape) must:
//   1. render the graph into the full-window element #stage,
//   2. call report({ firstRenderMs, layoutMs, layout, nodes, edges }) once the first frame is
//      painted (layoutMs: the layout algorithm alone, null when none runs),
//   3. answer pan (mouse drag) and zoom (mouse wheel) on #stage,
//   4. define window.benchView() → { k: scale, key: text that changes when the view moves }.
// graph.mjs reads window.benchResult and drives window.benchFrames; compare.mjs reads
// window.benchResult and window.benchView.

export const EDGE_COLOR = {
  direct: '#2b6cb0', inherited: '#2b6cb0', broadRole: '#dd6b20', adminKeys: '#805ad5',
  anonymous: '#718096', abacIgnored: '#c53030', missing: '#c53030',
  contains: '#a0aec0', usesRegistry: '#a0aec0', actsAs: '#a0aec0', attached: '#a0aec0', targets: '#a0aec0',
};
export const NODE_COLOR = {
  identity: '#3182ce', registry: '#38a169', workspace: '#d69e2e', compute: '#805ad5',
  managedCluster: '#d53f8c', connection: '#319795', anyone: '#e53e3e',
};

/// The benchmark graph: `{ graph: { nodes, edges }, layout: { nodes, edges, ... } }` as written
/// by core/tests/layout_bench_graph.rs or core/examples/bench_snapshot.rs --graph; the harness
/// serves one of them at /data/graph.json. `?graph=` picks another file.
export async function loadGraph() {
  const url = new URLSearchParams(location.search).get('graph') ?? '/data/graph.json';
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot load ${url}: ${res.status}`);
  return res.json();
}

/// Resolves after the next frame has been produced: one rAF runs before that frame's paint,
/// the second one runs once it is done.
export function afterPaint() {
  return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
}

export function report(result) {
  window.benchResult = result;
  document.body.dataset.ready = 'true';
}

export function fail(error) {
  window.benchResult = { error: String(error?.stack ?? error) };
  document.body.dataset.ready = 'true';
}

// Frame recorder. Headless Chromium keeps producing frames at 60 Hz whether anything changed
// or not, so plain rAF deltas would mostly time idle frames. Instead: a frame that began with
// a pan or zoom input pending is an interactive frame, and its time is the delta to the next
// frame (which can only start once the page's rendering work for that input is done).
window.benchFrames = (() => {
  let stamps = [];
  let on = false;
  let pending = false;
  const mark = () => { pending = true; };
  for (const type of ['wheel', 'pointermove', 'mousemove']) window.addEventListener(type, mark, { capture: true, passive: true });
  const loop = (t) => { if (!on) return; stamps.push([t, pending]); pending = false; requestAnimationFrame(loop); };
  return {
    start() { stamps = []; pending = false; on = true; requestAnimationFrame(loop); },
    stop() {
      on = false;
      const all = [], interactive = [];
      for (let i = 1; i < stamps.length; i++) {
        const d = stamps[i][0] - stamps[i - 1][0];
        all.push(d);
        if (stamps[i - 1][1]) interactive.push(d);
      }
      const spanMs = stamps.length > 1 ? stamps[stamps.length - 1][0] - stamps[0][0] : 0;
      return { all, interactive, spanMs };
    },
  };
})();
