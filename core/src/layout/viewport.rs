//! The arithmetic behind the interactive graph: the pan/zoom viewport (fit, zoom about a
//! point, centre on a node), edge paths and label cuts that match the SVG export, which part of
//! the graph a view shows (around a finding's nodes), and which edge of the full graph each
//! edge of a view is.
//!
//! Plain numbers, strings and node ids, tested natively. Not here: layout (`layout`), the DOM (the web
//! app), choosing by filter or focus ([`super::filter`], [`super::neighbourhood`]).

use std::collections::HashSet;
use std::fmt::Write;

use crate::graph::{Graph, NodeId};

use super::Point;

/// Zoom limits: far enough out to see a 10,000-edge graph whole, near enough to read.
pub const MIN_SCALE: f64 = 0.005;
pub const MAX_SCALE: f64 = 4.0;
/// Below this scale labels are too small to read and are not drawn.
pub const LABEL_SCALE: f64 = 0.4;

/// Screen = content × `k` + (`x`, `y`): what the SVG `transform` of the drawing says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Viewport {
    pub x: f64,
    pub y: f64,
    pub k: f64,
}

impl Default for Viewport {
    fn default() -> Self {
        Viewport { x: 0.0, y: 0.0, k: 1.0 }
    }
}

fn clamp_scale(k: f64) -> f64 {
    if k.is_finite() {
        k.clamp(MIN_SCALE, MAX_SCALE)
    } else {
        1.0
    }
}

impl Viewport {
    /// The whole content (`width` × `height`) centred in a `view_w` × `view_h` window with
    /// `margin` pixels around, never magnified past 1:1 (a small graph stays at its size).
    pub fn fit(width: f64, height: f64, view_w: f64, view_h: f64, margin: f64) -> Viewport {
        let room_w = (view_w - 2.0 * margin).max(1.0);
        let room_h = (view_h - 2.0 * margin).max(1.0);
        let k = if width <= 0.0 || height <= 0.0 { 1.0 } else { clamp_scale((room_w / width).min(room_h / height).min(1.0)) };
        Viewport { x: (view_w - width * k) / 2.0, y: (view_h - height * k) / 2.0, k }
    }

    /// Where a new view starts: [`Viewport::fit`] when the whole graph is readable that way;
    /// otherwise (thousands of stacked identities) fitted to the width and starting at the top,
    /// readable, with the rest a pan away.
    pub fn initial(width: f64, height: f64, view_w: f64, view_h: f64, margin: f64) -> Viewport {
        let whole = Viewport::fit(width, height, view_w, view_h, margin);
        if whole.labels_readable() || width <= 0.0 {
            return whole;
        }
        let k = clamp_scale(((view_w - 2.0 * margin).max(1.0) / width).min(1.0));
        Viewport { x: (view_w - width * k) / 2.0, y: margin, k }
    }

    /// Zoomed by `factor` keeping the content under screen point (`px`, `py`) where it is.
    pub fn zoom_at(self, factor: f64, px: f64, py: f64) -> Viewport {
        let k = clamp_scale(self.k * factor);
        let (cx, cy) = self.to_content(px, py);
        Viewport { x: px - cx * k, y: py - cy * k, k }
    }

    pub fn pan(self, dx: f64, dy: f64) -> Viewport {
        Viewport { x: self.x + dx, y: self.y + dy, k: self.k }
    }

    /// The content point (`cx`, `cy`) moved to the middle of a `view_w` × `view_h` window.
    pub fn centre_on(self, cx: f64, cy: f64, view_w: f64, view_h: f64) -> Viewport {
        Viewport { x: view_w / 2.0 - cx * self.k, y: view_h / 2.0 - cy * self.k, k: self.k }
    }

    /// The content point under a screen point.
    pub fn to_content(self, px: f64, py: f64) -> (f64, f64) {
        ((px - self.x) / self.k, (py - self.y) / self.k)
    }

