//! Snapshot documents: the JSON a user exports with `az` (or pullpath writes) and the
//! [`Inventory`] analysis reads.
//!
//! Accepts `{"resources": [...]}`, an ARM list page `{"value": [...]}`, a Resource Graph
//! response `{"data": [...]}` (object rows, or the `{columns, rows}` table form), a bare array,
//! and any of those nested inside the list, so the outputs of several `az` commands can be
//! concatenated; a UTF-8 byte-order mark in front is ignored. Resources pullpath cannot read
//! become diagnostics; only a document that is not JSON, not a list at all, or larger than
//! [`Limits`] allow is an error. A file someone was sent costs at most what [`Limits`] say: lists
//! are flattened by moving their items, never by copying them, nesting is bounded, and so is
//! the number of resources. Microsoft Graph directory objects (an `@odata.type` where ARM has
//! `type`), as `getByIds` and `transitiveMembers` return them, are read into the inventory's
//! `directory`; a later copy of an object adds what the first lacked. Not here: what the
//! resources mean (`access`).

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use crate::inventory::{Diagnostic, Inventory, Json, Slot};
use crate::request::ResourceKind;

#[cfg(not(target_arch = "wasm32"))]
mod text;

/// What one snapshot document may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of text; a larger document is refused before it is parsed.
    pub max_bytes: usize,
    /// Lists inside lists (`{"resources": [{"value": [...]}]}` is two deep); deeper lists are
    /// skipped with a diagnostic.
    pub max_depth: usize,
    /// Resources read; the rest are skipped with a diagnostic.
    pub max_resources: usize,
}

impl Default for Limits {
    /// Far beyond any tenant pullpath is meant for (the generated "large" tenant is a few tens
    /// of megabytes), far below what would exhaust a browser tab.
    fn default() -> Limits {
        Limits { max_bytes: 512 << 20, max_depth: 16, max_resources: 2_000_000 }
    }
}

/// Why a snapshot could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    #[error("the snapshot is not valid JSON: {message} at line {line}, column {column}")]
    Json { line: usize, column: usize, message: String },
    #[error(
        "the snapshot is {found}; expected {{\"resources\": [...]}}, an ARM list {{\"value\": [...]}}, a Resource Graph response {{\"data\": [...]}} or an array of ARM resources"
    )]
    Shape { found: String },
    #[error("the snapshot is {bytes} bytes; pullpath reads snapshots of at most {max} bytes: split it into several files, one per subscription")]
    TooLarge { bytes: usize, max: usize },
}

/// Reads a snapshot document into an inventory, with diagnostics for what it skipped.
pub fn parse(text: &str) -> Result<(Inventory, Vec<Diagnostic>), SnapshotError> {
    parse_with(text, Limits::default())
}

/// [`parse`] within other limits.
pub fn parse_with(text: &str, limits: Limits) -> Result<(Inventory, Vec<Diagnostic>), SnapshotError> {
    let text = within(text, limits)?;
    #[cfg(not(target_arch = "wasm32"))]
    let items = text::document(text)?;
    #[cfg(target_arch = "wasm32")]
    let items = value_document(text)?;
    // Role assignments repeat the same role definitions and scopes: each distinct id is
    // parsed once (`id::shared`).
    Ok(crate::id::shared::sharing(|| read_items(items, limits)))
}

/// [`parse_with`] through a `serde_json::Value` of the whole document, as the browser reads
/// snapshots (see [`value_document`]); natively only for tests that compare the two readers.
#[doc(hidden)]
pub fn parse_via_value(text: &str, limits: Limits) -> Result<(Inventory, Vec<Diagnostic>), SnapshotError> {
    let items = value_document(within(text, limits)?)?;
    Ok(crate::id::shared::sharing(|| read_items(items, limits)))
}

/// The document's JSON: without a byte-order mark (Windows tools, PowerShell's `Out-File` and
/// Notepad, write one; JSON has none), and refused when larger than the limits allow.
fn within(text: &str, limits: Limits) -> Result<&str, SnapshotError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.len() > limits.max_bytes {
        return Err(SnapshotError::TooLarge { bytes: text.len(), max: limits.max_bytes });
    }
    Ok(text)
}

