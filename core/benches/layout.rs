//! Benchmark: laying out the 2,000-node / 10,000-edge permission graph, and exporting it as
//! SVG; plus filtering and a neighbourhood on it, which the UI runs on every keystroke/click.
//!
//! The graph comes from `layout::synthetic::BENCH` (deterministic), the same one the browser
//! benchmark in tests/bench draws. Run: `cargo bench -p pullpath-core --bench layout`.

use criterion::{criterion_group, criterion_main, Criterion};
use pullpath_core::graph::EdgeKind;
use pullpath_core::layout::{self, svg, synthetic, Filter, LayoutOptions};

fn bench(c: &mut Criterion) {
    let g = synthetic::graph(&synthetic::BENCH);
    let opts = LayoutOptions::default();
    let mut group = c.benchmark_group("layout");
    group.sample_size(20);
    group.bench_function("layout 2000 nodes 10000 edges", |b| b.iter(|| layout::layout(std::hint::black_box(&g), &opts)));
    let l = layout::layout(&g, &opts);
    group.bench_function("svg export 2000 nodes 10000 edges", |b| b.iter(|| svg::render(std::hint::black_box(&g), &l, &svg::SvgOptions::default())));
    let f = Filter { edge_kinds: vec![EdgeKind::AbacIgnored, EdgeKind::Missing], text: "cluster".into(), ..Filter::default() };
    group.bench_function("filter 2000 nodes 10000 edges", |b| b.iter(|| layout::filter(std::hint::black_box(&g), &f)));
    let focus = g.nodes.iter().find(|n| n.label == "ws-000").map(|n| n.id.clone()).expect("the synthetic graph has workspace ws-000");
    group.bench_function("neighbourhood depth 2", |b| b.iter(|| layout::neighbourhood(std::hint::black_box(&g), &focus, 2)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
