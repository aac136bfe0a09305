//! Where each node and edge of the permission graph goes: a deterministic layered
//! (Sugiyama-style) layout with identities on the left, registries on the right and the
//! workspaces, computes, clusters and connections that explain a path in between.
//!
//! Pipeline: column by node kind (not a generic longest path, so a registry is always
//! rightmost however the edges run) → long edges split into dummy points, one per column they
//! cross → barycenter sweeps that keep the ordering with the fewest crossings → vertical
//! positions by constrained least squares (pool-adjacent-violators), so nodes sit near their
//! neighbours without overlapping → polyline routes with ports spread along each node side.
//! Plain numbers in, plain numbers out: no clock, no randomness; ties break on node ids, so
//! the same graph in any order gives the same picture.
//!
//! Not here: what the graph holds (`graph`), drawing it (the web app, or [`svg`] for export),
//! choosing what to show ([`filter`], [`neighbourhood`] live in `view`).

pub mod svg;
pub mod synthetic;
pub mod viewport;
mod view;

use std::cmp::Ordering;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::access::IdentityKind;
use crate::graph::{EdgeKind, Graph, Node, NodeId, NodeKind};

pub use view::{around, filter, neighbourhood, Filter};

/// Sizes and spacing, in CSS pixels. The defaults suit the dashboard's 13 px sans-serif labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LayoutOptions {
    pub node_height: f64,
    /// Average advance of one label character; node width follows the label's length.
    pub char_width: f64,
    /// Horizontal padding inside a node, both sides together.
    pub node_padding: f64,
    pub min_node_width: f64,
    /// Longer labels are cut to fit (the full text stays in the tooltip).
    pub max_node_width: f64,
    /// Vertical space between two nodes in a column.
    pub node_gap: f64,
    /// Vertical space an edge passing through a column takes.
    pub edge_gap: f64,
    /// Extra space between two identity groups, room for the group's caption.
    pub group_gap: f64,
    /// Horizontal space between columns, where edges bend.
    pub column_gap: f64,
    pub margin: f64,
    /// Crossing-reduction sweeps (each one left-to-right and back). Bounded, so a huge graph
    /// costs a known amount of time; 4 is where extra sweeps stop paying on real tenants.
    pub sweeps: usize,
}

impl Default for LayoutOptions {
    fn default() -> Self {
        LayoutOptions {
            node_height: 28.0,
            char_width: 7.0,
            node_padding: 20.0,
            min_node_width: 72.0,
            max_node_width: 260.0,
            node_gap: 10.0,
            edge_gap: 4.0,
            group_gap: 30.0,
            column_gap: 140.0,
            margin: 20.0,
            sweeps: 4,
        }
    }
}

/// The columns, left to right. Identities first because the question the graph answers starts
/// from "who"; registries last because it ends at "can pull from where".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Column {
    Identity,
    Cluster,
    /// Computes and connections: the things that act as an identity inside a workspace (and
    /// the environments whose images they pull).
    Compute,
    Workspace,
    Registry,
}

impl Column {
    pub fn of(kind: NodeKind) -> Column {
        match kind {
            NodeKind::Identity | NodeKind::Anyone => Column::Identity,
            NodeKind::ManagedCluster => Column::Cluster,
            NodeKind::Compute | NodeKind::Connection | NodeKind::Endpoint | NodeKind::ContainerGroup | NodeKind::Environment => Column::Compute,
            NodeKind::Workspace => Column::Workspace,
            NodeKind::Registry => Column::Registry,
        }
    }
}

/// What an identity belongs to; identities are stacked group by group, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum IdentityGroup {
    Workspace,
    Compute,
    Cluster,
    /// User-assigned identities, also those a connection uses.
    UserAssigned,
    /// Users, groups, service principals and principals of unknown type.
    Principal,
    Anyone,
}

