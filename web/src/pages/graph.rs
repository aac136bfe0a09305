//! The graph tab: the permission graph laid out by the core and drawn as inline SVG, with pan
//! and zoom, search, a finding's neighbourhood, focus on a node, filters, selection for the
//! detail panel, grant by connecting an identity to a registry, and export as SVG or PNG.
//!
//! Pan and zoom change one `transform` attribute: nodes and edges are built once per view
//! (graph × finding × filter × focus) and never re-rendered while moving. Pointer and keyboard
//! events are handled once on the canvas (delegation through `data-node` / `data-edge`), not
//! per element. Not here: layout, views and viewport arithmetic (`pullpath_core::layout`), the
//! words for kinds (`pullpath_core::words`, shared with the SVG export), which role a grant
//! gives (`Intent::grant_pull`), what a selection shows (the detail panel), the pending tray.

mod export;

use std::collections::HashMap;
use std::sync::Arc;

use leptos::prelude::*;
use pullpath_core::arm::Registry;
use pullpath_core::graph::{Edge, EdgeKind, Graph, Node, NodeId, NodeKind};
use pullpath_core::intent::Intent;
use pullpath_core::layout::viewport::{self, Viewport};
use pullpath_core::layout::{self, svg, Filter, Layout, LayoutOptions};
use pullpath_core::words::{self, EDGE_KINDS};
use wasm_bindgen::JsCast;

use crate::state::{Analysed, AppState, Selection};

const CANVAS_ID: &str = "graph-canvas";
const FRAME_ID: &str = "graph-frame";
/// Above this many nodes, only search matches and the selection are in the Tab order.
const KEYBOARD_ALL: usize = 800;
/// Above this many edges, edges get no wide hit area and no arrowheads (drawing cost).
const RICH_EDGES: usize = 3000;
const RED: &str = "#c53030";
/// A pointer that moves less than this between down and up clicked.
const CLICK_SLOP: f64 = 4.0;

/// The CSS class of a node kind (`graph.css` colours nodes and legend swatches by it).
fn node_class(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Identity => "identity",
        NodeKind::Registry => "registry",
        NodeKind::Workspace => "workspace",
        NodeKind::Compute => "compute",
        NodeKind::ManagedCluster => "cluster",
        NodeKind::Connection => "connection",
        NodeKind::Endpoint => "endpoint",
        NodeKind::ContainerGroup => "containergroup",
        NodeKind::Environment => "environment",
        NodeKind::Anyone => "anyone",
    }
}

/// One laid-out view of the graph. Compared by identity: a new view is a new layout.
#[derive(Clone)]
struct View(Arc<ViewData>);

impl PartialEq for View {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

struct ViewData {
    graph: Graph,
    layout: Layout,
    /// `origins[i]`: the index in `Analysed::graph.edges` of this view's edge `i`.
    origins: Vec<usize>,
    layout_ms: f64,
    total_nodes: usize,
    total_edges: usize,
}

/// What the pointer is doing between down and up.
#[derive(Clone, Copy, Default)]
enum Drag {
    #[default]
    Idle,
    Pan { px: f64, py: f64, start: Viewport },
    /// On a node or edge: a click if it does not move; from an identity, a connecting line.
    Press { node: Option<usize>, edge: Option<usize>, px: f64, py: f64, moved: bool, connect: bool },
}

fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

fn canvas() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.get_element_by_id(CANVAS_ID)
}

/// The frame around the canvas: measured instead of the canvas, which moves during a gesture.
fn frame() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.get_element_by_id(FRAME_ID)
}

/// Shows `to` while a pan or wheel zoom is under way by moving the already-painted canvas as
/// a compositor layer (a CSS transform relative to the committed viewport `from`), instead of
/// re-rasterising thousands of SVG curves on every frame. `None` puts it back.
fn show_preview(from: Viewport, to: Option<Viewport>) {
    let Some(svg) = canvas().and_then(|c| c.dyn_into::<web_sys::SvgElement>().ok()) else { return };
    let style = svg.style();
    match to {
        Some(t) => {
            let r = t.k / from.k;
            let _ = style.set_property("transform", &format!("translate({:.2}px, {:.2}px) scale({:.5})", t.x - r * from.x, t.y - r * from.y, r));
        }
        None => {
            let _ = style.remove_property("transform");
        }
    }
}

fn canvas_size() -> Option<(f64, f64)> {
    let r = frame()?.get_bounding_client_rect();
    Some((r.width(), r.height()))
}

/// A client point in canvas pixels.
fn local(cx: i32, cy: i32) -> (f64, f64) {
    match frame() {
        Some(c) => {
            let r = c.get_bounding_client_rect();
            (cx as f64 - r.left(), cy as f64 - r.top())
        }
        None => (cx as f64, cy as f64),
    }
}

