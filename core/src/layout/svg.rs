//! A laid-out graph as a standalone SVG document, for "export the current view as SVG": node
//! boxes, edge styles per access kind with a legend, and `<title>`s for screen readers and
//! tooltips.
//!
//! Every piece of tenant text (resource names, labels, ids) is hostile input and is escaped;
//! characters XML cannot carry become U+FFFD. Styles are presentation attributes, not CSS, so
//! the file looks the same in a browser, an editor or a slide. Not here: positions (the
//! [`layout`](super::layout) numbers are used as they are), interactivity (the web app), the
//! words for kinds (`words`, shared with the app).

use std::collections::HashMap;
use std::fmt::Write;

use crate::graph::{Edge, EdgeKind, Graph, NodeId, NodeKind};
use crate::words;

use super::viewport::{cross_path, edge_path, fit_label, middle, num};
use super::Layout;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Legend {
    Shown,
    Hidden,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SvgOptions {
    /// The document's `<title>`, e.g. "pullpath — contoso, 3 registries".
    pub title: String,
    pub legend: Legend,
    pub font_size: f64,
    /// Must match the layout's `char_width` and `node_padding`: labels longer than their box
    /// are cut with "…" (the full label stays in the node's `<title>`).
    pub char_width: f64,
    pub node_padding: f64,
}

impl Default for SvgOptions {
    fn default() -> Self {
        let l = super::LayoutOptions::default();
        SvgOptions { title: "pullpath permission graph".into(), legend: Legend::Shown, font_size: 12.0, char_width: l.char_width, node_padding: l.node_padding }
    }
}

/// How one edge kind is drawn; shared with the legend so the two cannot drift apart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EdgeStyle {
    pub stroke: &'static str,
    pub width: f64,
    /// `stroke-dasharray`, empty for solid.
    pub dash: &'static str,
    /// A red × halfway along: a role that exists but does not work.
    pub crossed: bool,
    pub meaning: &'static str,
}

const RED: &str = "#c53030";

/// The colour an edge is drawn in, for the app and the export alike: its kind's, except that a
/// role that exists but does not work is red; a pull the network blocks keeps its own amber, so
/// a network cause never looks like an RBAC one.
pub fn edge_stroke(e: &crate::graph::Edge) -> &'static str {
    let st = edge_style(e.kind);
    if e.works || e.kind == EdgeKind::NetworkBlocked {
        st.stroke
    } else {
        RED
    }
}

pub fn edge_style(kind: EdgeKind) -> EdgeStyle {
    let s = |stroke, width, dash, crossed, meaning| EdgeStyle { stroke, width, dash, crossed, meaning };
    match kind {
        EdgeKind::Direct => s("#2b6cb0", 1.5, "", false, "role on the registry (solid)"),
        EdgeKind::Inherited => s("#2b6cb0", 1.5, "6 4", false, "role inherited from a parent scope (dashed)"),
        EdgeKind::BroadRole => s("#dd6b20", 3.5, "", false, "broad role such as Contributor (thick)"),
        EdgeKind::AdminKeys => s("#805ad5", 2.0, "2 3", false, "admin user password (dotted)"),
        EdgeKind::Anonymous => s("#718096", 1.5, "8 3 2 3", false, "anonymous pull (dash-dot)"),
        EdgeKind::AbacIgnored => s(RED, 1.5, "6 4", true, "role the ABAC registry ignores (red, crossed)"),
        EdgeKind::Missing => s(RED, 1.5, "2 4", false, "expected pull with no working path (red dotted)"),
        EdgeKind::Contains | EdgeKind::UsesRegistry | EdgeKind::ActsAs | EdgeKind::Attached => s("#a0aec0", 1.0, "", false, "wiring: contains, acts as, uses, attached (grey)"),
        EdgeKind::Targets => s("#a0aec0", 1.0, "4 3", false, "registry a connection or container group names (grey dashed)"),
        EdgeKind::NetworkBlocked => s("#b7791f", 2.0, "12 4", false, "role allows the pull, the network blocks it (amber, long dashes)"),
        EdgeKind::MemberOf => s("#2c7a7b", 1.25, "1 2", false, "member of a group that holds a role (teal dotted)"),
        EdgeKind::UsedBy => s("#2f855a", 1.5, "10 3 2 3", false, "image an environment really pulls from the registry (green dash-dot)"),
    }
}