/// The document's items, read as one `Value` tree. In the browser: reading the text without
/// building it (`text`) would compile a second JSON reader for every model next to the `Value`
/// reader the scan needs, about 30 KiB more gzipped wasm (measured; docs/benchmarks.md). serde_json
/// refuses documents nested deeper than 128 levels, so neither reading nor dropping recurses
/// without bound.
fn value_document(text: &str) -> Result<Vec<Node<'_>>, SnapshotError> {
    let doc: Value = serde_json::from_str(text).map_err(json_error)?;
    let items = into_list(doc).map_err(|found| SnapshotError::Shape { found })?;
    Ok(items.into_iter().map(Node::Owned).collect())
}

fn json_error(e: serde_json::Error) -> SnapshotError {
    SnapshotError::Json { line: e.line(), column: e.column(), message: e.to_string().split(" at line ").next().unwrap_or_default().to_string() }
}

/// The inventory of a document's items, with the diagnostics of what it skipped.
fn read_items(items: Vec<Node<'_>>, limits: Limits) -> (Inventory, Vec<Diagnostic>) {
    let mut walk = Walk { limits, resources: Vec::new(), directory: Vec::new(), diags: Vec::new(), too_deep: 0, too_many: 0 };
    for (i, item) in items.into_iter().enumerate() {
        walk.collect(item, item_path("$", i), 1);
    }
    let Walk { resources, directory, mut diags, too_deep, too_many, .. } = walk;
    if too_deep > 0 {
        diags.push(Diagnostic { at: "$".into(), message: format!("skipped {too_deep} list(s) nested more than {} deep: flatten the file to read them", limits.max_depth) });
    }
    if too_many > 0 {
        diags.push(Diagnostic { at: "$".into(), message: format!("read the first {} resources and skipped {too_many} more: the analysis is incomplete; split the file to read all of it", limits.max_resources) });
    }
    let mut inv = Inventory::default();
    // The same resource often arrives twice (role assignments listed at a subscription and
    // again at a resource group). By lowercase id: where the first copy went and where it was.
    let mut first: HashMap<String, (Option<Slot>, String)> = HashMap::new();
    let mut conflicts: BTreeMap<String, Conflict> = BTreeMap::new();
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    for (at, found) in resources {
        let Some(kind) = Inventory::slot_kind(&found.ty) else {
            *skipped.entry(found.ty.to_ascii_lowercase()).or_default() += 1;
            continue;
        };
        let (id, json) = found.into_parts();
        let Some(id) = id else {
            if let Err(mut d) = inv.add_json(kind, json, String::new()) {
                d.at = at;
                diags.push(d);
            }
            continue;
        };
        let key = id.trim_end_matches('/').to_ascii_lowercase();
        // One lookup per resource (the ids are long, and hashing them twice showed up).
        let mut seen = match first.entry(key) {
            std::collections::hash_map::Entry::Occupied(seen) => seen,
            std::collections::hash_map::Entry::Vacant(new) => {
                let slot = match inv.add_json(kind, json, id) {
                    Ok(slot) => Some(slot),
                    Err(d) => {
                        diags.push(d);
                        None
                    }
                };
                new.insert((slot, at));
                continue;
            }
        };
        // A later copy: the first one read stays. Identical copies are no news; a copy that
        // reads differently means the file mixes exports of different moments, and the user
        // must know which one the answers rest on.
        let Some(mine) = seen.get().0 else {
            // The first copy could not be read (a diagnostic says why): this one is used.
            if let Ok(theirs) = inv.add_json(kind, json, id) {
                *seen.get_mut() = (Some(theirs), at);
            }
            continue;
        };
        let mut other = Inventory::default();
        let same = match other.add_json(kind, json, id.clone()) {
            Ok(theirs) => inv.same_resource(mine, &other, theirs),
            _ => false,
        };
        if !same {
            let first_at = &seen.get().1;
            let c = conflicts.entry(seen.key().clone()).or_insert_with(|| Conflict { id: id.trim_end_matches('/').to_string(), first_at: first_at.clone(), later: Vec::new(), count: 0 });
            c.count += 1;
            if c.later.len() < 3 {
                c.later.push(at);
            }
        }
    }
    for c in conflicts.into_values() {
        let more = if c.count > c.later.len() { format!(" and {} more", c.count - c.later.len()) } else { String::new() };
        diags.push(Diagnostic {
            at: c.id,
            message: format!(
                "this id appears again with different content at {}{more}; using the first copy, at {} (the first copy in the file that can be read is the one used: put the newest export first)",
                c.later.join(", "),
                c.first_at
            ),
        });
    }
    add_directory(&mut inv, directory, &mut diags);
    if !skipped.is_empty() {
        let list: Vec<String> = skipped.iter().map(|(t, n)| format!("{t} ({n})")).collect();
        diags.push(Diagnostic { at: "$".into(), message: format!("skipped resources of types pullpath does not use: {}", list.join(", ")) });
    }
    (inv, diags)
}

