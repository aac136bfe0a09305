//! Checks every layout must pass, whatever the graph: shared by the fixture harness and the
//! benchmark-graph test.

#![allow(dead_code)]

use std::collections::HashMap;

use pullpath_core::graph::{Graph, NodeId};
use pullpath_core::layout::{self, Column, Layout, LayoutOptions, Placed};

const EPS: f64 = 1e-6;

/// Panics with `name` and the broken property.
pub fn check(name: &str, graph: &Graph, l: &Layout) {
    assert_eq!(l.nodes.len(), graph.nodes.len(), "{name}: node count");
    assert_eq!(l.edges.len(), graph.edges.len(), "{name}: edge count preserved");
    for (p, n) in l.nodes.iter().zip(&graph.nodes) {
        assert_eq!(p.id, n.id, "{name}: nodes keep the graph's order");
        assert!(p.x.is_finite() && p.y.is_finite() && p.width > 0.0 && p.height > 0.0, "{name}: {p:?}");
        assert!(p.x >= 0.0 && p.y >= 0.0 && p.x + p.width <= l.width + EPS && p.y + p.height <= l.height + EPS, "{name}: {} outside {}×{}", p.id, l.width, l.height);
    }
    no_overlaps(name, &l.nodes);
    columns_in_order(name, &l.nodes);
    let index: HashMap<&NodeId, &Placed> = l.nodes.iter().map(|p| (&p.id, p)).collect();
    for (r, e) in l.edges.iter().zip(&graph.edges) {
        assert_eq!((&r.from, &r.to), (&e.from, &e.to), "{name}: edges keep the graph's order");
        let (Some(a), Some(b)) = (index.get(&e.from), index.get(&e.to)) else {
            assert!(r.points.is_empty(), "{name}: an edge to a node not in the graph is not drawn");
            continue;
        };
        assert!(r.points.len() >= 2, "{name}: {} → {} has a route", e.from, e.to);
        on_border(name, a, r.points[0]);
        on_border(name, b, *r.points.last().unwrap());
    }
    segments_clear_nodes(name, l);
    for w in l.bands.windows(2) {
        assert!(w[0].y + w[0].height <= w[1].y + EPS, "{name}: bands {:?} and {:?} overlap", w[0].group, w[1].group);
    }
}

fn on_border(name: &str, p: &Placed, pt: layout::Point) {
    let on_side = (pt.x - p.x).abs() < EPS || (pt.x - (p.x + p.width)).abs() < EPS;
    assert!(on_side && pt.y >= p.y - EPS && pt.y <= p.y + p.height + EPS, "{name}: route end {pt:?} is not on the border of {}", p.id);
}

/// No two node boxes share any area (sweep by column, then by y).
pub fn no_overlaps(name: &str, nodes: &[Placed]) {
    let mut by_col: HashMap<Column, Vec<&Placed>> = HashMap::new();
    for p in nodes {
        by_col.entry(p.column).or_default().push(p);
    }
    for col in by_col.values_mut() {
        col.sort_by(|a, b| a.y.total_cmp(&b.y));
        for w in col.windows(2) {
            assert!(w[0].y + w[0].height <= w[1].y + EPS, "{name}: {} and {} overlap", w[0].id, w[1].id);
        }
    }
    // Columns themselves must not overlap horizontally.
    let mut spans: Vec<(Column, f64, f64)> = by_col.iter().map(|(c, ns)| (*c, ns.iter().map(|p| p.x).fold(f64::INFINITY, f64::min), ns.iter().map(|p| p.x + p.width).fold(0.0, f64::max))).collect();
    spans.sort_by_key(|a| a.0);
    for w in spans.windows(2) {
        assert!(w[0].2 <= w[1].1 + EPS, "{name}: columns {:?} and {:?} overlap", w[0].0, w[1].0);
    }
}