/// One legend entry per distinct style (the wiring kinds share one); the app's legend too.
pub const LEGEND: [EdgeKind; 12] = [
    EdgeKind::Direct,
    EdgeKind::Inherited,
    EdgeKind::BroadRole,
    EdgeKind::AdminKeys,
    EdgeKind::Anonymous,
    EdgeKind::AbacIgnored,
    EdgeKind::Missing,
    EdgeKind::NetworkBlocked,
    EdgeKind::ActsAs,
    EdgeKind::Targets,
    EdgeKind::MemberOf,
    EdgeKind::UsedBy,
];

fn node_fill(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Identity => "#ebf8ff",
        NodeKind::Registry => "#f0fff4",
        NodeKind::Workspace => "#fefcbf",
        NodeKind::Compute => "#faf5ff",
        NodeKind::ManagedCluster => "#fff5f7",
        NodeKind::Connection => "#e6fffa",
        NodeKind::Endpoint => "#ebf4ff",
        NodeKind::ContainerGroup => "#fffaf0",
        NodeKind::Environment => "#f0f5e8",
        NodeKind::Anyone => "#fed7d7",
    }
}

/// Escapes text for XML content and attribute values alike.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            // Not allowed in XML 1.0 at all, not even as a character reference.
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The title of an edge, with its ends named by their labels (ids when a label is missing).
fn edge_title(labels: &HashMap<&NodeId, &str>, e: &Edge) -> String {
    let name = |id: &NodeId| labels.get(id).map(|l| l.to_string()).unwrap_or_else(|| id.to_string());
    words::edge_title(&name(&e.from), &name(&e.to), e)
}