impl IdentityGroup {
    /// The group of an identity of this kind when no resource acting as it says more.
    pub fn of(kind: IdentityKind) -> IdentityGroup {
        match kind {
            IdentityKind::UserAssigned => IdentityGroup::UserAssigned,
            IdentityKind::ComputeSystem | IdentityKind::EndpointSystem | IdentityKind::ContainerGroupSystem => IdentityGroup::Compute,
            IdentityKind::AksKubelet | IdentityKind::AksCluster => IdentityGroup::Cluster,
            IdentityKind::WorkspaceSystem => IdentityGroup::Workspace,
            IdentityKind::RegistrySystem | IdentityKind::User | IdentityKind::Group | IdentityKind::ServicePrincipal | IdentityKind::Unknown => IdentityGroup::Principal,
        }
    }

    pub fn caption(self) -> &'static str {
        match self {
            IdentityGroup::Workspace => "workspace identities",
            IdentityGroup::Compute => "compute identities",
            IdentityGroup::Cluster => "AKS identities",
            IdentityGroup::UserAssigned => "user-assigned identities",
            IdentityGroup::Principal => "users, groups and service principals",
            IdentityGroup::Anyone => "anyone (anonymous pull)",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

/// A node's box: `x`, `y` is the top-left corner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Placed {
    pub id: NodeId,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub column: Column,
}

/// An edge's route: a polyline from the `from` node's border to the `to` node's border. Its
/// segments between columns are meant to be drawn as cubic curves with horizontal tangents
/// (as [`svg::render`] does); segments inside a column are horizontal and clear of nodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Routed {
    /// Index into the graph's `edges`.
    pub edge: usize,
    pub from: NodeId,
    pub to: NodeId,
    pub points: Vec<Point>,
}

/// The box around one group of identities, with its caption's place at the top.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Band {
    pub group: IdentityGroup,
    pub caption: String,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

/// A laid-out graph. `nodes[i]` places `graph.nodes[i]`, `edges[i]` routes `graph.edges[i]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    pub nodes: Vec<Placed>,
    pub edges: Vec<Routed>,
    pub bands: Vec<Band>,
    pub width: f64,
    pub height: f64,
}

/// The group an identity node belongs to: the kind of resource that acts as it, else its own
/// kind of principal (`Node::identity`).
pub fn identity_group(graph: &Graph, node: usize) -> IdentityGroup {
    identity_groups(graph, &index_of(graph))[node].unwrap_or(IdentityGroup::Principal)
}

fn index_of(graph: &Graph) -> HashMap<&NodeId, usize> {
    graph.nodes.iter().enumerate().map(|(i, n)| (&n.id, i)).collect()
}

fn identity_groups(graph: &Graph, index: &HashMap<&NodeId, usize>) -> Vec<Option<IdentityGroup>> {
    let mut groups: Vec<Option<IdentityGroup>> = graph.nodes.iter().map(own_group).collect();
    // The resource acting as an identity says more than the label: a user-assigned identity
    // on a compute belongs with the compute. Compute beats cluster beats workspace, so the
    // most specific owner wins whatever the edge order.
    let mut owner: Vec<Option<IdentityGroup>> = vec![None; graph.nodes.len()];
    for e in graph.edges.iter().filter(|e| e.kind == EdgeKind::ActsAs) {
        let (Some(&from), Some(&to)) = (index.get(&e.from), index.get(&e.to)) else { continue };
        if graph.nodes[to].kind != NodeKind::Identity {
            continue;
        }
        let g = match graph.nodes[from].kind {
            NodeKind::Compute => IdentityGroup::Compute,
            NodeKind::ManagedCluster => IdentityGroup::Cluster,
            NodeKind::Workspace => IdentityGroup::Workspace,
            NodeKind::Connection => IdentityGroup::UserAssigned,
            NodeKind::Endpoint | NodeKind::ContainerGroup => IdentityGroup::Compute,
            _ => continue,
        };
        let rank = |g: IdentityGroup| match g {
            IdentityGroup::Compute => 0,
            IdentityGroup::Cluster => 1,
            IdentityGroup::Workspace => 2,
            _ => 3,
        };
        if owner[to].is_none_or(|o| rank(g) < rank(o)) {
            owner[to] = Some(g);
        }
    }
    for (g, o) in groups.iter_mut().zip(owner) {
        if g.is_some() && o.is_some() {
            *g = o;
        }
    }
    groups
}