    /// The SVG `transform` attribute value.
    pub fn transform(self) -> String {
        format!("translate({:.2} {:.2}) scale({:.5})", self.x, self.y, self.k)
    }

    /// Whether labels are big enough to draw.
    pub fn labels_readable(self) -> bool {
        self.k >= LABEL_SCALE
    }
}

/// Coordinates to one decimal: enough for a screen, and stable text for diffs (shared with
/// the SVG export, so the app draws exactly what the export writes).
pub(crate) fn num(v: f64) -> String {
    let v = if v.is_finite() { (v * 10.0).round() / 10.0 } else { 0.0 };
    let v = if v == 0.0 { 0.0 } else { v };
    format!("{v}")
}

/// An edge route as SVG path data, drawn as the export draws it: cubic curves with horizontal
/// tangents between columns, straight lines along a column.
pub fn edge_path(points: &[Point]) -> String {
    let mut d = String::new();
    let Some(first) = points.first() else { return d };
    let _ = write!(d, "M{} {}", num(first.x), num(first.y));
    for w in points.windows(2) {
        let (p, q) = (w[0], w[1]);
        if (p.y - q.y).abs() < 0.05 {
            let _ = write!(d, " L{} {}", num(q.x), num(q.y));
        } else {
            let h = (q.x - p.x) / 2.0;
            let _ = write!(d, " C{} {} {} {} {} {}", num(p.x + h), num(p.y), num(q.x - h), num(q.y), num(q.x), num(q.y));
        }
    }
    d
}

/// Halfway along the route (by point count), where a crossed edge's × goes.
pub fn middle(points: &[Point]) -> Option<Point> {
    let n = points.len();
    if n == 0 {
        return None;
    }
    if n % 2 == 1 {
        return Some(points[n / 2]);
    }
    let (p, q) = (points[n / 2 - 1], points[n / 2]);
    Some(Point { x: (p.x + q.x) / 2.0, y: (p.y + q.y) / 2.0 })
}

/// The path data of a small × centred on `m`.
pub fn cross_path(m: Point) -> String {
    format!("M{} {}L{} {}M{} {}L{} {}", num(m.x - 5.0), num(m.y - 5.0), num(m.x + 5.0), num(m.y + 5.0), num(m.x - 5.0), num(m.y + 5.0), num(m.x + 5.0), num(m.y - 5.0))
}

