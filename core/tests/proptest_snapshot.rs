//! Property tests for snapshot documents: any JSON shape, any nesting, a byte-order mark,
//! repeated and conflicting copies — reading never panics, costs no more resources than the
//! document holds, keeps one copy per id, and what it reads writes back to the same inventory.

use std::collections::HashSet;

use proptest::prelude::*;
use pullpath_core::snapshot::{self, Limits};
use serde_json::{json, Value};

const TYPES: [&str; 6] = [
    "Microsoft.ContainerRegistry/registries",
    "microsoft.containerregistry/registries",
    "Microsoft.ManagedIdentity/userAssignedIdentities",
    "Microsoft.Authorization/roleAssignments",
    "Microsoft.KeyVault/vaults",
    "Microsoft.MachineLearningServices/workspaces",
];

/// A resource-shaped object: often readable, sometimes not (odd properties, odd ids).
fn arb_resource() -> impl Strategy<Value = Value> {
    let name = prop_oneof![Just("a".to_string()), Just("b".to_string()), Just("A".to_string()), "[a-z]{1,3}", "\\PC{0,4}"];
    let id_style = 0..4usize;
    let props = prop_oneof![
        Just(json!({})),
        any::<bool>().prop_map(|b| json!({"adminUserEnabled": b})),
        Just(json!({"principalId": "p", "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d", "scope": "/subscriptions/s"})),
        Just(json!("not an object")),
        Just(Value::Null),
    ];
    (prop::sample::select(TYPES.to_vec()), name, id_style, props).prop_map(|(ty, name, id_style, props)| {
        let provider_path = ty.split_once('/').map(|(ns, t)| format!("{ns}/{t}")).unwrap_or_default();
        let id = match id_style {
            0 => Value::String(format!("/subscriptions/s/resourceGroups/rg/providers/{provider_path}/{name}")),
            1 => Value::String(format!("/SUBSCRIPTIONS/s/resourceGroups/RG/providers/{provider_path}/{name}/")),
            2 => Value::String(name.clone()),
            _ => Value::Null,
        };
        json!({"id": id, "name": name, "type": ty, "properties": props})
    })
}

/// A document: resources and junk in lists nested through every envelope the format knows.
fn arb_document() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        4 => arb_resource(),
        1 => Just(Value::Null),
        1 => any::<i64>().prop_map(|n| json!(n)),
        1 => "\\PC{0,6}".prop_map(Value::String),
        1 => Just(json!({"type": 42})),
        1 => Just(json!({})),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec(inner.clone(), 0..6).prop_map(|v| json!({"value": v, "nextLink": null})),
            proptest::collection::vec(inner.clone(), 0..6).prop_map(|v| json!({"resources": v})),
            proptest::collection::vec(inner.clone(), 0..6).prop_map(|v| json!({"data": v, "totalRecords": 1})),
            (proptest::collection::vec(inner, 0..4)).prop_map(|v| json!({"data": {"columns": [{"name": "id"}, {"name": "type"}], "rows": v}})),
        ]
    })
}