/// A node's group from its own data: anyone's, or an identity's by its kind of principal (one
/// of unknown kind is a principal).
fn own_group(n: &Node) -> Option<IdentityGroup> {
    match n.kind {
        NodeKind::Anyone => Some(IdentityGroup::Anyone),
        NodeKind::Identity => Some(n.identity.map_or(IdentityGroup::Principal, IdentityGroup::of)),
        _ => None,
    }
}

/// One entry in a column: a node, or the point where a long edge crosses the column.
#[derive(Debug, Clone)]
struct Item {
    column: usize,
    /// The node, for a real item.
    node: Option<usize>,
    height: f64,
    /// Identity group, for stacking and for the gap between groups.
    group: Option<IdentityGroup>,
    /// Tie-break key that does not depend on input order: node rank by id, or for a dummy
    /// `nodes + edge rank` (then the chain position keeps dummies of one edge apart).
    key: usize,
}

/// Lays the graph out. Cost: O((V + E·C) · log V · sweeps) for C columns, i.e. linear-ish in
/// the edges; the 2,000-node / 10,000-edge benchmark graph takes tens of milliseconds natively.
pub fn layout(graph: &Graph, opts: &LayoutOptions) -> Layout {
    let index = index_of(graph);
    let groups = identity_groups(graph, &index);

    // Columns present in this graph, compacted so an empty column leaves no hole.
    let mut used = [false; 5];
    for n in &graph.nodes {
        used[Column::of(n.kind) as usize] = true;
    }
    let mut col_of_kind = [0usize; 5];
    let mut next = 0;
    for c in 0..5 {
        col_of_kind[c] = next;
        if used[c] {
            next += 1;
        }
    }
    let columns = next.max(1);

    let node_rank = ranks(graph.nodes.len(), |a, b| graph.nodes[a].id.cmp(&graph.nodes[b].id));
    // Edges rank by their ends' ranks first: integer compares, strings only on ties (the
    // ids share long prefixes, and comparing them dominated the whole layout).
    let end_rank = |id: &NodeId| index.get(id).map(|&i| node_rank[i]).unwrap_or(usize::MAX);
    let edge_ends: Vec<(usize, usize)> = graph.edges.iter().map(|e| (end_rank(&e.from), end_rank(&e.to))).collect();
    let edge_rank = ranks(graph.edges.len(), |a, b| {
        let (x, y) = (&graph.edges[a], &graph.edges[b]);
        edge_ends[a].cmp(&edge_ends[b]).then_with(|| (x.kind as u8, &x.label, x.works, &x.from, &x.to).cmp(&(y.kind as u8, &y.label, y.works, &y.from, &y.to)))
    });

    let mut items: Vec<Item> = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| Item { column: col_of_kind[Column::of(n.kind) as usize], node: Some(i), height: opts.node_height, group: groups[i], key: node_rank[i] })
        .collect();

    // Each edge becomes a chain of items, left column to right; `reversed` when the edge
    // points right to left (a compute acting as an identity).
    struct Chain {
        items: Vec<usize>,
        reversed: bool,
    }
    let mut chains: Vec<Option<Chain>> = Vec::with_capacity(graph.edges.len());
    for (ei, e) in graph.edges.iter().enumerate() {
        let (Some(&a), Some(&b)) = (index.get(&e.from), index.get(&e.to)) else {
            chains.push(None);
            continue;
        };
        let (ca, cb) = (items[a].column, items[b].column);
        let (l, r, reversed) = if ca <= cb { (a, b, false) } else { (b, a, true) };
        let mut chain = vec![l];
        for c in items[l].column + 1..items[r].column {
            chain.push(items.len());
            items.push(Item { column: c, node: None, height: 0.0, group: None, key: graph.nodes.len() + edge_rank[ei] });
        }
        chain.push(r);
        chains.push(Some(Chain { items: chain, reversed }));
    }

    // Adjacency between neighbouring columns, and the segments crossing each gap.
    let mut left: Vec<Vec<usize>> = vec![Vec::new(); items.len()];
    let mut right: Vec<Vec<usize>> = vec![Vec::new(); items.len()];
    for ch in chains.iter().flatten() {
        for w in ch.items.windows(2) {
            if items[w[0]].column != items[w[1]].column {
                right[w[0]].push(w[1]);
                left[w[1]].push(w[0]);
            }
        }
    }

    // Sums over neighbours run in this order, so floating-point results do not depend on
    // the input's edge order.
    for adj in left.iter_mut().chain(right.iter_mut()) {
        crate::sort::sort_by_key(adj, |&j| (items[j].key, items[j].column));
    }

    // Initial order: identities by group, then everything by label and id.
    let mut order: Vec<Vec<usize>> = vec![Vec::new(); columns];
    for (i, it) in items.iter().enumerate() {
        order[it.column].push(i);
    }
    let label_rank = ranks(graph.nodes.len(), |a, b| graph.nodes[a].label.cmp(&graph.nodes[b].label).then(node_rank[a].cmp(&node_rank[b])));
    let label_key = |i: usize| items[i].node.map(|n| label_rank[n]).unwrap_or(0);
    for col in order.iter_mut() {
        crate::sort::sort_by_key(col, |&i| (items[i].group, label_key(i), items[i].key, i));
    }
    let mut pos = vec![0usize; items.len()];
    let set_pos = |order: &[Vec<usize>], pos: &mut [usize]| {
        for col in order {
            for (p, &i) in col.iter().enumerate() {
                pos[i] = p;
            }
        }
    };
    set_pos(&order, &mut pos);

    // Crossing reduction: barycenter sweeps, keeping the best ordering seen.
    let mut best = order.clone();
    let mut best_crossings = crossings(&order, &right, &pos);
    for _ in 0..opts.sweeps {
        for col in order.iter_mut().skip(1) {
            reorder(col, &left, &items, &mut pos);
        }
        for col in order.iter_mut().rev().skip(1) {
            reorder(col, &right, &items, &mut pos);
        }
        let k = crossings(&order, &right, &pos);
        if k < best_crossings {
            best_crossings = k;
            best = order.clone();
        }
        if k == 0 {
            break;
        }
    }
    let order = best;
    set_pos(&order, &mut pos);

    // Widths and column x positions.
    let widths: Vec<f64> = graph.nodes.iter().map(|n| node_width(&n.label, opts)).collect();
    let mut col_width = vec![opts.min_node_width; columns];
    for (i, w) in widths.iter().enumerate() {
        let c = items[i].column;
        col_width[c] = col_width[c].max(*w);
    }
    let mut col_x = vec![opts.margin; columns];
    for c in 1..columns {
        col_x[c] = col_x[c - 1] + col_width[c - 1] + opts.column_gap;
    }

    // Vertical positions: pack, then pull each column toward its neighbours a few times.
    let gap = |a: &Item, b: &Item| -> f64 {
        match (a.node, b.node) {
            (Some(_), Some(_)) if a.group != b.group => opts.group_gap + opts.node_gap,
            (Some(_), Some(_)) => opts.node_gap,
            _ => opts.edge_gap,
        }
    };
    let mut y = vec![0.0f64; items.len()];
    for col in &order {
        let mut at = 0.0;
        for (k, &i) in col.iter().enumerate() {
            if k > 0 {
                at += gap(&items[col[k - 1]], &items[i]);
            }
            y[i] = at;
            at += items[i].height;
        }
    }
    // Start from the tallest column: it cannot move much, and the others centre on it.
    let centre = |i: usize, y: &[f64]| y[i] + items[i].height / 2.0;
    let passes: [Side; 5] = [Side::Left, Side::Right, Side::Left, Side::Right, Side::Both];
    for side in passes {
        let cols: Vec<usize> = match side {
            Side::Left => (1..columns).collect(),
            Side::Right => (0..columns.saturating_sub(1)).rev().collect(),
            Side::Both => (0..columns).collect(),
        };
        for c in cols {
            let col = &order[c];
            let mut desired = Vec::with_capacity(col.len());
            let mut weight = Vec::with_capacity(col.len());
            for &i in col {
                let ns: &mut dyn Iterator<Item = &usize> = match side {
                    Side::Left => &mut left[i].iter(),
                    Side::Right => &mut right[i].iter(),
                    Side::Both => &mut left[i].iter().chain(right[i].iter()),
                };
                let (mut sum, mut n) = (0.0, 0usize);
                for &j in ns {
                    sum += centre(j, &y);
                    n += 1;
                }
                if n == 0 {
                    // Nothing pulls it: stay put, gently.
                    desired.push(y[i]);
                    weight.push(0.25);
                } else {
                    desired.push(sum / n as f64 - items[i].height / 2.0);
                    weight.push(n as f64);
                }
            }
            let mut seps = Vec::with_capacity(col.len());
            for k in 1..col.len() {
                seps.push(items[col[k - 1]].height + gap(&items[col[k - 1]], &items[col[k]]));
            }
            let placed = isotonic(&desired, &weight, &seps);
            for (k, &i) in col.iter().enumerate() {
                y[i] = placed[k];
            }
        }
    }

    // Identity group bands, measured before the final shift.
    let band_top = opts.group_gap * 0.6;
    let band_bottom = opts.group_gap * 0.2;
    let mut bands: Vec<Band> = Vec::new();
    if let Some(col) = order.first() {
        for &i in col {
            let Some(g) = items[i].group else { continue };
            let (top, bottom) = (y[i], y[i] + items[i].height);
            match bands.last_mut() {
                Some(b) if b.group == g => b.height = bottom + band_bottom - b.y,
                _ => bands.push(Band { group: g, caption: g.caption().to_string(), x: 0.0, y: top - band_top, width: 0.0, height: bottom + band_bottom - (top - band_top) }),
            }
        }
    }

    // Shift so the topmost thing sits at the margin.
    let mut min_y = y.iter().copied().fold(f64::INFINITY, f64::min);
    for b in &bands {
        min_y = min_y.min(b.y);
    }
    if !min_y.is_finite() {
        min_y = 0.0;
    }
    let dy = opts.margin - min_y;
    for v in y.iter_mut() {
        *v += dy;
    }
    for b in bands.iter_mut() {
        b.y += dy;
        b.x = col_x[0] - opts.margin / 2.0;
        b.width = col_width[0] + opts.margin;
    }

    let nodes: Vec<Placed> = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let c = items[i].column;
            Placed { id: n.id.clone(), x: col_x[c] + (col_width[c] - widths[i]) / 2.0, y: y[i], width: widths[i], height: opts.node_height, column: Column::of(n.kind) }
        })
        .collect();

    let edges = route(graph, &chains.iter().map(|c| c.as_ref().map(|c| (c.items.as_slice(), c.reversed))).collect::<Vec<_>>(), &items, &nodes, &y, &col_x, &col_width, opts);

    let mut width = col_x[columns - 1] + col_width[columns - 1] + opts.margin;
    let mut height = opts.margin;
    for n in &nodes {
        height = height.max(n.y + n.height + opts.margin);
    }
    for b in &bands {
        height = height.max(b.y + b.height + opts.margin);
    }
    for r in &edges {
        for p in &r.points {
            width = width.max(p.x + opts.margin);
            height = height.max(p.y + opts.margin);
        }
    }
    Layout { nodes, edges, bands, width, height }
}

