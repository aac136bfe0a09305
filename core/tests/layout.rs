//! Graph layout, views and SVG export, driven by fixtures: `tests/layout/cases/*.json` (a
//! graph and the column order expected top to bottom) and `tests/layout/views/*.json` (a
//! neighbourhood or filter on one of those graphs and the nodes and edges it keeps).
//!
//! Every layout also passes the properties in `layout/support.rs` (no overlaps, registries
//! rightmost, every edge routed border to border, nothing depends on input order).
//! `UPDATE_EXPECT=1 cargo test -p pullpath-core --test layout` rewrites the `expect` parts;
//! review the diff.

#[path = "layout/support.rs"]
mod support;

use std::path::{Path, PathBuf};

use pullpath_core::graph::{self, Edge, EdgeKind, Graph, Node, NodeId, NodeKind};
use pullpath_core::layout::svg::{self, Legend, SvgOptions};
use pullpath_core::layout::{self, Filter, LayoutOptions};
use pullpath_core::words;
use serde::Deserialize;
use serde_json::{json, Value};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/layout")
}

/// Runs `actual` for every fixture in `sub` and compares it with the fixture's `expect`
/// (`pullpath-fixture`, which also rewrites it on `UPDATE_EXPECT=1`).
fn walk(sub: &str, min: usize, actual: impl Fn(&Path, &Value) -> Value) {
    pullpath_fixture::walk(dir().join(sub), "json", min, |path| {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).map_err(|e| e.to_string())?).map_err(|e| format!("not JSON: {e}"))?;
        pullpath_fixture::check_json(path, "expect", actual(path, &doc))
    });
}

fn graph_of(v: &Value) -> Graph {
    Graph::deserialize(v).unwrap_or_else(|e| panic!("graph: {e}"))
}

#[test]
fn layout_cases() {
    let opts = LayoutOptions::default();
    walk("cases", 5, |path, doc| {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let g = graph_of(&doc["graph"]);
        let l = layout::layout(&g, &opts);
        support::check(&name, &g, &l);
        support::order_independent(&name, &g, &opts);
        json!({
            "columns": support::columns(&l),
            "bands": l.bands.iter().map(|b| b.caption.clone()).collect::<Vec<_>>(),
        })
    });
}

fn edge_summary(e: &Edge) -> String {
    format!("{} -{}-> {}", short(&e.from), serde_json::to_value(e.kind).unwrap().as_str().unwrap(), short(&e.to))
}

/// The last segment of an id: enough to read a fixture.
fn short(id: &NodeId) -> String {
    let text = id.to_string();
    text.rsplit('/').next().unwrap_or(&text).to_string()
}

#[test]
fn view_cases() {
    walk("views", 6, |path, doc| {
        let base: Value = serde_json::from_str(&std::fs::read_to_string(dir().join(doc["graph"].as_str().unwrap())).unwrap()).unwrap();
        let g = graph_of(&base["graph"]);
        let out = if let Some(n) = doc.get("neighbourhood") {
            layout::neighbourhood(&g, &n["id"].as_str().unwrap().parse().unwrap(), n["depth"].as_u64().unwrap() as usize)
        } else {
            layout::filter(&g, &Filter::deserialize(&doc["filter"]).unwrap_or_else(|e| panic!("{}: filter: {e}", path.display())))
        };
        // A view is a subgraph in the input's order with no edge to a node it dropped.
        for e in &out.edges {
            assert!(out.nodes.iter().any(|n| n.id == e.from) && out.nodes.iter().any(|n| n.id == e.to), "{}: dangling {e:?}", path.display());
        }
        let pos = |id: &NodeId| g.nodes.iter().position(|n| n.id == *id).unwrap();
        assert!(out.nodes.windows(2).all(|w| pos(&w[0].id) < pos(&w[1].id)), "{}: view reorders nodes", path.display());
        // And it lays out like any graph.
        support::check(&path.display().to_string(), &out, &layout::layout(&out, &LayoutOptions::default()));
        json!({
            "nodes": out.nodes.iter().map(|n| short(&n.id)).collect::<Vec<_>>(),
            "edges": out.edges.iter().map(edge_summary).collect::<Vec<_>>(),
        })
    });
}