/// Objects with a string `type` anywhere in `v`: an upper bound on what can be read.
fn typed_objects(v: &Value) -> usize {
    match v {
        Value::Object(o) => usize::from(o.get("type").is_some_and(Value::is_string)) + o.values().map(typed_objects).sum::<usize>(),
        Value::Array(a) => a.iter().map(typed_objects).sum::<usize>() + a.len(),
        _ => 0,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn documents_never_panic_and_read_within_bounds(doc in arb_document(), bom in any::<bool>(), repeat in 0..3usize) {
        // Repeating the whole document makes every resource a duplicate of itself.
        let doc = if repeat > 0 { Value::Array(std::iter::repeat_n(doc, repeat + 1).collect()) } else { doc };
        let text = format!("{}{}", if bom { "\u{feff}" } else { "" }, doc);
        let Ok((inv, diags)) = snapshot::parse(&text) else { return Ok(()) };
        prop_assert!(inv.len() <= typed_objects(&doc), "{} read from {doc}", inv.len());
        prop_assert!(diags.len() <= typed_objects(&doc) + 4, "{} diagnostics: {diags:?}", diags.len());
        // One copy per id.
        let mut ids = HashSet::new();
        for id in inv.registries.iter().map(|r| &r.id).chain(inv.identities.iter().map(|r| &r.id)).chain(inv.role_assignments.iter().map(|r| &r.id)) {
            prop_assert!(ids.insert(id.key().to_string()), "{id} read twice");
        }
        // Identical copies are silent: repeating the document adds no conflict, unless a copy
        // that cannot be read now follows a readable one of the same id (that one differs).
        if repeat > 0 {
            let once = snapshot::parse(&doc[0].to_string());
            if let Some((inv_once, diags_once)) = once.ok().filter(|(_, d)| !d.iter().any(|d| d.message.contains("could not read"))) {
                prop_assert_eq!(&inv_once, &inv);
                let conflicts = |d: &[pullpath_core::inventory::Diagnostic]| d.iter().filter(|d| d.message.contains("different content")).count();
                prop_assert_eq!(conflicts(&diags_once), conflicts(&diags));
            }
        }
        // What was read writes back to the same inventory, with nothing to say about it.
        let (again, again_diags) = snapshot::parse(&snapshot::to_json(&inv)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(again, inv);
        prop_assert!(again_diags.is_empty(), "{again_diags:?}");
    }

    /// Reading a resource's text straight into its typed model (the snapshot reader) gives
    /// what reading its parsed value gives (the scan's path), whitespace, key escapes and
    /// Resource Graph's blank markers included.
    #[test]
    fn text_and_value_read_alike(resources in proptest::collection::vec((arb_resource(), 0..5usize), 0..8), pretty in any::<bool>(), escaped in any::<bool>()) {
        let mut seen = HashSet::new();
        let mut values = Vec::new();
        for (mut r, blank) in resources {
            // One copy per id: duplicates are the reader's business, tested above.
            let Some(id) = r["id"].as_str() else { continue };
            if !seen.insert(id.trim_end_matches('/').to_ascii_lowercase()) {
                continue;
            }
            // Resource Graph writes "none" as "" or null; both readers drop those fields.
            match blank {
                1 => r["identity"] = json!(""),
                2 => r["tags"] = Value::Null,
                3 => r["kind"] = json!(""),
                4 => r["sku"] = json!(""),
                _ => {}
            }
            values.push(r);
        }
        let doc = json!({"value": values});
        let mut text = if pretty { serde_json::to_string_pretty(&doc).unwrap() } else { doc.to_string() };
        if escaped {
            // `\u0074ype` is `type`: a key written with escapes is the same key.
            text = text.replace("\"type\"", "\"\\u0074ype\"").replace("\"properties\"", "\"propert\\u0069es\"");
        }
        let (from_text, diags) = snapshot::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let tidied = values.into_iter().map(|mut v| {
            for key in ["identity", "sku", "tags", "kind"] {
                if v.get(key).is_some_and(|f| f.is_null() || f.as_str() == Some("")) {
                    v.as_object_mut().unwrap().remove(key);
                }
            }
            v
        });
        let (from_values, value_diags) = pullpath_core::inventory::Inventory::from_resources(tidied);
        prop_assert_eq!(&from_text, &from_values);
        let unread = |d: &[pullpath_core::inventory::Diagnostic]| d.iter().filter(|d| d.message.contains("could not read")).map(|d| d.message.clone()).collect::<Vec<_>>();
        prop_assert_eq!(unread(&diags), unread(&value_diags));
    }

    /// The native reader (the text, never built as a tree) and the browser's (one `Value` of
    /// the whole document) find the same resources and say the same things about the rest,
    /// whatever the document's shape, within the same limits.
    #[test]
    fn both_readers_agree(doc in arb_document(), max_depth in 1..20usize, max_resources in 0..40usize, pretty in any::<bool>()) {
        let limits = Limits { max_depth, max_resources, ..Limits::default() };
        let text = if pretty { serde_json::to_string_pretty(&doc).unwrap() } else { doc.to_string() };
        let native = snapshot::parse_with(&text, limits);
        let browser = snapshot::parse_via_value(&text, limits);
        prop_assert_eq!(native, browser);
    }

    /// The same with each resource's keys in ARM's order (`id`, `name`, `type` first, as ARM,
    /// `az` and pullpath write them), where the native reader reads a resource's head without
    /// walking the rest of its text: blank markers, repeated keys, escapes and odd spacing
    /// anywhere still read as the browser's reader reads them.
    #[test]
    fn both_readers_agree_in_arm_order(items in proptest::collection::vec((arb_resource(), 0..8usize, 0..4usize), 0..8), spaced in any::<bool>()) {
        let written: Vec<String> = items.into_iter().map(|(mut r, extra, at)| {
            let extra = match extra {
                1 => Some(("identity", json!(""))),
                2 => Some(("tags", Value::Null)),
                3 => Some(("type", json!("Microsoft.ManagedIdentity/userAssignedIdentities"))),
                4 => Some(("id", json!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v"))),
                5 => Some(("\\u0074ype", json!("Microsoft.KeyVault/vaults"))),
                6 => Some(("kind", json!(7))),
                _ => None,
            };
            if let Some(o) = r.as_object_mut() {
                // A type that is not a string, now and then.
                if extra == Some(("kind", json!(7))) && at == 0 {
                    o.insert("type".into(), json!(7));
                }
            }
            arm_ordered(&r, extra, at, spaced)
        }).collect();
        let text = format!("{{\"value\": [{}]}}", written.join(", "));
        prop_assert!(serde_json::from_str::<Value>(&text).is_ok(), "{text}");
        let native = snapshot::parse_with(&text, Limits::default());
        let browser = snapshot::parse_via_value(&text, Limits::default());
        prop_assert_eq!(native, browser, "{}", text);
    }

    /// Small limits hold whatever the document: never more resources than allowed.
    #[test]
    fn limits_hold(doc in arb_document(), max_depth in 1..4usize, max_resources in 0..5usize) {
        let limits = Limits { max_depth, max_resources, ..Limits::default() };
        if let Ok((inv, _)) = snapshot::parse_with(&doc.to_string(), limits) {
            prop_assert!(inv.len() <= max_resources);
        }
    }

    /// Any text at all, with or without a byte-order mark: an answer, never a panic.
    #[test]
    fn any_text_never_panics(text in "\\PC{0,64}", bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = snapshot::parse(&text);
        let _ = snapshot::parse(&format!("\u{feff}{text}"));
        let _ = snapshot::parse(&String::from_utf8_lossy(&bytes));
    }
}

/// Items whose head the native reader could get wrong by reading only as far as `type` and
/// `id`: each is read as the browser's reader (a whole `Value`, the last duplicate key
/// winning) reads it.
#[test]
fn heads_read_early_agree_with_whole_objects() {
    let reg = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/a";
    let uai = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/a";
    let items = [
        // The plain case: id, name, type first.
        format!(r#"{{"id":"{reg}","name":"a","type":"Microsoft.ContainerRegistry/registries","properties":{{}}}}"#),
        // A second `type` later: the last one wins.
        format!(r#"{{"id":"{uai}","type":"Microsoft.ContainerRegistry/registries","type":"Microsoft.ManagedIdentity/userAssignedIdentities","properties":{{}}}}"#),
        // A second `id` later.
        format!(r#"{{"type":"Microsoft.ContainerRegistry/registries","id":"{uai}","id":"{reg}","properties":{{}}}}"#),
        // `type` spelt with an escape after a plain one.
        format!(r#"{{"id":"{uai}","type":"Microsoft.ContainerRegistry/registries","\u0074ype":"Microsoft.ManagedIdentity/userAssignedIdentities"}}"#),
        // `type` not a string, then the id.
        format!(r#"{{"type":7,"id":"{reg}","@odata.type":"x"}}"#),
        // The id after `type`, far behind the properties.
        format!(r#"{{"type":"Microsoft.ContainerRegistry/registries","properties":{{"adminUserEnabled":true}},"id":"{reg}"}}"#),
        // Resource Graph's blank markers after `type`.
        format!(r#"{{"id":"{reg}","type":"Microsoft.ContainerRegistry/registries","identity":"","tags":null,"properties":{{}}}}"#),
        // No id at all.
        r#"{"type":"Microsoft.ContainerRegistry/registries","properties":{}}"#.to_string(),
        // A nested `type` only.
        format!(r#"{{"id":"{uai}","identity":{{"type":"SystemAssigned"}}}}"#),
    ];
    for item in &items {
        for doc in [format!("[{item}]"), format!(r#"{{"value":[{item}, {item}]}}"#)] {
            let native = snapshot::parse_with(&doc, Limits::default());
            let browser = snapshot::parse_via_value(&doc, Limits::default());
            assert_eq!(native, browser, "{doc}");
        }
    }
}

/// `object`'s text with `id`, `name`, `type` first, then the rest, and `extra` (a key written
/// as is, so it may carry an escape or repeat one) put at the `at`-th place.
fn arm_ordered(object: &Value, extra: Option<(&str, Value)>, at: usize, spaced: bool) -> String {
    let Value::Object(o) = object else { return object.to_string() };
    let first = ["id", "name", "type"];
    let mut entries: Vec<String> = first
        .iter()
        .copied()
        .filter(|k| o.contains_key(*k))
        .chain(o.keys().map(String::as_str).filter(|k| !first.contains(k)))
        .map(|k| format!("{}:{}", Value::String(k.to_string()), o[k]))
        .collect();
    if let Some((key, value)) = extra {
        entries.insert(at.min(entries.len()), format!("\"{key}\":{value}"));
    }
    let sep = if spaced { " ,\n  " } else { "," };
    format!("{}{{{}}}", if spaced { " " } else { "" }, entries.join(sep))
}