#[derive(Clone, Copy)]
enum Side {
    Left,
    Right,
    Both,
}

/// Width from the label's length, within the configured bounds.
pub fn node_width(label: &str, opts: &LayoutOptions) -> f64 {
    (label.chars().count() as f64 * opts.char_width + opts.node_padding).clamp(opts.min_node_width, opts.max_node_width.max(opts.min_node_width))
}

/// `ranks[i]` = place of item `i` when sorted by `cmp` (ties by index).
fn ranks(n: usize, cmp: impl Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    crate::sort::sort_by(&mut idx, |&a, &b| cmp(a, b).then(a.cmp(&b)));
    let mut r = vec![0; n];
    for (k, i) in idx.into_iter().enumerate() {
        r[i] = k;
    }
    r
}

/// Sorts one column by the barycenter of each item's neighbours on one side. Items without
/// neighbours keep their place; identity groups stay together (group is the first key).
fn reorder(col: &mut [usize], adj: &[Vec<usize>], items: &[Item], pos: &mut [usize]) {
    let mut keyed: Vec<(Option<IdentityGroup>, f64, usize, usize)> = col
        .iter()
        .map(|&i| {
            let ns = &adj[i];
            let bary = if ns.is_empty() { pos[i] as f64 } else { ns.iter().map(|&j| pos[j] as f64).sum::<f64>() / ns.len() as f64 };
            (items[i].group, bary, items[i].key, i)
        })
        .collect();
    crate::sort::sort_by(&mut keyed, |a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)).then(a.3.cmp(&b.3)));
    for (p, k) in keyed.iter().enumerate() {
        col[p] = k.3;
        pos[k.3] = p;
    }
}