#[test]
fn demo_tenant_lays_out_with_every_path_visible() {
    let (inv, _) = pullpath_core::snapshot::parse(pullpath_sim::DEMO_TENANT).unwrap();
    let g = graph::build(&inv, &pullpath_core::analysis::analyze(&inv));
    let opts = LayoutOptions::default();
    let l = layout::layout(&g, &opts);
    support::check("demo tenant", &g, &l);
    support::order_independent("demo tenant", &g, &opts);
    // Every identity group the demo has gets its band, in the fixed order.
    let groups: Vec<_> = l.bands.iter().map(|b| b.group).collect();
    let mut sorted = groups.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(groups, sorted, "each group is one contiguous band, in order");
}

#[test]
fn layout_options_change_the_geometry_they_name() {
    let (inv, _) = pullpath_core::snapshot::parse(pullpath_sim::DEMO_TENANT).unwrap();
    let g = graph::build(&inv, &pullpath_core::analysis::analyze(&inv));
    let narrow = layout::layout(&g, &LayoutOptions::default());
    let wide = layout::layout(&g, &LayoutOptions { column_gap: 400.0, ..LayoutOptions::default() });
    assert!(wide.width > narrow.width + 400.0, "a wider column gap widens the picture");
    let tall = layout::layout(&g, &LayoutOptions { node_height: 60.0, ..LayoutOptions::default() });
    assert!(tall.nodes.iter().all(|p| p.height == 60.0) && tall.height > narrow.height);
    support::check("tall", &g, &tall);
    // Width follows the label, within bounds.
    let o = LayoutOptions::default();
    assert_eq!(layout::node_width("ab", &o), o.min_node_width);
    assert_eq!(layout::node_width(&"x".repeat(500), &o), o.max_node_width);
    assert_eq!(layout::node_width(&"x".repeat(20), &o), 20.0 * o.char_width + o.node_padding);
}

fn hostile() -> Graph {
    let evil = "<script>alert(\"pwn\")</script> & 'q' ]]> \u{1}";
    // Ids are parsed, so a hostile one has no `/` in its name; quotes and angle brackets it can.
    let reg: NodeId = "/subscriptions/11111111-1111-1111-1111-111111111111/resourcegroups/rg/providers/microsoft.containerregistry/registries/acr\"><script>x<script>".parse().unwrap();
    let who = NodeId::principal("<b>\"&");
    Graph {
        nodes: vec![
            Node { id: reg.clone(), kind: NodeKind::Registry, label: evil.into(), identity: None },
            Node { id: who.clone(), kind: NodeKind::Identity, label: "user <img src=x onerror=alert(1)>".into(), identity: None },
        ],
        edges: vec![Edge { from: who, to: reg, kind: EdgeKind::AbacIgnored, works: false, label: "Acr&Pull <\"role\">".into(), used: false }],
    }
}

/// Undoes [`svg::escape`] for the five entities it writes.
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

/// Every tag in the document, by name: the only markup is what `render` writes itself.
fn tags(doc: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = doc;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let name: String = rest.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '?').collect();
        out.push(name);
    }
    out
}

/// The text content of each element named `tag` (no nesting inside those we check).
fn texts(doc: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = doc;
    while let Some(i) = rest.find(&open) {
        rest = &rest[i..];
        let start = rest.find('>').unwrap() + 1;
        let end = rest.find(&close).unwrap();
        out.push(unescape(&rest[start..end]));
        rest = &rest[end..];
    }
    out
}

#[test]
fn svg_escapes_hostile_names_into_text() {
    let g = hostile();
    let l = layout::layout(&g, &LayoutOptions::default());
    let opts = SvgOptions { title: "tenant <x> & \"y\"".into(), ..SvgOptions::default() };
    let doc = svg::render(&g, &l, &opts);
    let allowed = ["?xml", "svg", "title", "desc", "defs", "marker", "path", "rect", "g", "text"];
    for t in tags(&doc) {
        assert!(allowed.contains(&t.as_str()), "unexpected markup <{t}> in:\n{doc}");
    }
    assert!(!doc.contains("<script") && !doc.contains("<img") && !doc.contains("\u{1}"));
    // The hostile text comes back out as text: in titles in full, in the box cut to fit.
    let titles = texts(&doc, "title");
    assert!(titles.contains(&"tenant <x> & \"y\"".to_string()), "{titles:?}");
    assert!(titles.iter().any(|t| t.starts_with("<script>alert(\"pwn\")</script> & 'q' ]]> \u{FFFD} (registry)")), "{titles:?}");
    assert!(titles.iter().any(|t| t.contains("Acr&Pull <\"role\">") && t.contains("does not work")), "{titles:?}");
    let labels = texts(&doc, "text");
    assert!(labels.iter().any(|t| t.starts_with("user <img")), "{labels:?}");
    // Ids go into attributes, quotes included, without ending the attribute.
    assert!(doc.contains("data-id=\"/subscriptions/11111111-1111-1111-1111-111111111111/resourcegroups/rg/providers/microsoft.containerregistry/registries/acr&quot;&gt;&lt;script&gt;x&lt;script&gt;\""));
    assert!(doc.contains("data-id=\"principal:&lt;b&gt;&quot;&amp;\""));
    // Quotes balance: every attribute opened is closed.
    assert_eq!(doc.matches('"').count() % 2, 0);
}