/// Adds Microsoft Graph directory objects, one per id: a later copy adds what the first lacks
/// (a name, a group's `transitiveMembers`, as when `getByIds` output and a group's member list
/// are concatenated); a later member list that differs from the first is a diagnostic.
fn add_directory(inv: &mut Inventory, objects: Vec<(String, Node<'_>)>, diags: &mut Vec<Diagnostic>) {
    let mut first: HashMap<String, usize> = HashMap::new();
    for (at, node) in objects {
        let mut one = Inventory::default();
        match one.add_directory_json(node.into_json(), String::new()) {
            Err(mut d) => {
                d.at = at;
                diags.push(d);
            }
            Ok(false) => {}
            Ok(true) => {
                let Some(object) = one.directory.pop() else { continue };
                let key = object.id.to_ascii_lowercase();
                let Some(&i) = first.get(&key) else {
                    first.insert(key, inv.directory.len());
                    inv.directory.push(object);
                    continue;
                };
                let kept = &mut inv.directory[i];
                if kept.display_name.is_none() {
                    kept.display_name = object.display_name;
                }
                match (&kept.transitive_members, object.transitive_members) {
                    (None, Some(members)) => kept.transitive_members = Some(members),
                    (Some(old), Some(new)) if *old != new => diags.push(Diagnostic {
                        at: object.id,
                        message: format!("this group's transitiveMembers appear again, different, at {at}; using the first list (put the newest read first)"),
                    }),
                    _ => {}
                }
            }
        }
    }
}

/// `{at}[{i}]`, the place of an item in the document, as `format!` writes it but without the
/// formatting machinery: one is made per item, and `format!` was 3 % of reading a large tenant.
fn item_path(at: &str, i: usize) -> String {
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(i);
    let mut path = String::with_capacity(at.len() + digits.len() + 2);
    path.push_str(at);
    path.push('[');
    path.push_str(digits);
    path.push(']');
    path
}

/// Later copies of one id that read differently from the first.
struct Conflict {
    id: String,
    first_at: String,
    /// Where the first few later copies are.
    later: Vec<String>,
    count: usize,
}

/// Flattening nested lists into resources, within the limits.
struct Walk<'a> {
    limits: Limits,
    resources: Vec<(String, Found<'a>)>,
    /// Microsoft Graph directory objects (an `@odata.type` instead of a `type`).
    directory: Vec<(String, Node<'a>)>,
    diags: Vec<Diagnostic>,
    too_deep: usize,
    too_many: usize,
}

impl<'a> Walk<'a> {
    /// Takes `item` (a resource or a nested list, `depth` lists deep) apart: a list's items
    /// stay slices of the document's text (or are moved, for a Resource Graph table), so a
    /// document costs what its resources cost, whatever its nesting. Recursion is bounded by
    /// `max_depth`.
    fn collect(&mut self, item: Node<'a>, at: String, depth: usize) {
        let items = match item {
            Node::Owned(v) => {
                let ty = v.get("type").and_then(Value::as_str).map(str::to_string);
                let directory = v.get("@odata.type").is_some_and(Value::is_string) && v.get("id").is_some();
                if ty.is_some() || directory {
                    let id = v.get("id").and_then(Value::as_str).map(str::to_string);
                    return self.found(at, Head { ty, id, directory, blank: false }, Node::Owned(v));
                }
                into_list(v).map(|items| items.into_iter().map(Node::Owned).collect::<Vec<_>>())
            }
            #[cfg(not(target_arch = "wasm32"))]
            Node::Raw(raw) => match text::probe(raw) {
                Ok(text::Item::Found(head)) => return self.found(at, head, Node::Raw(raw)),
                Ok(text::Item::List(items)) => Ok(items),
                Err(found) => Err(found),
            },
            #[cfg(target_arch = "wasm32")]
            Node::Never(never, _) => match never {},
        };
        match items {
            Ok(_) if depth >= self.limits.max_depth => self.too_deep += 1,
            Ok(items) => {
                for (i, inner) in items.into_iter().enumerate() {
                    self.collect(inner, item_path(&at, i), depth + 1);
                }
            }
            Err(found) => self.diags.push(Diagnostic { at, message: format!("this item is {found}, not an ARM resource (it has no \"type\") or a list of them") }),
        }
    }

    /// Keeps a resource or directory object for reading, within the limit.
    fn found(&mut self, at: String, head: Head, node: Node<'a>) {
        if self.resources.len() + self.directory.len() >= self.limits.max_resources {
            self.too_many += 1;
        } else if let Some(ty) = head.ty {
            self.resources.push((at, Found { ty, id: head.id, blank: head.blank, node }));
        } else {
            self.directory.push((at, node));
        }
    }
}

/// A resource found in the document (it has a string `type`), not read yet.
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
struct Found<'a> {
    ty: String,
    /// Its `id` when that is a string, as written.
    id: Option<String>,
    /// It carries one of Resource Graph's blank markers (see [`tidy_resource_graph_row`]).
    blank: bool,
    node: Node<'a>,
}

impl<'a> Found<'a> {
    /// The resource's id and its JSON for the typed model, Resource Graph's blank markers
    /// dropped.
    fn into_parts(self) -> (Option<String>, Json<'a>) {
        let node = match self.node {
            #[cfg(not(target_arch = "wasm32"))]
            Node::Raw(raw) if self.blank => match serde_json::from_str::<Value>(raw.get()) {
                Ok(mut v) => {
                    tidy_resource_graph_row(&mut v);
                    Node::Owned(v)
                }
                Err(_) => Node::Raw(raw),
            },
            Node::Owned(mut v) => {
                tidy_resource_graph_row(&mut v);
                Node::Owned(v)
            }
            other => other,
        };
        (self.id, node.into_json())
    }
}

/// One item of the document: its text (the usual case), or a value built from a Resource
/// Graph table's cells.
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
enum Node<'a> {
    #[cfg(not(target_arch = "wasm32"))]
    Raw(&'a serde_json::value::RawValue),
    Owned(Value),
    /// The browser reads documents as a `Value` (`value_document`), never as text: this only
    /// keeps the lifetime there.
    #[cfg(target_arch = "wasm32")]
    Never(std::convert::Infallible, std::marker::PhantomData<&'a ()>),
}

impl<'a> Node<'a> {
    fn into_json(self) -> Json<'a> {
        match self {
            #[cfg(not(target_arch = "wasm32"))]
            Node::Raw(raw) => Json::Text(raw.get()),
            Node::Owned(v) => Json::Value(v),
            #[cfg(target_arch = "wasm32")]
            Node::Never(never, _) => match never {},
        }
    }
}

/// What the walk needs of an object: a resource's type and id, or a directory object's mark.
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
struct Head {
    ty: Option<String>,
    id: Option<String>,
    directory: bool,
    blank: bool,
}

/// The items of a document or nested list, moved out of it; otherwise what `v` is instead.
fn into_list(v: Value) -> Result<Vec<Value>, String> {
    match v {
        Value::Array(items) => Ok(items),
        Value::Object(mut o) if !o.contains_key("type") => {
            let key = ["resources", "value", "data"].into_iter().find(|k| match o.get(*k) {
                Some(Value::Array(_)) => true,
                Some(Value::Object(_)) => *k == "data",
                _ => false,
            });
            match key {
                Some(key) => {
                    let what = describe_object(&o);
                    match o.remove(key) {
                        Some(Value::Array(items)) => Ok(items),
                        Some(Value::Object(table)) => table_rows(table).ok_or(what),
                        _ => Err(what),
                    }
                }
                None => Err(describe_object(&o)),
            }
        }
        other => Err(describe(&other)),
    }
}

/// Resource Graph's `resultFormat: table`: `{"columns": [{"name"}], "rows": [[...]]}`, with the
/// cells moved into one object per row.
fn table_rows(mut table: Map<String, Value>) -> Option<Vec<Value>> {
    let columns: Vec<String> = table.get("columns")?.as_array()?.iter().map(|c| c.get("name").and_then(Value::as_str).unwrap_or_default().to_string()).collect();
    let Value::Array(rows) = table.remove("rows")? else { return None };
    Some(
        rows.into_iter()
            .map(|row| {
                let cells = match row {
                    Value::Array(cells) => cells,
                    _ => Vec::new(),
                };
                Value::Object(crate::sort::collect_object(columns.iter().cloned().zip(cells)))
            })
            .collect(),
    )
}

/// Resource Graph writes "no identity" as `""` and absent maps as `""`/`null`; ARM's shapes do
/// not allow that, so those fields are dropped rather than failing the resource.
fn tidy_resource_graph_row(value: &mut Value) {
    if let Some(o) = value.as_object_mut() {
        for key in ["identity", "sku", "tags", "kind"] {
            if o.get(key).is_some_and(|v| v.is_null() || v.as_str() == Some("")) {
                o.remove(key);
            }
        }
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Number(_) => "a number".into(),
        Value::String(_) => "a string".into(),
        Value::Array(_) => "an array".into(),
        Value::Object(o) => describe_object(o),
    }
}

fn describe_object(o: &Map<String, Value>) -> String {
    if o.is_empty() {
        return "an empty object".into();
    }
    let keys: Vec<&str> = o.keys().take(5).map(String::as_str).collect();
    format!("an object with keys {}", keys.join(", "))
}

/// Writes an inventory as a snapshot document that [`parse`] reads back to the same inventory.
pub fn to_json(inv: &Inventory) -> String {
    fn push<T: serde::Serialize>(items: &[T], kind: ResourceKind, out: &mut Vec<Value>) {
        for item in items {
            let mut v = serde_json::to_value(item).unwrap_or(Value::Null);
            if let Some(o) = v.as_object_mut() {
                if !o.contains_key("type") {
                    // One list holds environments of workspaces and of Azure ML registries:
                    // each is written with the type its id says.
                    let own = o.get("id").and_then(Value::as_str).and_then(|id| crate::id::ResourceId::parse(id).ok()).and_then(|id| ResourceKind::from_type(&id.resource_type()));
                    o.insert("type".into(), Value::String(own.unwrap_or(kind).type_name()));
                }
            }
            out.push(v);
        }
    }
    let mut resources = Vec::with_capacity(inv.len());
    push(&inv.registries, ResourceKind::Registry, &mut resources);
    push(&inv.workspaces, ResourceKind::Workspace, &mut resources);
    push(&inv.computes, ResourceKind::Compute, &mut resources);
    push(&inv.connections, ResourceKind::Connection, &mut resources);
    push(&inv.managed_clusters, ResourceKind::ManagedCluster, &mut resources);
    push(&inv.identities, ResourceKind::UserAssignedIdentity, &mut resources);
    push(&inv.online_endpoints, ResourceKind::OnlineEndpoint, &mut resources);
    push(&inv.container_groups, ResourceKind::ContainerGroup, &mut resources);
    push(&inv.environments, ResourceKind::EnvironmentContainer, &mut resources);
    push(&inv.environment_versions, ResourceKind::EnvironmentVersion, &mut resources);
    push(&inv.online_deployments, ResourceKind::OnlineDeployment, &mut resources);
    push(&inv.ml_registries, ResourceKind::MlRegistry, &mut resources);
    push(&inv.private_endpoints, ResourceKind::PrivateEndpoint, &mut resources);
    push(&inv.virtual_networks, ResourceKind::VirtualNetwork, &mut resources);
    push(&inv.private_dns_zones, ResourceKind::PrivateDnsZone, &mut resources);
    push(&inv.jobs, ResourceKind::Job, &mut resources);
    push(&inv.role_assignments, ResourceKind::RoleAssignment, &mut resources);
    push(&inv.role_definitions, ResourceKind::RoleDefinition, &mut resources);
    // Subscription rows carry their own `type` (`microsoft.resources/subscriptions`).
    resources.extend(inv.subscriptions.iter().filter_map(|s| serde_json::to_value(s).ok()));
    // Directory objects carry Graph's `@odata.type`.
    resources.extend(inv.directory.iter().filter_map(|o| serde_json::to_value(o).ok()));
    resources_text(&resources, true)
}

/// `{"resources": [...]}` with each resource's keys in ARM's order ([`ArmOrder`]), pretty or
/// compact: what [`to_json`] writes, and what the parse benchmark reads.
pub fn resources_text(resources: &[Value], pretty: bool) -> String {
    #[derive(serde::Serialize)]
    struct Document<'a> {
        resources: Vec<ArmOrder<'a>>,
    }
    let doc = Document { resources: resources.iter().map(ArmOrder).collect() };
    if pretty { serde_json::to_string_pretty(&doc) } else { serde_json::to_string(&doc) }.unwrap_or_default()
}