/// Edge crossings between every pair of neighbouring columns (Barth, Jünger, Mutzel:
/// sort segments by their left end, count inversions of the right ends with a Fenwick tree).
fn crossings(order: &[Vec<usize>], right: &[Vec<usize>], pos: &[usize]) -> u64 {
    let mut total = 0u64;
    for c in 0..order.len().saturating_sub(1) {
        let n_right = order[c + 1].len();
        let mut segs: Vec<usize> = Vec::new();
        // `order[c]` is already in position order, so right ends come out sorted by left end.
        for &i in &order[c] {
            let start = segs.len();
            segs.extend(right[i].iter().map(|&j| pos[j]));
            crate::sort::sort_unstable(&mut segs[start..]);
        }
        let mut tree = vec![0u64; n_right + 1];
        for (seen, &p) in segs.iter().enumerate() {
            // Segments already seen that end strictly below this one cross it.
            let mut le = 0u64;
            let mut k = p + 1;
            while k > 0 {
                le += tree[k];
                k &= k - 1;
            }
            total += seen as u64 - le;
            let mut k = p + 1;
            while k <= n_right {
                tree[k] += 1;
                k += k & k.wrapping_neg();
            }
        }
    }
    total
}

/// Positions `y` minimising Σ wᵢ(yᵢ − dᵢ)² subject to yᵢ₊₁ ≥ yᵢ + sepᵢ: substitute
/// zᵢ = yᵢ − offsetᵢ to turn it into isotonic regression, solved by pool-adjacent-violators
/// in linear time.
fn isotonic(desired: &[f64], weight: &[f64], seps: &[f64]) -> Vec<f64> {
    let n = desired.len();
    let mut offset = vec![0.0; n];
    for k in 1..n {
        offset[k] = offset[k - 1] + seps[k - 1];
    }
    // Blocks of (weighted mean, total weight, count).
    let mut blocks: Vec<(f64, f64, usize)> = Vec::with_capacity(n);
    for k in 0..n {
        let mut b = (desired[k] - offset[k], weight[k], 1usize);
        while let Some(&last) = blocks.last() {
            if last.0 <= b.0 {
                break;
            }
            blocks.pop();
            let w = last.1 + b.1;
            b = ((last.0 * last.1 + b.0 * b.1) / w, w, last.2 + b.2);
        }
        blocks.push(b);
    }
    let mut out = Vec::with_capacity(n);
    for (m, _, count) in blocks {
        for _ in 0..count {
            let k = out.len();
            out.push(m + offset[k]);
        }
    }
    out
}