/// The SVG document for `graph` placed by `layout` (from [`super::layout`] on the same graph).
pub fn render(graph: &Graph, layout: &Layout, opts: &SvgOptions) -> String {
    let mut out = String::with_capacity(256 * (graph.nodes.len() + graph.edges.len()) + 4096);
    let labels: HashMap<&NodeId, &str> = graph.nodes.iter().map(|n| (&n.id, n.label.as_str())).collect();
    let row_h = 22.0;
    // Wide enough for the longest legend text at 12 px.
    let cell_w = 400.0;
    let per_row = 3usize;
    let (legend_w, legend_h) = match opts.legend {
        Legend::Shown => (cell_w * per_row as f64 + 40.0, 40.0 + row_h * LEGEND.len().div_ceil(per_row) as f64),
        Legend::Hidden => (0.0, 0.0),
    };
    let width = layout.width.max(legend_w);
    let height = layout.height + legend_h;
    let font = format!("font-family=\"system-ui, sans-serif\" font-size=\"{}\"", num(opts.font_size));
    let _ = writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-labelledby=\"pp-title pp-desc\">",
        w = num(width),
        h = num(height)
    );
    let _ = writeln!(out, "<title id=\"pp-title\">{}</title>", escape(&opts.title));
    let _ = writeln!(out, "<desc id=\"pp-desc\">{} nodes and {} edges. Identities on the left, registries on the right; the legend explains the line styles.</desc>", graph.nodes.len(), graph.edges.len());
    let _ = writeln!(out, "<defs><marker id=\"pp-arrow\" viewBox=\"0 0 8 8\" refX=\"8\" refY=\"4\" markerUnits=\"userSpaceOnUse\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M0 0L8 4L0 8z\" fill=\"context-stroke\"/></marker></defs>");
    let _ = writeln!(out, "<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>", num(width), num(height));

    let _ = writeln!(out, "<g id=\"pp-bands\">");
    for b in &layout.bands {
        let _ = writeln!(
            out,
            "<g><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\" fill=\"#f7fafc\" stroke=\"#e2e8f0\"/><text x=\"{}\" y=\"{}\" {font} fill=\"#4a5568\">{}</text></g>",
            num(b.x),
            num(b.y),
            num(b.width),
            num(b.height),
            num(b.x + 6.0),
            num(b.y + opts.font_size + 1.0),
            escape(&b.caption)
        );
    }
    let _ = writeln!(out, "</g>");

    let _ = writeln!(out, "<g id=\"pp-edges\" fill=\"none\">");
    for (r, e) in layout.edges.iter().zip(&graph.edges) {
        if r.points.len() < 2 {
            continue;
        }
        let st = edge_style(e.kind);
        let stroke = edge_stroke(e);
        let dash = if st.dash.is_empty() { String::new() } else { format!(" stroke-dasharray=\"{}\"", st.dash) };
        let _ = write!(out, "<g data-kind=\"{}\"><title>{}</title>", words::edge_kind_name(e.kind), escape(&edge_title(&labels, e)));
        let _ = write!(out, "<path d=\"{}\" stroke=\"{stroke}\" stroke-width=\"{}\"{dash} marker-end=\"url(#pp-arrow)\"/>", edge_path(&r.points), num(st.width));
        if st.crossed {
            if let Some(m) = middle(&r.points) {
                let _ = write!(out, "<path d=\"{}\" stroke=\"{RED}\" stroke-width=\"2\"/>", cross_path(m));
            }
        }
        let _ = writeln!(out, "</g>");
    }
    let _ = writeln!(out, "</g>");

    let _ = writeln!(out, "<g id=\"pp-nodes\">");
    for (p, n) in layout.nodes.iter().zip(&graph.nodes) {
        let _ = writeln!(
            out,
            "<g data-id=\"{}\" data-kind=\"{}\"><title>{}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"4\" fill=\"{}\" stroke=\"#4a5568\"/><text x=\"{}\" y=\"{}\" {font} fill=\"#1a202c\">{}</text></g>",
            escape(&n.id.to_string()),
            words::node_kind(n.kind),
            escape(&words::node_title(n)),
            num(p.x),
            num(p.y),
            num(p.width),
            num(p.height),
            node_fill(n.kind),
            num(p.x + opts.node_padding / 2.0),
            num(p.y + p.height / 2.0 + opts.font_size * 0.35),
            escape(&fit_label(&n.label, p.width, opts.char_width, opts.node_padding))
        );
    }
    let _ = writeln!(out, "</g>");

    if opts.legend == Legend::Shown {
        let top = layout.height;
        let _ = writeln!(out, "<g id=\"pp-legend\"><title>Legend: line styles</title>");
        let _ = writeln!(out, "<text x=\"20\" y=\"{}\" {font} font-weight=\"bold\" fill=\"#1a202c\">Legend</text>", num(top + 18.0));
        for (k, kind) in LEGEND.iter().enumerate() {
            let st = edge_style(*kind);
            let x = 20.0 + cell_w * (k % per_row) as f64;
            let y = top + 36.0 + row_h * (k / per_row) as f64;
            let dash = if st.dash.is_empty() { String::new() } else { format!(" stroke-dasharray=\"{}\"", st.dash) };
            let _ = write!(out, "<g><path d=\"M{} {}L{} {}\" stroke=\"{}\" stroke-width=\"{}\"{dash}/>", num(x), num(y), num(x + 36.0), num(y), st.stroke, num(st.width));
            if st.crossed {
                let _ = write!(out, "<path d=\"M{} {}L{} {}M{} {}L{} {}\" stroke=\"{RED}\" stroke-width=\"2\"/>", num(x + 14.0), num(y - 4.0), num(x + 22.0), num(y + 4.0), num(x + 14.0), num(y + 4.0), num(x + 22.0), num(y - 4.0));
            }
            let _ = writeln!(out, "<text x=\"{}\" y=\"{}\" {font} fill=\"#1a202c\">{}</text></g>", num(x + 44.0), num(y + 4.0), escape(st.meaning));
        }
        let _ = writeln!(out, "</g>");
    }
    out.push_str("</svg>\n");
    out
}