fn index_attr(el: &web_sys::Element, attr: &str) -> Option<usize> {
    el.closest(&format!("[{attr}]")).ok().flatten()?.get_attribute(attr)?.parse().ok()
}

fn target(ev: &web_sys::Event) -> Option<web_sys::Element> {
    ev.target()?.dyn_into::<web_sys::Element>().ok()
}

fn edge_title(labels: &HashMap<&NodeId, &str>, e: &Edge) -> String {
    let name = |id: &NodeId| labels.get(id).map(|l| l.to_string()).unwrap_or_else(|| id.to_string());
    words::edge_title(&name(&e.from), &name(&e.to), e)
}

/// The change "connect `from` to `to`" asks for, and the words for it. Which role pulls is
/// `Intent::grant_pull`'s to decide; the words name the role it chose.
fn grant_for(a: &Analysed, registries: &[Registry], from: &Node, to: &Node) -> Result<(Intent, String), String> {
    if to.kind != NodeKind::Registry {
        return Err(format!("{} is not a registry: drop the line on a registry to grant pull.", to.label));
    }
    let principal = from.id.principal_id().ok_or_else(|| format!("{} is not an identity.", from.label))?;
    let identity = a.analysis.identities.iter().find(|i| i.principal_id.eq_ignore_ascii_case(principal)).ok_or_else(|| format!("{} is not an identity pullpath knows.", from.label))?;
    let principal_type = identity
        .kind
        .principal_type()
        .ok_or_else(|| format!("The type of principal {} is unknown, so a role assignment for it cannot be planned.", identity.label))?;
    let registry = registries.iter().find(|r| to.id.as_resource() == Some(&r.id)).ok_or_else(|| format!("{} is not in the inventory.", to.label))?;
    let intent = Intent::grant_pull(&identity.principal_id, principal_type, registry);
    let role = intent.role().map_or("a pull role", |r| r.name.as_str());
    let words = format!("Pending: grant {role} on {} to {}", registry.name, identity.name);
    Ok((intent, words))
}

/// Width and height of the `<svg>` element of a document `svg::render` wrote.
fn svg_size(doc: &str) -> (f64, f64) {
    let tag = doc.find("<svg").map(|i| &doc[i..]).and_then(|s| s.split_once('>').map(|(t, _)| t)).unwrap_or("");
    let attr = |name: &str| tag.split(&format!(" {name}=\"")).nth(1).and_then(|s| s.split('"').next()).and_then(decimal).unwrap_or(800.0);
    (attr("width"), attr("height"))
}

/// A plain decimal (`1240`, `380.5`), as `svg::render` writes sizes; read without Rust's float
/// parser, whose tables would add 20 KB to the bundle. Digits and one division by a power of
/// ten, both exact below 2^53 and 10^22, give the same value `str::parse` would.
fn decimal(text: &str) -> Option<f64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || !whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit()) || whole.len() + fraction.len() > 15 {
        return None;
    }
    let digits: u64 = format!("{whole}{fraction}").parse().ok()?;
    Some(digits as f64 / 10f64.powi(i32::try_from(fraction.len()).ok()?))
}