/// Polylines for every edge, with each node's ports spread along its side in the order of
/// where the edges go next, so edges leaving one node do not cross right at the node.
#[allow(clippy::too_many_arguments)]
fn route(graph: &Graph, chains: &[Option<(&[usize], bool)>], items: &[Item], nodes: &[Placed], y: &[f64], col_x: &[f64], col_width: &[f64], opts: &LayoutOptions) -> Vec<Routed> {
    let centre = |i: usize| y[i] + items[i].height / 2.0;
    // For every real node side, the edge ends on it: (edge, next point's y, tie-break key).
    let mut ends_right: Vec<Vec<(usize, f64, usize)>> = vec![Vec::new(); nodes.len()];
    let mut ends_left: Vec<Vec<(usize, f64, usize)>> = vec![Vec::new(); nodes.len()];
    for (ei, ch) in chains.iter().enumerate() {
        let Some((ch, _)) = ch else { continue };
        let (first, last) = (ch[0], ch[ch.len() - 1]);
        let (Some(a), Some(b)) = (items[first].node, items[last].node) else { continue };
        if items[first].column == items[last].column {
            continue;
        }
        let (next, prev) = (ch[1], ch[ch.len() - 2]);
        ends_right[a].push((ei, centre(next), items[next].key));
        ends_left[b].push((ei, centre(prev), items[prev].key));
    }
    // `start_y[e]`: where edge `e` leaves its left node; `end_y[e]`: where it enters its right one.
    let mut start_y = vec![0.0; graph.edges.len()];
    let mut end_y = vec![0.0; graph.edges.len()];
    for (sides, out) in [(&mut ends_right, &mut start_y), (&mut ends_left, &mut end_y)] {
        for (n, ends) in sides.iter_mut().enumerate() {
            crate::sort::sort_by(ends, |a, b| a.1.total_cmp(&b.1).then(a.2.cmp(&b.2)).then(a.0.cmp(&b.0)));
            let k = ends.len() as f64;
            for (slot, &(ei, _, _)) in ends.iter().enumerate() {
                out[ei] = nodes[n].y + nodes[n].height * (slot as f64 + 1.0) / (k + 1.0);
            }
        }
    }
    let mut out = Vec::with_capacity(graph.edges.len());
    for (ei, e) in graph.edges.iter().enumerate() {
        let mut points = Vec::new();
        if let Some((ch, reversed)) = chains[ei] {
            let (first, last) = (ch[0], ch[ch.len() - 1]);
            // Chains start and end at real nodes, whose item index is the node index.
            let (a, b) = (first, last);
            if items[first].column == items[last].column {
                let ya = nodes[a].y + nodes[a].height / 2.0;
                let yb = nodes[b].y + nodes[b].height / 2.0;
                let xa = nodes[a].x + nodes[a].width;
                let xb = nodes[b].x + nodes[b].width;
                let c = items[first].column;
                let bulge = col_x[c] + col_width[c] + opts.column_gap / 4.0;
                let (ya, yb) = if a == b { (ya - nodes[a].height / 4.0, yb + nodes[b].height / 4.0) } else { (ya, yb) };
                points.push(Point { x: xa, y: ya });
                points.push(Point { x: bulge, y: (ya + yb) / 2.0 });
                points.push(Point { x: xb, y: yb });
            } else {
                points.push(Point { x: nodes[a].x + nodes[a].width, y: start_y[ei] });
                for &d in &ch[1..ch.len() - 1] {
                    let c = items[d].column;
                    points.push(Point { x: col_x[c], y: y[d] });
                    points.push(Point { x: col_x[c] + col_width[c], y: y[d] });
                }
                points.push(Point { x: nodes[b].x, y: end_y[ei] });
            }
            if reversed {
                points.reverse();
            }
        }
        out.push(Routed { edge: ei, from: e.from.clone(), to: e.to.clone(), points });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isotonic_keeps_order_and_separation() {
        // Three nodes wanting the same spot spread around it, 10 apart.
        let y = isotonic(&[5.0, 5.0, 5.0], &[1.0, 1.0, 1.0], &[10.0, 10.0]);
        assert_eq!(y, vec![-5.0, 5.0, 15.0]);
        // Already apart: nobody moves.
        let y = isotonic(&[0.0, 50.0], &[1.0, 1.0], &[10.0]);
        assert_eq!(y, vec![0.0, 50.0]);
    }

    #[test]
    fn crossings_counts_each_pair_once() {
        // Items 0,1 in column 0; 2,3 in column 1; edges 0→3 and 1→2 cross once.
        let order = vec![vec![0, 1], vec![2, 3]];
        let right = vec![vec![3], vec![2], vec![], vec![]];
        let pos = vec![0, 1, 0, 1];
        assert_eq!(crossings(&order, &right, &pos), 1);
        let right = vec![vec![2], vec![3], vec![], vec![]];
        assert_eq!(crossings(&order, &right, &pos), 0);
    }
}