/// Identities leftmost, registries rightmost, the rest in column order between.
fn columns_in_order(name: &str, nodes: &[Placed]) {
    for a in nodes {
        for b in nodes.iter().filter(|b| a.column < b.column).take(64) {
            assert!(a.x + a.width <= b.x + EPS, "{name}: {} ({:?}) is not left of {} ({:?})", a.id, a.column, b.id, b.column);
        }
    }
    let max_right = nodes.iter().filter(|p| p.column != Column::Registry).map(|p| p.x + p.width).fold(0.0, f64::max);
    for r in nodes.iter().filter(|p| p.column == Column::Registry) {
        assert!(r.x >= max_right - EPS, "{name}: registry {} is not rightmost", r.id);
    }
}

/// Horizontal runs through a column (long edges) never cross a node box.
fn segments_clear_nodes(name: &str, l: &Layout) {
    let mut by_col: HashMap<Column, Vec<&Placed>> = HashMap::new();
    for p in &l.nodes {
        by_col.entry(p.column).or_default().push(p);
    }
    // Per column: its x span and its boxes (top, bottom, left, right) sorted by top.
    type Boxes = Vec<(f64, f64, f64, f64)>;
    let mut columns: Vec<(f64, f64, Boxes)> = Vec::new();
    for ns in by_col.values() {
        let x0 = ns.iter().map(|p| p.x).fold(f64::INFINITY, f64::min);
        let x1 = ns.iter().map(|p| p.x + p.width).fold(0.0, f64::max);
        let mut boxes: Vec<(f64, f64, f64, f64)> = ns.iter().map(|p| (p.y, p.y + p.height, p.x, p.x + p.width)).collect();
        boxes.sort_by(|a, b| a.0.total_cmp(&b.0));
        columns.push((x0, x1, boxes));
    }
    for r in &l.edges {
        for w in r.points.windows(2) {
            let (p, q) = (w[0], w[1]);
            if (p.y - q.y).abs() > EPS {
                continue;
            }
            let (lo, hi) = (p.x.min(q.x), p.x.max(q.x));
            for (x0, x1, boxes) in &columns {
                if hi <= *x0 + EPS || lo >= *x1 - EPS {
                    continue;
                }
                // Boxes in a column do not overlap, so at most the one starting last above
                // p.y can contain it.
                let k = boxes.partition_point(|b| b.0 < p.y - EPS);
                let hit = k > 0 && {
                    let b = boxes[k - 1];
                    b.1 > p.y + EPS && b.3 > lo + EPS && b.2 < hi - EPS
                };
                assert!(!hit, "{name}: edge {} → {} runs through a node at y={}", r.from, r.to, p.y);
            }
        }
    }
}

/// Node ids per column, top to bottom: the readable summary fixtures expect.
pub fn columns(l: &Layout) -> Vec<Vec<String>> {
    let mut by_col: Vec<(Column, f64, String)> = l.nodes.iter().map(|p| (p.column, p.y, p.id.to_string())).collect();
    by_col.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut last = None;
    for (c, _, id) in by_col {
        if last != Some(c) {
            out.push(Vec::new());
            last = Some(c);
        }
        out.last_mut().unwrap().push(id);
    }
    out
}

/// The same graph with nodes and edges in reverse order lays out identically, node by node
/// and edge by edge: nothing depends on input order.
pub fn order_independent(name: &str, graph: &Graph, opts: &LayoutOptions) {
    let a = layout::layout(graph, opts);
    assert_eq!(a, layout::layout(graph, opts), "{name}: same input, same layout");
    let mut rev = graph.clone();
    rev.nodes.reverse();
    rev.edges.reverse();
    let b = layout::layout(&rev, opts);
    let n = graph.nodes.len();
    for (i, p) in a.nodes.iter().enumerate() {
        assert_eq!(p, &b.nodes[n - 1 - i], "{name}: node {} moved when the input order changed", p.id);
    }
    let m = graph.edges.len();
    for (i, r) in a.edges.iter().enumerate() {
        let s = &b.edges[m - 1 - i];
        assert_eq!((&r.from, &r.to, &r.points), (&s.from, &s.to, &s.points), "{name}: edge {} → {} moved when the input order changed", r.from, r.to);
    }
}