#[component]
pub fn GraphView() -> impl IntoView {
    let state = expect_context::<AppState>();
    let hidden_subs = RwSignal::new(Vec::<String>::new());
    let hidden_kinds = RwSignal::new(Vec::<EdgeKind>::new());
    let used_only = RwSignal::new(false);
    let finding = RwSignal::new(None::<usize>);
    let focus = RwSignal::new(None::<NodeId>);
    let depth = RwSignal::new(1usize);
    let query = RwSignal::new(String::new());
    let cursor = RwSignal::new(0usize);
    let status = RwSignal::new(String::new());
    let vp = RwSignal::new(Viewport::default());
    let band = RwSignal::new(None::<(f64, f64, f64, f64)>);
    let drag = StoredValue::new(Drag::Idle);
    // The viewport a gesture shows before it is committed to `vp` (see `show_preview`), and
    // the timer that commits a wheel zoom once the wheel rests.
    let preview = StoredValue::new(None::<Viewport>);
    let wheel_rest = StoredValue::new_local(None::<gloo_timers::callback::Timeout>);
    let commit = move || {
        wheel_rest.set_value(None);
        if let Some(t) = preview.get_value() {
            preview.set_value(None);
            show_preview(vp.get_untracked(), None);
            vp.set(t);
        }
    };
    let preview_to = move |t: Viewport| {
        preview.set_value(Some(t));
        show_preview(vp.get_untracked(), Some(t));
    };
    // True until the user pans or zooms: then a resized canvas (the detail panel opening,
    // the window) fits the graph again.
    let auto_fit = StoredValue::new(true);

    let view_memo = Memo::new(move |_| {
        let a = state.analysed.get()?;
        let (hidden_subs, hidden_kinds, used_only, finding, focus, depth) = (hidden_subs.get(), hidden_kinds.get(), used_only.get(), finding.get(), focus.get(), depth.get());
        let full = &a.graph;
        let mut part: Option<Graph> = None;
        if let Some(f) = finding.and_then(|i| a.analysis.findings.get(i)) {
            part = Some(layout::around(full, &viewport::finding_nodes(full, &f.nodes), 1));
        }
        let keep_subs: Vec<String> = viewport::subscriptions(full).into_iter().filter(|s| !hidden_subs.contains(s)).collect();
        let keep_kinds: Vec<EdgeKind> = EDGE_KINDS.into_iter().filter(|k| !hidden_kinds.contains(k)).collect();
        if (!hidden_subs.is_empty() && keep_subs.is_empty()) || keep_kinds.is_empty() {
            part = Some(Graph::default());
        } else if !hidden_subs.is_empty() || !hidden_kinds.is_empty() || used_only {
            let f = Filter {
                subscriptions: if hidden_subs.is_empty() { Vec::new() } else { keep_subs },
                edge_kinds: if hidden_kinds.is_empty() { Vec::new() } else { keep_kinds },
                text: String::new(),
                used_only,
            };
            part = Some(layout::filter(part.as_ref().unwrap_or(full), &f));
        }
        if let Some(id) = focus {
            part = Some(layout::neighbourhood(part.as_ref().unwrap_or(full), &id, depth));
        }
        let graph = part.unwrap_or_else(|| full.clone());
        let origins = viewport::edge_origins(full, &graph);
        let t0 = now();
        let layout = layout::layout(&graph, &LayoutOptions::default());
        let layout_ms = now() - t0;
        Some(View(Arc::new(ViewData { graph, layout, origins, layout_ms, total_nodes: full.nodes.len(), total_edges: full.edges.len() })))
    });

    let matches = Memo::new(move |_| view_memo.with(|v| v.as_ref().map(|v| viewport::search(&v.0.graph, &query.get())).unwrap_or_default()));

    let fit = move || {
        commit();
        auto_fit.set_value(true);
        let Some((w, h)) = canvas_size() else { return };
        view_memo.with_untracked(|v| {
            if let Some(v) = v {
                vp.set(Viewport::fit(v.0.layout.width, v.0.layout.height, w, h, 16.0));
            }
        });
    };
    let zoom = move |factor: f64| {
        commit();
        auto_fit.set_value(false);
        let Some((w, h)) = canvas_size() else { return };
        vp.update(|v| *v = v.zoom_at(factor, w / 2.0, h / 2.0));
    };
    let centre = move |i: usize| {
        let Some((w, h)) = canvas_size() else { return };
        auto_fit.set_value(false);
        view_memo.with_untracked(|v| {
            let Some(p) = v.as_ref().and_then(|v| v.0.layout.nodes.get(i)) else { return };
            let cur = vp.get_untracked();
            let cur = if cur.k < 0.75 { Viewport { k: 1.0, ..cur } } else { cur };
            vp.set(cur.centre_on(p.x + p.width / 2.0, p.y + p.height / 2.0, w, h));
        });
    };
    // Where a view starts: whole when readable, else the top of it at a readable scale.
    let start = move || {
        auto_fit.set_value(true);
        let Some((w, h)) = canvas_size() else { return };
        view_memo.with_untracked(|v| {
            if let Some(v) = v {
                vp.set(Viewport::initial(v.0.layout.width, v.0.layout.height, w, h, 16.0));
            }
        });
    };
    // A new view (other filter, focus or scan) starts over.
    Effect::new(move |_| {
        view_memo.track();
        request_animation_frame(start);
    });
    // The detail panel comes and goes with the selection and narrows the canvas.
    let refit = move || {
        if auto_fit.get_value() {
            start();
        }
    };
    Effect::new(move |_| {
        state.selection.with(Option::is_some);
        request_animation_frame(refit);
    });
    let resize = window_event_listener(leptos::ev::resize, move |_| refit());
    on_cleanup(move || resize.remove());

    let select_node = move |i: usize| {
        let id = view_memo.with_untracked(|v| v.as_ref().and_then(|v| v.0.graph.nodes.get(i).map(|n| n.id.clone())));
        if let Some(id) = id {
            state.selection.set(Some(Selection::Node(id)));
        }
    };
    let select_edge = move |i: usize| {
        let Some(a) = state.analysed.get_untracked() else { return };
        let sel = view_memo.with_untracked(|v| {
            let d = &v.as_ref()?.0;
            let e = d.graph.edges.get(i)?;
            if e.kind.is_access() {
                if let Some(p) = e.from.principal_id() {
                    if let Some(r) = a.analysis.registries.iter().find(|r| e.to.as_resource() == Some(&r.id)) {
                        let principal_id = a.analysis.identities.iter().find(|x| x.principal_id.eq_ignore_ascii_case(p)).map(|x| x.principal_id.clone()).unwrap_or_else(|| p.to_string());
                        return Some(Selection::Access { principal_id, registry: r.id.clone() });
                    }
                }
            }
            d.origins.get(i).map(|&o| Selection::Edge(o))
        });
        if sel.is_some() {
            state.selection.set(sel);
        }
    };
    let grant = move |from: usize, to: usize| {
        let Some(a) = state.analysed.get_untracked() else { return };
        let r = view_memo.with_untracked(|v| {
            let d = &v.as_ref().ok_or("no graph")?.0;
            let (Some(f), Some(t)) = (d.graph.nodes.get(from), d.graph.nodes.get(to)) else { return Err("no such node".to_string()) };
            state.result.with_untracked(|res| grant_for(&a, res.as_ref().map(|r| r.inventory.registries.as_slice()).unwrap_or(&[]), f, t))
        });
        match r {
            Ok((intent, words)) => {
                state.add_pending(intent);
                status.set(words);
            }
            Err(e) => status.set(e),
        }
    };

    let on_down = move |ev: web_sys::PointerEvent| {
        if ev.button() != 0 {
            return;
        }
        let (px, py) = local(ev.client_x(), ev.client_y());
        let el = target(&ev);
        let node = el.as_ref().and_then(|e| index_attr(e, "data-node"));
        let edge = if node.is_none() { el.as_ref().and_then(|e| index_attr(e, "data-edge")) } else { None };
        if node.is_none() && edge.is_none() {
            ev.prevent_default();
            if let Some(c) = canvas() {
                let _ = c.set_pointer_capture(ev.pointer_id());
            }
            commit();
            drag.set_value(Drag::Pan { px, py, start: vp.get_untracked() });
            return;
        }
        let connect = node.is_some_and(|i| view_memo.with_untracked(|v| v.as_ref().and_then(|v| v.0.graph.nodes.get(i)).is_some_and(|n| n.kind == NodeKind::Identity)));
        drag.set_value(Drag::Press { node, edge, px, py, moved: false, connect });
    };
    let on_move = move |ev: web_sys::PointerEvent| {
        let (x, y) = local(ev.client_x(), ev.client_y());
        match drag.get_value() {
            Drag::Idle => {}
            Drag::Pan { px, py, start } => {
                auto_fit.set_value(false);
                preview_to(start.pan(x - px, y - py));
            }
            Drag::Press { node, edge, px, py, moved, connect } => {
                let far = (x - px).hypot(y - py) > CLICK_SLOP;
                if connect {
                    if far || moved {
                        let Some(i) = node else { return };
                        let from = view_memo.with_untracked(|v| v.as_ref().and_then(|v| v.0.layout.nodes.get(i).map(|p| (p.x + p.width, p.y + p.height / 2.0))));
                        if let Some((fx, fy)) = from {
                            let (cx, cy) = vp.get_untracked().to_content(x, y);
                            band.set(Some((fx, fy, cx, cy)));
                        }
                        drag.set_value(Drag::Press { node, edge, px, py, moved: true, connect });
                    }
                } else if far {
                    // Dragging from a node or an edge that cannot connect moves the view.
                    let start = vp.get_untracked();
                    drag.set_value(Drag::Pan { px, py, start });
                    preview_to(start.pan(x - px, y - py));
                }
            }
        }
    };
    let on_up = move |ev: web_sys::PointerEvent| {
        let state_before = drag.get_value();
        drag.set_value(Drag::Idle);
        commit();
        if let Drag::Press { node, edge, moved, connect, .. } = state_before {
            if !moved {
                if let Some(i) = node {
                    select_node(i);
                } else if let Some(i) = edge {
                    select_edge(i);
                }
            } else if connect {
                band.set(None);
                let dropped = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.element_from_point(ev.client_x() as f32, ev.client_y() as f32))
                    .and_then(|el| index_attr(&el, "data-node"));
                match (node, dropped) {
                    (Some(from), Some(to)) if from != to => grant(from, to),
                    _ => status.set("Drop the line on a registry to grant pull.".into()),
                }
            }
        }
    };
    let on_cancel = move |_: web_sys::PointerEvent| {
        drag.set_value(Drag::Idle);
        commit();
        band.set(None);
    };
    let on_wheel = move |ev: web_sys::WheelEvent| {
        ev.prevent_default();
        let unit = match ev.delta_mode() {
            1 => 16.0,
            2 => 400.0,
            _ => 1.0,
        };
        let (x, y) = local(ev.client_x(), ev.client_y());
        let factor = (-ev.delta_y() * unit * 0.0015).exp();
        auto_fit.set_value(false);
        let base = preview.get_value().unwrap_or_else(|| vp.get_untracked());
        preview_to(base.zoom_at(factor, x, y));
        wheel_rest.set_value(Some(gloo_timers::callback::Timeout::new(150, commit)));
    };
    let on_key = move |ev: web_sys::KeyboardEvent| {
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        let key = ev.key();
        if let Some(i) = target(&ev).and_then(|e| index_attr(&e, "data-node")) {
            if key == "Enter" || key == " " {
                ev.prevent_default();
                select_node(i);
                return;
            }
        }
        let step = 80.0;
        commit();
        if key.starts_with("Arrow") {
            auto_fit.set_value(false);
        }
        match key.as_str() {
            "ArrowLeft" => vp.update(|v| *v = v.pan(step, 0.0)),
            "ArrowRight" => vp.update(|v| *v = v.pan(-step, 0.0)),
            "ArrowUp" => vp.update(|v| *v = v.pan(0.0, step)),
            "ArrowDown" => vp.update(|v| *v = v.pan(0.0, -step)),
            "+" | "=" => zoom(1.25),
            "-" | "_" => zoom(0.8),
            "0" => fit(),
            _ => return,
        }
        ev.prevent_default();
    };

    let on_search = move |ev: web_sys::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        query.set(input.value());
        cursor.set(0);
        if let Some(&i) = matches.with_untracked(|m| m.first().copied()).as_ref() {
            centre(i);
        }
    };
    let on_search_key = move |ev: web_sys::KeyboardEvent| {
        if ev.key() != "Enter" {
            return;
        }
        ev.prevent_default();
        let n = matches.with_untracked(Vec::len);
        if n == 0 {
            return;
        }
        let next = (cursor.get_untracked() + 1) % n;
        cursor.set(next);
        if let Some(i) = matches.with_untracked(|m| m.get(next).copied()) {
            centre(i);
        }
    };
    let search_status = move || {
        let n = matches.with(Vec::len);
        if query.with(|q| q.trim().is_empty()) {
            String::new()
        } else if n == 0 {
            "No match".to_string()
        } else {
            format!("{} of {n} {}", cursor.get() % n + 1, if n == 1 { "match" } else { "matches" })
        }
    };

    let selected_node = move || match state.selection.get() {
        Some(Selection::Node(id)) => Some(id),
        _ => None,
    };
    let focus_selected = move |_| {
        if let Some(id) = selected_node() {
            focus.set(Some(id));
        }
    };

    let download_svg = move |_| {
        let doc = view_memo.with_untracked(|v| v.as_ref().map(|v| svg::render(&v.0.graph, &v.0.layout, &svg::SvgOptions::default())));
        if let Some(doc) = doc {
            match export::download_text("pullpath-graph.svg", "image/svg+xml", &doc) {
                Ok(()) => status.set("Saved pullpath-graph.svg".into()),
                Err(e) => status.set(format!("The SVG could not be saved: {e}")),
            }
        }
    };
    let download_png = move |_| {
        let doc = view_memo.with_untracked(|v| v.as_ref().map(|v| svg::render(&v.0.graph, &v.0.layout, &svg::SvgOptions::default())));
        if let Some(doc) = doc {
            let (w, h) = svg_size(&doc);
            match export::download_png("pullpath-graph.png", &doc, w, h, move |r| status.set(r.unwrap_or_else(|e| e))) {
                Ok(()) => status.set("Saving pullpath-graph.png".into()),
                Err(e) => status.set(format!("The PNG could not be saved: {e}")),
            }
        }
    };

    let all_subs = Memo::new(move |_| state.analysed.with(|a| a.as_ref().map(|a| viewport::subscriptions(&a.graph)).unwrap_or_default()));
    let findings = Memo::new(move |_| {
        state.analysed.with(|a| a.as_ref().map(|a| a.analysis.findings.iter().map(|f| format!("{}: {}", f.severity.as_str(), f.message)).collect::<Vec<_>>()).unwrap_or_default())
    });

    let far = Memo::new(move |_| !vp.get().labels_readable());
    let canvas_class = move || if far.get() { "graph-canvas far" } else { "graph-canvas" };
    let counts = move || {
        view_memo.with(|v| {
            v.as_ref().map(|v| {
                let d = &v.0;
                format!("Showing {} of {} nodes and {} of {} edges", d.graph.nodes.len(), d.total_nodes, d.graph.edges.len(), d.total_edges)
            })
        })
    };
    let canvas_label = move || {
        view_memo.with(|v| {
            v.as_ref().map(|v| {
                format!(
                    "Permission graph, {} nodes and {} edges: identities on the left, registries on the right. Arrow keys pan, plus and minus zoom, 0 fits.",
                    v.0.graph.nodes.len(),
                    v.0.graph.edges.len()
                )
            })
        })
    };
    let layout_ms = move || view_memo.with(|v| v.as_ref().map(|v| format!("{:.1}", v.0.layout_ms)));
    let big = move || view_memo.with(|v| v.as_ref().is_some_and(|v| v.0.graph.nodes.len() > KEYBOARD_ALL));
    let rich = move || view_memo.with(|v| v.as_ref().is_none_or(|v| v.0.graph.edges.len() <= RICH_EDGES));

    let bands = move || {
        view_memo.get().map(|v| {
            v.0.layout
                .bands
                .iter()
                .map(|b| {
                    view! {
                        <g class="band">
                            <rect class="band-box" x=b.x y=b.y width=b.width height=b.height rx="8"></rect>
                            <text class="band-caption" x=b.x + 8.0 y=b.y + 13.0>{b.caption.clone()}</text>
                        </g>
                    }
                })
                .collect_view()
        })
    };

    let edges = move || {
        view_memo.get().map(|v| {
            let d = v.0.clone();
            let labels: HashMap<&NodeId, &str> = d.graph.nodes.iter().map(|n| (&n.id, n.label.as_str())).collect();
            let rich = d.graph.edges.len() <= RICH_EDGES;
            d.graph
                .edges
                .iter()
                .zip(&d.layout.edges)
                .enumerate()
                .filter(|(_, (_, r))| r.points.len() >= 2)
                .map(|(i, (e, r))| {
                    let st = svg::edge_style(e.kind);
                    let stroke = svg::edge_stroke(e);
                    let path = viewport::edge_path(&r.points);
                    let cross = if st.crossed { viewport::middle(&r.points).map(viewport::cross_path) } else { None };
                    let dash = (!st.dash.is_empty()).then_some(st.dash);
                    view! {
                        <g class="edge" data-edge=i data-kind=words::edge_kind_name(e.kind) data-works=if e.works { "true" } else { "false" }>
                            <title>{edge_title(&labels, e)}</title>
                            {rich.then(|| view! { <path class="edge-hit" d=path.clone()></path> })}
                            <path class="edge-line" d=path stroke=stroke stroke-width=st.width stroke-dasharray=dash
                                marker-end=rich.then_some("url(#gv-arrow)")></path>
                            {cross.map(|c| view! { <path class="edge-cross" d=c stroke=RED stroke-width="2"></path> })}
                        </g>
                    }
                })
                .collect_view()
        })
    };

    let nodes = move || {
        view_memo.get().map(|v| {
            let d = v.0.clone();
            let opts = LayoutOptions::default();
            let small = d.graph.nodes.len() <= KEYBOARD_ALL;
            d.graph
                .nodes
                .iter()
                .zip(&d.layout.nodes)
                .enumerate()
                .map(|(i, (n, p))| {
                    let class_kind = node_class(n.kind);
                    let id = n.id.clone();
                    let selected = Memo::new(move |_| state.selection.with(|s| matches!(s, Some(Selection::Node(x)) if *x == id)));
                    let hit = Memo::new(move |_| matches.with(|m| m.binary_search(&i).is_ok()));
                    let current = move || hit.get() && matches.with(|m| m.get(cursor.get() % m.len().max(1)) == Some(&i));
                    let class = move || {
                        let mut c = format!("node kind-{class_kind}");
                        if hit.get() {
                            c.push_str(" match");
                        }
                        if current() {
                            c.push_str(" current");
                        }
                        if selected.get() {
                            c.push_str(" selected");
                        }
                        c
                    };
                    let tabindex = move || if small || hit.get() || selected.get() { "0" } else { "-1" };
                    let label = viewport::fit_label(&n.label, p.width, opts.char_width, opts.node_padding);
                    // The visible text must be a prefix of the accessible name (WCAG 2.5.3,
                    // "label in name"), so a cut label shows its "…" as three dots drawn as
                    // shapes rather than as a character the name does not contain.
                    let (shown, cut) = match label.strip_suffix('…') {
                        Some(head) => (word_cut(head), true),
                        None => (label, false),
                    };
                    let (dx, dy) = (p.x + p.width - opts.node_padding / 2.0 - 6.0, p.y + p.height / 2.0 + 2.0);
                    view! {
                        <g class=class data-node=i role="button" tabindex=tabindex aria-label=spoken(&n.label)
                            aria-pressed=move || if selected.get() { "true" } else { "false" }>
                            <title>{words::node_title(n)}</title>
                            <rect x=p.x y=p.y width=p.width height=p.height rx="5"></rect>
                            <text x=p.x + opts.node_padding / 2.0 y=p.y + p.height / 2.0 + 4.0>{shown}</text>
                            {cut.then(|| view! {
                                <g class="ellipsis" aria-hidden="true">
                                    <circle cx=dx - 4.0 cy=dy r="1.1"></circle>
                                    <circle cx=dx cy=dy r="1.1"></circle>
                                    <circle cx=dx + 4.0 cy=dy r="1.1"></circle>
                                </g>
                            })}
                        </g>
                    }
                })
                .collect_view()
        })
    };

    let selected_edges = move || {
        let sel = state.selection.get();
        view_memo.with(|v| {
            let d = &v.as_ref()?.0;
            let picked: Vec<usize> = match &sel {
                Some(Selection::Edge(o)) => d.origins.iter().position(|x| x == o).into_iter().collect(),
                Some(Selection::Access { principal_id, registry }) => {
                    let (from, to) = (NodeId::principal(principal_id), NodeId::resource(registry));
                    d.graph.edges.iter().enumerate().filter(|(_, e)| e.kind.is_access() && e.from == from && e.to == to).map(|(i, _)| i).collect()
                }
                _ => Vec::new(),
            };
            Some(picked.into_iter().filter_map(|i| d.layout.edges.get(i)).map(|r| view! { <path class="edge-selected" d=viewport::edge_path(&r.points)></path> }).collect_view())
        })
    };

    view! {
        <div class="graph-view">
            <h2 class="visually-hidden">"Graph"</h2>
            <div class="graph-toolbar" role="toolbar" aria-label="Graph view">
                <label class="graph-search">
                    <span>"Search"</span>
                    <input type="text" placeholder="name" aria-describedby="graph-search-status" on:input=on_search on:keydown=on_search_key prop:value=move || query.get()/>
                </label>
                <span id="graph-search-status" class="muted" aria-live="polite">{search_status}</span>
                <span class="spacer"></span>
                <button aria-label="Zoom in" on:click=move |_| zoom(1.25)>"+"</button>
                <button aria-label="Zoom out" on:click=move |_| zoom(0.8)>"−"</button>
                <button on:click=move |_| fit()>"Fit"</button>
                <button on:click=download_svg>"Download SVG"</button>
                <button on:click=download_png>"Download PNG"</button>
            </div>
            <div class="graph-toolbar">
                <label>
                    <span>"Depth"</span>
                    <select on:change=move |ev| {
                        if let Some(s) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()) {
                            depth.set(s.value().parse().unwrap_or(1));
                        }
                    }>
                        {[1usize, 2, 3].into_iter().map(|d| view! { <option value=d selected=move || depth.get() == d>{d}</option> }).collect_view()}
                    </select>
                </label>
                <button disabled=move || selected_node().is_none() on:click=focus_selected
                    title="Show only the selected node and its neighbours">"Focus"</button>
                <Show when=move || focus.with(Option::is_some)>
                    <button on:click=move |_| focus.set(None)>"Show all"</button>
                </Show>
                <label>
                    <span>"Finding"</span>
                    <select on:change=move |ev| {
                        if let Some(s) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()) {
                            finding.set(s.value().parse().ok());
                        }
                    }>
                        <option value="" selected=move || finding.get().is_none()>"All"</option>
                        {move || findings.get().into_iter().enumerate().map(|(i, f)| view! {
                            <option value=i selected=move || finding.get() == Some(i)>{f}</option>
                        }).collect_view()}
                    </select>
                </label>
                <span class="muted">{counts}</span>
            </div>
            <details class="graph-filters">
                <summary>"Filters"</summary>
                <label class="check"><input type="checkbox" prop:checked=move || used_only.get()
                    on:change=move |ev| used_only.set(event_target_checked(&ev))/>
                    "Only pulls actually used (by environments, builds and deployments)"</label>
                <fieldset>
                    <legend>"Access kind"</legend>
                    {EDGE_KINDS.into_iter().map(|k| view! {
                        <label class="check">
                            <input type="checkbox" prop:checked=move || !hidden_kinds.with(|h| h.contains(&k))
                                on:change=move |_| hidden_kinds.update(|h| if let Some(p) = h.iter().position(|x| *x == k) { h.remove(p); } else { h.push(k); })/>
                            {words::edge_kind(k)}
                        </label>
                    }).collect_view()}
                </fieldset>
                <fieldset>
                    <legend>"Subscription"</legend>
                    {move || all_subs.get().into_iter().map(|s| {
                        let s2 = s.clone();
                        let s3 = s.clone();
                        view! {
                            <label class="check">
                                <input type="checkbox" prop:checked=move || !hidden_subs.with(|h| h.contains(&s2))
                                    on:change=move |_| { let s = s3.clone(); hidden_subs.update(move |h| if let Some(p) = h.iter().position(|x| *x == s) { h.remove(p); } else { h.push(s); }) }/>
                                <span class="id">{s}</span>
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
            </details>
            <Show when=big>
                <p class="graph-note">"This graph is large: Tab reaches only search matches and the selection. Search by name to reach a node, or use the Matrix tab for a table of the same access."</p>
            </Show>
            <div id=FRAME_ID class="graph-frame">
            <svg id=CANVAS_ID class=canvas_class tabindex="0" role="group" aria-label=canvas_label data-layout-ms=layout_ms
                on:pointerdown=on_down on:pointermove=on_move on:pointerup=on_up on:pointercancel=on_cancel
                on:wheel=on_wheel on:keydown=on_key>
                <defs>
                    <marker id="gv-arrow" viewBox="0 0 8 8" refX="8" refY="4" markerUnits="userSpaceOnUse" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
                        <path d="M0 0L8 4L0 8z" fill="context-stroke"></path>
                    </marker>
                </defs>
                <g class="graph-world" transform=move || vp.get().transform()>
                    <g class="bands">{bands}</g>
                    <g class="edges" fill="none" class:plain=move || !rich()>{edges}</g>
                    <g class="edges-selected" fill="none">{selected_edges}</g>
                    <g class="nodes">{nodes}</g>
                    {move || band.get().map(|(x1, y1, x2, y2)| view! { <line class="rubber-band" x1=x1 y1=y1 x2=x2 y2=y2></line> })}
                </g>
            </svg>
            </div>
            <p class="graph-status" role="status">{move || status.get()}</p>
            <Show when=move || !rich()>
                <p class="graph-note">"So many edges are drawn without dash patterns or arrowheads (inherited and missing paths are lighter instead), which keeps panning smooth. Focus on a node or filter the view to see every line style."</p>
            </Show>
            <Legend/>
        </div>
    }
}

/// The line styles, with the same strokes as the export's legend.
#[component]
fn Legend() -> impl IntoView {
    view! {
        <ul class="graph-legend" aria-label="Legend: line styles">
            {svg::LEGEND.into_iter().map(|k| {
                let st = svg::edge_style(k);
                let dash = (!st.dash.is_empty()).then_some(st.dash);
                view! {
                    <li>
                        <svg width="40" height="12" aria-hidden="true">
                            <path d="M2 6L38 6" stroke=st.stroke stroke-width=st.width stroke-dasharray=dash fill="none"></path>
                            {st.crossed.then(|| view! { <path d="M16 2L24 10M16 10L24 2" stroke=RED stroke-width="2"></path> })}
                        </svg>
                        <span>{st.meaning}</span>
                    </li>
                }
            }).collect_view()}
            {words::NODE_KINDS.into_iter().filter(|k| *k != NodeKind::Anyone).map(|k| view! {
                <li><span class=format!("swatch-node kind-{}", node_class(k))></span>{words::node_kind(k)}</li>
            }).collect_view()}
            <li>"Drag from an identity to a registry to plan a pull grant."</li>
        </ul>
    }
}

/// A node's accessible name: its label with the parenthesis turned into a pause. Checkers of
/// "label in name" (WCAG 2.5.3) drop parenthesised words from the name but not from a cut
/// visible label ("mlw-prod (workspace system…"), so the name must carry them as plain words.
fn spoken(label: &str) -> String {
    label.replace(" (", ", ").replace('(', ", ").replace(')', "")
}

/// A cut label ends at a whole token (letters and digits), so every word shown is a word of
/// the name; only the token the cut fell in is dropped ("user bbbbbbbb-0000-00" → "user
/// bbbbbbbb-0000"), never everything after the first space.
fn word_cut(head: &str) -> String {
    match head.rfind(|c: char| !c.is_alphanumeric()) {
        Some(i) if i > 0 => head[..i].trim_end_matches(|c: char| !c.is_alphanumeric()).to_string(),
        _ => head.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::svg_size;

    #[test]
    fn cut_labels_end_at_a_whole_token() {
        assert_eq!(super::word_cut("mlw-prod (workspace system identi"), "mlw-prod (workspace system");
        assert_eq!(super::word_cut("user bbbbbbbb-0000-0000-00"), "user bbbbbbbb-0000-0000");
        assert_eq!(super::word_cut("averyveryverylongname"), "averyveryverylongname");
    }

    #[test]
    fn svg_size_reads_the_root_element() {
        assert_eq!(svg_size("<?xml?>\n<svg xmlns=\"x\" width=\"1240\" height=\"380.5\" viewBox=\"0 0 1 1\">"), (1240.0, 380.5));
        assert_eq!(svg_size("nothing"), (800.0, 800.0));
        assert_eq!(svg_size("<svg width=\"-5\" height=\"1e3\">"), (800.0, 800.0));
        for text in ["0", "7", "380.5", "1240.25", "0.1", "123.456789012345", "99999.99"] {
            assert_eq!(super::decimal(text), text.parse::<f64>().ok(), "{text}");
        }
    }
}