/// The label cut with "…" to fit a box `width` wide (as the SVG export cuts it).
pub fn fit_label(label: &str, width: f64, char_width: f64, padding: f64) -> String {
    let room = ((width - padding) / char_width).floor().max(1.0) as usize;
    if label.chars().count() <= room {
        return label.to_string();
    }
    let mut s: String = label.chars().take(room.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// The graph nodes a finding's related ids name (resource ids in any case, principal ids), each
/// once; ids not in the graph are dropped.
pub fn finding_nodes(graph: &Graph, related: &[String]) -> Vec<NodeId> {
    let ids: HashSet<&NodeId> = graph.nodes.iter().map(|n| &n.id).collect();
    let mut out = Vec::new();
    for id in related.iter().filter_map(|r| NodeId::related(r)) {
        if ids.contains(&id) && !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// For each edge of `part` (a view of `full` that kept its order, as [`super::filter`],
/// [`super::neighbourhood`] and [`super::around`] do), its index in `full.edges`.
pub fn edge_origins(full: &Graph, part: &Graph) -> Vec<usize> {
    let mut out = Vec::with_capacity(part.edges.len());
    let mut j = 0;
    for e in &part.edges {
        while j < full.edges.len() && full.edges[j] != *e {
            j += 1;
        }
        out.push(j.min(full.edges.len().saturating_sub(1)));
        j += 1;
    }
    out
}

/// The subscription ids that resource node ids name, sorted, each once.
pub fn subscriptions(graph: &Graph) -> Vec<String> {
    let mut subs: Vec<String> = graph
        .nodes
        .iter()
        .filter_map(|n| n.id.subscription().map(str::to_string))
        .collect();
    crate::sort::sort(&mut subs);
    subs.dedup();
    subs
}

/// Indexes of the nodes whose label contains `text` (any case); none for blank text.
pub fn search(graph: &Graph, text: &str) -> Vec<usize> {
    let needle = text.trim().to_lowercase();
    if needle.is_empty() {
        return Vec::new();
    }
    graph.nodes.iter().enumerate().filter(|(_, n)| n.label.to_lowercase().contains(&needle)).map(|(i, _)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{Edge, EdgeKind, Node, NodeKind};
    use crate::layout::around;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    fn g() -> Graph {
        let node = |id: &str, kind, label: &str| Node { id: id.parse().unwrap(), kind, label: label.into(), identity: None };
        let edge = |from: &str, to: &str, kind| Edge { from: from.parse().unwrap(), to: to.parse().unwrap(), kind, works: true, label: "r".into(), used: false };
        Graph {
            nodes: vec![
                node("/subscriptions/s1/resourcegroups/a/providers/x.y/ws/w", NodeKind::Workspace, "mlw-prod"),
                node("/subscriptions/s1/resourcegroups/a/providers/x.y/c/c", NodeKind::Compute, "cpu-cluster"),
                node("principal:p1", NodeKind::Identity, "cpu-cluster (compute system identity)"),
                node("/subscriptions/s2/resourcegroups/b/providers/x.y/r/r", NodeKind::Registry, "acrmlprod"),
                node("principal:p2", NodeKind::Identity, "lonely"),
            ],
            edges: vec![
                edge("/subscriptions/s1/resourcegroups/a/providers/x.y/ws/w", "/subscriptions/s1/resourcegroups/a/providers/x.y/c/c", EdgeKind::Contains),
                edge("/subscriptions/s1/resourcegroups/a/providers/x.y/c/c", "principal:p1", EdgeKind::ActsAs),
                edge("principal:p1", "/subscriptions/s2/resourcegroups/b/providers/x.y/r/r", EdgeKind::Direct),
                edge("principal:p1", "/subscriptions/s2/resourcegroups/b/providers/x.y/r/r", EdgeKind::BroadRole),
            ],
        }
    }

    #[test]
    fn fit_centres_and_never_magnifies() {
        let v = Viewport::fit(1000.0, 500.0, 520.0, 400.0, 10.0);
        assert!(close(v.k, 0.5));
        assert!(close(v.x, 10.0) && close(v.y, (400.0 - 250.0) / 2.0));
        let small = Viewport::fit(100.0, 50.0, 800.0, 600.0, 10.0);
        assert!(close(small.k, 1.0));
        assert!(close(small.x, 350.0) && close(small.y, 275.0));
        // Huge content stops at the minimum scale; empty content stays 1:1.
        assert!(close(Viewport::fit(1e9, 1e9, 800.0, 600.0, 0.0).k, MIN_SCALE));
        assert!(close(Viewport::fit(0.0, 0.0, 800.0, 600.0, 0.0).k, 1.0));
    }

    #[test]
    fn initial_view_of_a_tall_graph_is_readable_from_the_top() {
        // Small enough to read whole: the same as fit.
        assert_eq!(Viewport::initial(1000.0, 500.0, 520.0, 400.0, 10.0), Viewport::fit(1000.0, 500.0, 520.0, 400.0, 10.0));
        let v = Viewport::initial(1200.0, 50_000.0, 1220.0, 800.0, 10.0);
        assert!(close(v.k, 1.0) && close(v.x, 10.0) && close(v.y, 10.0));
        assert!(v.labels_readable());
    }

    #[test]
    fn zoom_keeps_the_point_under_the_cursor() {
        let v = Viewport { x: 30.0, y: -20.0, k: 0.8 };
        let before = v.to_content(200.0, 150.0);
        let z = v.zoom_at(1.25, 200.0, 150.0);
        assert!(close(z.k, 1.0));
        let after = z.to_content(200.0, 150.0);
        assert!(close(before.0, after.0) && close(before.1, after.1));
        assert!(close(v.zoom_at(1e6, 0.0, 0.0).k, MAX_SCALE));
        assert!(close(v.zoom_at(0.0, 0.0, 0.0).k, MIN_SCALE));
        assert!(close(v.zoom_at(f64::NAN, 0.0, 0.0).k, 1.0));
    }

    #[test]
    fn pan_centre_and_transform() {
        let v = Viewport { x: 1.0, y: 2.0, k: 2.0 }.pan(9.0, -2.0);
        assert_eq!(v, Viewport { x: 10.0, y: 0.0, k: 2.0 });
        let c = v.centre_on(50.0, 25.0, 400.0, 300.0);
        assert_eq!(c.to_content(200.0, 150.0), (50.0, 25.0));
        assert_eq!(Viewport::default().transform(), "translate(0.00 0.00) scale(1.00000)");
        assert!(!Viewport { x: 0.0, y: 0.0, k: 0.1 }.labels_readable());
        assert!(Viewport::default().labels_readable());
    }

    #[test]
    fn paths_match_the_export() {
        let pts = [Point { x: 0.0, y: 0.0 }, Point { x: 100.0, y: 50.0 }, Point { x: 140.0, y: 50.0 }];
        assert_eq!(edge_path(&pts), "M0 0 C50 0 50 50 100 50 L140 50");
        assert_eq!(edge_path(&[]), "");
        assert_eq!(middle(&pts), Some(Point { x: 100.0, y: 50.0 }));
        assert_eq!(middle(&pts[..2]), Some(Point { x: 50.0, y: 25.0 }));
        assert_eq!(middle(&[]), None);
        assert_eq!(cross_path(Point { x: 10.0, y: 10.0 }), "M5 5L15 15M5 15L15 5");
    }

    #[test]
    fn labels_are_cut_to_their_box() {
        assert_eq!(fit_label("acrmlprod", 200.0, 7.0, 20.0), "acrmlprod");
        assert_eq!(fit_label("abcdefghijkl", 20.0 + 7.0 * 5.0, 7.0, 20.0), "abcd…");
        assert_eq!(fit_label("<script>", 0.0, 7.0, 20.0), "…");
    }

    #[test]
    fn finding_nodes_map_to_graph_ids() {
        let g = g();
        let related = vec!["/SUBSCRIPTIONS/s2/resourceGroups/b/providers/x.y/r/r".to_string(), "P1".to_string(), "unknown".to_string()];
        let found: Vec<String> = finding_nodes(&g, &related).iter().map(NodeId::to_string).collect();
        assert_eq!(found, ["/subscriptions/s2/resourcegroups/b/providers/x.y/r/r", "principal:p1"]);
    }

    #[test]
    fn around_keeps_neighbours_and_edge_origins_map_back() {
        let full = g();
        let part = around(&full, &[NodeId::principal("p1")], 1);
        let labels: Vec<&str> = part.nodes.iter().map(|n| n.label.as_str()).collect();
        assert_eq!(labels, ["cpu-cluster", "cpu-cluster (compute system identity)", "acrmlprod"]);
        assert_eq!(edge_origins(&full, &part), vec![1, 2, 3]);
        assert_eq!(around(&full, &[], 2), Graph::default());
        let all = around(&full, &[NodeId::principal("p1")], 3);
        assert_eq!(all.nodes.len(), 4, "the lonely identity is not connected");
        let filtered = super::super::filter(&full, &super::super::Filter { edge_kinds: vec![EdgeKind::BroadRole], ..Default::default() });
        assert_eq!(edge_origins(&full, &filtered), vec![3]);
    }

    #[test]
    fn subscriptions_and_search() {
        let g = g();
        assert_eq!(subscriptions(&g), vec!["s1".to_string(), "s2".to_string()]);
        assert_eq!(search(&g, "CPU"), vec![1, 2]);
        assert_eq!(search(&g, "  "), Vec::<usize>::new());
    }
}