/// A resource written as ARM and `az` write one, `id`, `name` and `type` first (the rest in
/// the map's order): a `Value`'s map would sort `type` near the end, and a reader that has a
/// resource's `type` and `id` early need not walk its text twice (`text::quick_head`).
struct ArmOrder<'a>(&'a Value);

impl serde::Serialize for ArmOrder<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        const FIRST: [&str; 3] = ["id", "name", "type"];
        let Value::Object(o) = self.0 else { return self.0.serialize(s) };
        let mut map = s.serialize_map(Some(o.len()))?;
        for key in FIRST {
            if let Some(v) = o.get(key) {
                map.serialize_entry(key, v)?;
            }
        }
        for (k, v) in o.iter().filter(|(k, _)| !FIRST.contains(&k.as_str())) {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_paths_read_as_formatted() {
        for (at, i) in [("$", 0), ("$[3]", 12), ("$[0][1]", usize::MAX)] {
            assert_eq!(item_path(at, i), format!("{at}[{i}]"));
        }
    }

    #[test]
    fn demo_tenant_round_trips() {
        let (inv, diags) = parse(crate::DEMO_TENANT).unwrap();
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(inv.registries.len(), 7);
        assert_eq!((inv.online_endpoints.len(), inv.container_groups.len()), (2, 1));
        assert_eq!((inv.environments.len(), inv.environment_versions.len()), (2, 2));
        assert_eq!(inv.role_assignments.len(), 13);
        assert_eq!(inv.directory.len(), 4);
        let (again, diags) = parse(&to_json(&inv)).unwrap();
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(again, inv);
    }

    /// Saved resources start as ARM writes them, `id`, `name`, `type` (a `Value`'s own text
    /// sorts `type` after `properties`), so reading them back takes the short way.
    #[test]
    fn saved_resources_start_with_id_name_type() {
        let (inv, _) = parse(crate::DEMO_TENANT).unwrap();
        let text = to_json(&inv);
        let first = &text[text.find('{').unwrap() + 1..];
        let first = &first[first.find('{').unwrap()..];
        let at = |key: &str| first.find(&format!("\"{key}\"")).unwrap();
        assert!(at("id") < at("name") && at("name") < at("type") && at("type") < at("location"), "{}", &first[..400]);
        let items = text::document(&text).unwrap();
        let quick = items.iter().filter(|item| matches!(item, Node::Raw(raw) if text::quick_head(raw.get()).is_some())).count();
        assert!(quick * 2 > items.len(), "{quick} of {} items read the short way", items.len());
    }

    /// The child lists a snapshot keeps on their parent (an endpoint's DNS zone groups, a
    /// zone's links, "none" as `[]`) survive a save and a reopen, and a missing list stays
    /// "not read".
    #[test]
    fn private_dns_lists_round_trip() {
        let case: Value = serde_json::from_str(include_str!("../tests/truth/network/private-dns-zone-not-linked-blocks.json")).unwrap();
        let (inv, diags) = parse(&case["snapshot"].to_string()).unwrap();
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(inv.private_endpoints[0].dns_zone_groups.as_ref().map(Vec::len), Some(1));
        assert_eq!(inv.private_dns_zones[0].virtual_network_links.as_ref().map(Vec::len), Some(1));
        let (again, _) = parse(&to_json(&inv)).unwrap();
        assert_eq!(again, inv);
        let mut none = inv.clone();
        none.private_endpoints[0].dns_zone_groups = Some(Vec::new());
        none.private_dns_zones[0].virtual_network_links = None;
        let (again, _) = parse(&to_json(&none)).unwrap();
        assert_eq!(again.private_endpoints[0].dns_zone_groups, Some(Vec::new()), "read, and none");
        assert_eq!(again.private_dns_zones[0].virtual_network_links, None, "not read");
    }

    #[test]
    fn envelopes_nest_and_duplicates_collapse() {
        let reg = serde_json::json!({"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/a", "type": "Microsoft.ContainerRegistry/registries", "properties": {}});
        let mut upper = reg.clone();
        upper["id"] = Value::String(reg["id"].as_str().unwrap().to_uppercase().replace("PROVIDERS", "providers"));
        let doc = serde_json::json!({"resources": [{"value": [reg.clone()]}, {"data": [upper]}, {"type": "Microsoft.KeyVault/vaults", "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"}]});
        let (inv, diags) = parse(&doc.to_string()).unwrap();
        assert_eq!(inv.registries.len(), 1);
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.contains("microsoft.keyvault/vaults (1)"), "{diags:?}");
        let table = serde_json::json!({"totalRecords": 1, "data": {"columns": [{"name": "id", "type": "string"}, {"name": "type", "type": "string"}, {"name": "properties", "type": "object"}], "rows": [[reg["id"], "microsoft.containerregistry/registries", {}]]}});
        assert_eq!(parse(&table.to_string()).unwrap().0.registries.len(), 1);
    }

    fn registry(name: &str, admin: bool) -> Value {
        serde_json::json!({
            "id": format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/{name}"),
            "name": name, "type": "Microsoft.ContainerRegistry/registries", "properties": {"adminUserEnabled": admin},
        })
    }

    #[test]
    fn a_byte_order_mark_is_accepted() {
        let doc = serde_json::json!({"resources": [registry("a", false)]}).to_string();
        let (inv, diags) = parse(&format!("\u{feff}{doc}")).unwrap();
        assert_eq!(inv.registries.len(), 1);
        assert!(diags.is_empty(), "{diags:?}");
    }

    /// Identical copies collapse without a word; copies that differ in what pullpath reads get
    /// one diagnostic per id that names it, where the copies are, and which one is used.
    #[test]
    fn conflicting_duplicates_are_reported_and_the_first_is_used() {
        let mut extra_field = registry("a", false);
        extra_field["tenantId"] = Value::String("t".into());
        let doc = serde_json::json!({"resources": [registry("a", false), extra_field, registry("a", true), registry("a", true), registry("b", false), registry("b", false)]});
        let (inv, diags) = parse(&doc.to_string()).unwrap();
        assert_eq!(inv.registries.len(), 2);
        assert!(!inv.registries[0].properties.admin_user_enabled, "the first copy is used");
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(diags[0].at.ends_with("/registries/a"), "{diags:?}");
        assert!(diags[0].message.contains("different content at $[2], $[3]") && diags[0].message.contains("using the first copy, at $[0]"), "{}", diags[0].message);
        // A first copy that cannot be read gives way to a later one that can.
        let mut broken = registry("c", false);
        broken["properties"] = Value::String("not an object".into());
        let (inv, diags) = parse(&serde_json::json!([broken, registry("c", true)]).to_string()).unwrap();
        assert!(inv.registries.len() == 1 && inv.registries[0].properties.admin_user_enabled);
        assert_eq!(diags.len(), 1, "only the unreadable copy is reported: {diags:?}");
    }

    /// Limits hold by construction: deeper lists, more resources and larger texts than
    /// allowed are reported, never read at any cost.
    #[test]
    fn limits_are_reported() {
        let limits = Limits { max_bytes: 10_000, max_depth: 3, max_resources: 2 };
        let mut nested = serde_json::json!([registry("deep", false)]);
        for _ in 0..5 {
            nested = serde_json::json!([nested]);
        }
        let doc = serde_json::json!({"resources": [[[registry("two-deep", false)]], nested]});
        let (inv, diags) = parse_with(&doc.to_string(), limits).unwrap();
        assert_eq!(inv.registries.len(), 1);
        assert!(diags.len() == 1 && diags[0].message.contains("skipped 1 list(s) nested more than 3 deep"), "{diags:?}");
        let doc = serde_json::json!([registry("a", false), registry("b", false), registry("c", false), registry("d", false)]);
        let (inv, diags) = parse_with(&doc.to_string(), limits).unwrap();
        assert_eq!(inv.registries.len(), 2);
        assert!(diags.len() == 1 && diags[0].message.contains("read the first 2 resources and skipped 2 more"), "{diags:?}");
        let e = parse_with(&" ".repeat(10_001), limits).unwrap_err();
        assert_eq!(e, SnapshotError::TooLarge { bytes: 10_001, max: 10_000 });
        // Nesting far past serde_json's own limit (128) is skipped over without recursion and
        // reported like any list nested too deep: no stack overflow, and what else the file
        // holds is still read.
        let deep = format!("[{}{}, {}]", "[".repeat(100_000), "]".repeat(100_000), registry("a", false));
        let (inv, diags) = parse(&deep).unwrap();
        assert_eq!(inv.registries.len(), 1);
        assert!(diags.len() == 1 && diags[0].message.contains("nested more than 16 deep"), "{diags:?}");
        // Inside a resource, such nesting is a field pullpath does not read: skipped over too.
        let mut odd = registry("b", false);
        odd["properties"]["unread"] = Value::Null;
        let odd = odd.to_string().replace("null", &format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)));
        let (inv, diags) = parse(&format!("[{odd}]")).unwrap();
        assert!(inv.registries.len() == 1 && diags.is_empty(), "{diags:?}");
        // Unclosed, it is an error with its place.
        let e = parse(&"[".repeat(100_000)).unwrap_err();
        assert!(matches!(e, SnapshotError::Json { .. }), "{e:?}");
    }

    #[test]
    fn errors_say_what_and_where() {
        let e = parse("{\n  \"resources\": [\n    {,}\n  ]\n}").unwrap_err();
        assert!(matches!(e, SnapshotError::Json { line: 3, .. }), "{e:?}");
        assert!(e.to_string().contains("line 3, column"), "{e}");
        let e = parse("{\"registries\": []}").unwrap_err();
        assert!(e.to_string().contains("an object with keys registries"), "{e}");
        let (inv, diags) = parse("[42, {\"type\": \"Microsoft.ContainerRegistry/registries\"}]").unwrap();
        assert!(inv.is_empty());
        assert_eq!(diags.len(), 2);
        assert_eq!(diags[0].at, "$[0]");
        assert!(diags[0].message.contains("a number"), "{diags:?}");
        assert_eq!(diags[1].at, "$[1]");
    }
}