#[test]
fn svg_draws_each_edge_kind_in_its_style_with_a_legend() {
    let mut g = hostile();
    g.edges.push(Edge { from: g.edges[0].from.clone(), to: g.edges[0].to.clone(), kind: EdgeKind::BroadRole, works: true, label: "Contributor".into(), used: false });
    g.edges.push(Edge { from: g.edges[0].from.clone(), to: g.edges[0].to.clone(), kind: EdgeKind::Inherited, works: true, label: "AcrPull".into(), used: false });
    let l = layout::layout(&g, &LayoutOptions::default());
    let doc = svg::render(&g, &l, &SvgOptions::default());
    let edge_group = |kind: &str| {
        let at = doc.find(&format!("<g data-kind=\"{kind}\">")).unwrap_or_else(|| panic!("no {kind} edge in:\n{doc}"));
        doc[at..].split("</g>").next().unwrap().to_string()
    };
    let abac = edge_group("abacIgnored");
    assert!(abac.contains("stroke=\"#c53030\"") && abac.contains("stroke-dasharray=\"6 4\"") && abac.matches("<path").count() == 2, "red, dashed and crossed: {abac}");
    let broad = edge_group("broadRole");
    assert!(broad.contains("stroke-width=\"3.5\"") && !broad.contains("dasharray"), "thick solid: {broad}");
    let inherited = edge_group("inherited");
    assert!(inherited.contains("stroke-dasharray=\"6 4\"") && inherited.contains("#2b6cb0"), "blue dashed: {inherited}");
    let legend = &doc[doc.find("id=\"pp-legend\"").expect("legend")..];
    for kind in [EdgeKind::Direct, EdgeKind::Inherited, EdgeKind::BroadRole, EdgeKind::AbacIgnored, EdgeKind::Missing] {
        assert!(legend.contains(svg::edge_style(kind).meaning), "legend explains {kind:?}");
    }
    let bare = svg::render(&g, &l, &SvgOptions { legend: Legend::Hidden, ..SvgOptions::default() });
    assert!(!bare.contains("pp-legend") && bare.len() < doc.len());
}

/// The export names every kind with the words the app's graph uses (`words`, whose own test
/// pins the table): an edge's title and `data-kind`, a node's title.
#[test]
fn svg_uses_the_apps_words_for_every_kind() {
    let reg: NodeId = "/subscriptions/s/resourcegroups/rg/providers/microsoft.containerregistry/registries/acr".parse().unwrap();
    let who = NodeId::principal("p");
    let mut g = Graph {
        nodes: vec![
            Node { id: who.clone(), kind: NodeKind::Identity, label: "alice".into(), identity: None },
            Node { id: reg.clone(), kind: NodeKind::Registry, label: "acr".into(), identity: None },
        ],
        edges: Vec::new(),
    };
    for k in words::EDGE_KINDS {
        g.edges.push(Edge { from: who.clone(), to: reg.clone(), kind: k, works: true, label: "r".into(), used: false });
    }
    let doc = svg::render(&g, &layout::layout(&g, &LayoutOptions::default()), &SvgOptions::default());
    for (e, k) in g.edges.iter().zip(words::EDGE_KINDS) {
        let title = words::edge_title("alice", "acr", e);
        assert!(title.contains(&format!("({})", words::edge_kind(k))), "{title}");
        assert!(doc.contains(&format!("<g data-kind=\"{}\"><title>{}</title>", words::edge_kind_name(k), svg::escape(&title))), "{k:?} in:\n{doc}");
    }
    for n in &g.nodes {
        assert!(doc.contains(&format!("<title>{}</title>", words::node_title(n))), "{n:?}");
    }
    assert!(doc.contains("<title>alice (identity)</title>") && doc.contains("(direct role)"), "{doc}");
}
