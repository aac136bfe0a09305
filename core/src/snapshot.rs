//! Snapshot documents: the JSON a user exports with `az` (or pullpath writes) and the
//! [`Inventory`] analysis reads.
//!
//! Accepts `{"resources": [...]}`, an ARM list page `{"value": [...]}`, a Resource Graph
//! response `{"data": [...]}` (object rows, or the `{columns, rows}` table form), a bare array,
//! and any of those nested inside the list, so the outputs of several `az` commands can be
//! concatenated. Resources pullpath cannot read become diagnostics; only a document that is not
//! JSON, or not a list at all, is an error. Not here: what the resources mean (`access`).

use std::collections::{BTreeMap, HashSet};

use serde_json::{Map, Value};

use crate::inventory::{Diagnostic, Inventory};
use crate::request::ResourceKind;

/// Why a snapshot could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    #[error("the snapshot is not valid JSON: {message} at line {line}, column {column}")]
    Json { line: usize, column: usize, message: String },
    #[error(
        "the snapshot is {found}; expected {{\"resources\": [...]}}, an ARM list {{\"value\": [...]}}, a Resource Graph response {{\"data\": [...]}} or an array of ARM resources"
    )]
    Shape { found: String },
}

/// Reads a snapshot document into an inventory, with diagnostics for what it skipped.
pub fn parse(text: &str) -> Result<(Inventory, Vec<Diagnostic>), SnapshotError> {
    let doc: Value = serde_json::from_str(text).map_err(|e| SnapshotError::Json {
        line: e.line(),
        column: e.column(),
        message: e.to_string().split(" at line ").next().unwrap_or_default().to_string(),
    })?;
    let Some(items) = list_in(&doc) else { return Err(SnapshotError::Shape { found: describe(&doc) }) };
    let mut resources = Vec::new();
    let mut diags = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        collect(item, format!("$[{i}]"), &mut resources, &mut diags);
    }
    let mut inv = Inventory::default();
    let mut seen = HashSet::new();
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    for (at, mut value) in resources {
        let ty = value.get("type").and_then(Value::as_str).unwrap_or_default().to_string();
        if !Inventory::reads_type(&ty) {
            *skipped.entry(ty.to_ascii_lowercase()).or_default() += 1;
            continue;
        }
        // The same resource often arrives twice (role assignments listed at a subscription and
        // again at a resource group); the first copy wins.
        let id_key = value.get("id").and_then(Value::as_str).map(|s| s.trim_end_matches('/').to_ascii_lowercase());
        if let Some(key) = &id_key {
            if !seen.insert(key.clone()) {
                continue;
            }
        }
        tidy_resource_graph_row(&mut value);
        if let Err(mut d) = inv.add(value) {
            if id_key.is_none() {
                d.at = at;
            }
            diags.push(d);
        }
    }
    if !skipped.is_empty() {
        let list: Vec<String> = skipped.iter().map(|(t, n)| format!("{t} ({n})")).collect();
        diags.push(Diagnostic { at: "$".into(), message: format!("skipped resources of types pullpath does not use: {}", list.join(", ")) });
    }
    Ok((inv, diags))
}

/// The items of a document or nested list, or `None` when `v` is not a list.
fn list_in(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::Array(items) => Some(items.clone()),
        Value::Object(o) if !o.contains_key("type") => {
            for key in ["resources", "value", "data"] {
                match o.get(key) {
                    Some(Value::Array(items)) => return Some(items.clone()),
                    Some(Value::Object(table)) if key == "data" => return table_rows(table),
                    _ => {}
                }
            }
            None
        }
        _ => None,
    }
}

/// Resource Graph's `resultFormat: table`: `{"columns": [{"name"}], "rows": [[...]]}`.
fn table_rows(table: &Map<String, Value>) -> Option<Vec<Value>> {
    let columns: Vec<&str> = table.get("columns")?.as_array()?.iter().map(|c| c.get("name").and_then(Value::as_str).unwrap_or_default()).collect();
    let rows = table.get("rows")?.as_array()?;
    Some(
        rows.iter()
            .map(|row| {
                let cells = row.as_array().cloned().unwrap_or_default();
                Value::Object(columns.iter().zip(cells).map(|(c, v)| (c.to_string(), v)).collect())
            })
            .collect(),
    )
}

fn collect(item: Value, at: String, out: &mut Vec<(String, Value)>, diags: &mut Vec<Diagnostic>) {
    if item.get("type").is_some_and(Value::is_string) {
        out.push((at, item));
        return;
    }
    match list_in(&item) {
        Some(items) => {
            for (i, inner) in items.into_iter().enumerate() {
                collect(inner, format!("{at}[{i}]"), out, diags);
            }
        }
        None => diags.push(Diagnostic { at, message: format!("this item is {}, not an ARM resource (it has no \"type\") or a list of them", describe(&item)) }),
    }
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
        Value::Object(o) if o.is_empty() => "an empty object".into(),
        Value::Object(o) => {
            let keys: Vec<&str> = o.keys().take(5).map(String::as_str).collect();
            format!("an object with keys {}", keys.join(", "))
        }
    }
}

/// Writes an inventory as a snapshot document that [`parse`] reads back to the same inventory.
pub fn to_json(inv: &Inventory) -> String {
    fn push<T: serde::Serialize>(items: &[T], kind: ResourceKind, out: &mut Vec<Value>) {
        for item in items {
            let mut v = serde_json::to_value(item).unwrap_or(Value::Null);
            if let Some(o) = v.as_object_mut() {
                if !o.contains_key("type") {
                    o.insert("type".into(), Value::String(kind.type_name()));
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
    push(&inv.role_assignments, ResourceKind::RoleAssignment, &mut resources);
    push(&inv.role_definitions, ResourceKind::RoleDefinition, &mut resources);
    // Subscription rows carry their own `type` (`microsoft.resources/subscriptions`).
    resources.extend(inv.subscriptions.iter().filter_map(|s| serde_json::to_value(s).ok()));
    let doc = serde_json::json!({ "resources": resources });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_tenant_round_trips() {
        let (inv, diags) = parse(crate::sim::DEMO_TENANT).unwrap();
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(inv.registries.len(), 3);
        assert_eq!(inv.role_assignments.len(), 8);
        let (again, diags) = parse(&to_json(&inv)).unwrap();
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(again, inv);
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
