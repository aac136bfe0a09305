//! Swagger 2.0 schemas → JSON Schema 2020-12, so a maintained validator can check bodies.
//!
//! Swagger schemas are almost JSON Schema; the differences this bridges:
//! - `$ref`s point into other files relative to the referring file; every definition reached
//!   is copied into one `$defs` map, keyed by file and name, so each compiled schema is
//!   self-contained (the validator never touches the file system).
//! - `discriminator`: a reference to a polymorphic base (`Compute`, connection properties by
//!   `authType`, online deployments by `endpointComputeType`) is checked against the subtype
//!   its discriminator value names (its `x-ms-discriminator-value`, or its definition name),
//!   which includes the base through its `allOf`; a value that names no subtype is checked
//!   against the base alone. References inside `allOf` (a subtype naming its base) mean the
//!   base alone, or it would recurse.
//! - `additionalProperties: false` next to `allOf` means "nothing beyond the base and these";
//!   in 2020-12 that is `unevaluatedProperties: false`. A swagger `allOf` is inheritance, so
//!   a base's own `additionalProperties: false` closes the *derived* type (base plus derived
//!   properties), not the base's part of it: inside an `allOf` the base is used open, and a
//!   type is closed when it or any base is. (Taken literally as JSON Schema, a closed base
//!   would reject every property its subtypes add: `OnlineEndpoint.compute` under the closed
//!   `EndpointPropertiesBase`, for one.)
//! - `readOnly` properties are never required in a request: ARM fills them in.
//! - `x-nullable: true` allows `null`; in responses every property may be `null`, because
//!   ARM returns `null` for unset optional properties whatever the spec says.
//! - `x-ms-enum` with `modelAsString: true` is an extensible enum: responses may carry values
//!   the spec does not list, so responses are not held to the list. Requests are: pullpath
//!   should only send values the spec knows.
//! - `x-ms-*` extensions, `discriminator`, descriptions and examples are dropped; `type: file`
//!   is dropped (it has no JSON Schema meaning).
//!
//! Not here: finding the operation (crate root) or matching paths (`paths`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::split_ref;

/// Which side of the wire a schema is applied to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// A body pullpath sends.
    Request,
    /// A body ARM (or the emulator) returns.
    Response,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Variant {
    /// The definition as written; closed (`unevaluatedProperties: false`) when it or any
    /// of its `allOf` bases says `additionalProperties: false` (as any schema with `allOf` is).
    Plain,
    /// The definition as the base of an `allOf`: never closed itself, since the type that
    /// names it is closed over the whole union (see the module doc).
    Open,
    /// A polymorphic base: the subtype its discriminator value names, else the base.
    Dispatch,
}

type DefRef = (PathBuf, String);

/// Converts schemas of one mode, remembering every definition it has converted.
pub(crate) struct Converter {
    docs: Arc<BTreeMap<PathBuf, Value>>,
    mode: Mode,
    /// Base definition → `(discriminator value, subtype)`.
    subtypes: HashMap<DefRef, Vec<(String, DefRef)>>,
    keys: HashMap<(DefRef, Variant), String>,
    used: HashSet<String>,
    defs: Map<String, Value>,
}

impl Converter {
    pub(crate) fn new(docs: Arc<BTreeMap<PathBuf, Value>>, mode: Mode) -> Converter {
        let mut subtypes: HashMap<DefRef, Vec<(String, DefRef)>> = HashMap::new();
        for (file, doc) in docs.iter() {
            let Some(defs) = doc.get("definitions").and_then(Value::as_object) else { continue };
            for (name, def) in defs {
                for base in def.get("allOf").and_then(Value::as_array).into_iter().flatten() {
                    let Some(r) = base.get("$ref").and_then(Value::as_str) else { continue };
                    let target = split_ref(file, r);
                    let has_discriminator = docs.get(&target.0).and_then(|d| d.pointer(&target.1)).is_some_and(|b| b.get("discriminator").is_some());
                    if has_discriminator {
                        let value = def.get("x-ms-discriminator-value").and_then(Value::as_str).unwrap_or(name).to_string();
                        subtypes.entry(target).or_default().push((value, (file.clone(), format!("/definitions/{name}"))));
                    }
                }
            }
        }
        Converter { docs, mode, subtypes, keys: HashMap::new(), used: HashSet::new(), defs: Map::new() }
    }

    /// `schema` (found in `file`) as a self-contained JSON Schema 2020-12 document.
    pub(crate) fn bundle(&mut self, schema: &Value, file: &Path) -> Result<Value, String> {
        let root = self.convert(schema, file, false)?;
        let mut needed = BTreeMap::new();
        let mut stack = Vec::new();
        refs_in(&root, &mut stack);
        while let Some(key) = stack.pop() {
            if needed.contains_key(&key) {
                continue;
            }
            let def = self.defs.get(&key).cloned().ok_or_else(|| format!("internal: definition {key} was not converted"))?;
            refs_in(&def, &mut stack);
            needed.insert(key, def);
        }
        let mut out = match root {
            Value::Object(m) => m,
            other => return Ok(other),
        };
        out.insert("$schema".into(), json!("https://json-schema.org/draft/2020-12/schema"));
        out.insert("$defs".into(), Value::Object(needed.into_iter().collect()));
        Ok(Value::Object(out))
    }

    fn ensure(&mut self, def: DefRef, variant: Variant) -> Result<String, String> {
        if let Some(k) = self.keys.get(&(def.clone(), variant)) {
            return Ok(k.clone());
        }
        let stem = def.0.file_stem().and_then(|s| s.to_str()).unwrap_or("spec");
        let name = def.1.rsplit('/').next().unwrap_or("def");
        let suffix = match variant {
            Variant::Plain => "",
            Variant::Open => ".open",
            Variant::Dispatch => ".any",
        };
        let base: String = format!("{stem}.{name}{suffix}")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' })
            .collect();
        let mut key = base.clone();
        let mut n = 1;
        while self.used.contains(&key) {
            n += 1;
            key = format!("{base}.{n}");
        }
        self.used.insert(key.clone());
        self.keys.insert((def.clone(), variant), key.clone());
        // Placeholder first: definitions refer to themselves (error details, nested types).
        self.defs.insert(key.clone(), Value::Bool(true));
        let converted = match variant {
            Variant::Plain => {
                let target = self.lookup(&def)?;
                self.convert(&target, &def.0, false)?
            }
            Variant::Open => {
                let mut target = self.lookup(&def)?;
                if let Value::Object(m) = &mut target {
                    if m.get("additionalProperties") == Some(&Value::Bool(false)) {
                        // `true`, not removed: a bare `type: object` would otherwise read as
                        // "any JSON" (see `convert`).
                        m.insert("additionalProperties".into(), Value::Bool(true));
                    }
                }
                self.convert_with(&target, &def.0, false, false)?
            }
            Variant::Dispatch => {
                let target = self.lookup(&def)?;
                let property = target.get("discriminator").and_then(Value::as_str).unwrap_or_default().to_string();
                let plain = self.ensure(def.clone(), Variant::Plain)?;
                // if value = a then A else if value = b then B ... else the base: each
                // subtype is checked alone (it holds the base open through its `allOf`), so
                // a closed base does not reject what the subtype adds.
                let mut chain = json!({ "$ref": format!("#/$defs/{plain}") });
                for (value, sub) in self.subtypes.get(&def).cloned().unwrap_or_default().into_iter().rev() {
                    let sub_key = self.ensure(sub, Variant::Plain)?;
                    chain = json!({
                        "if": { "properties": { property.clone(): { "const": value } }, "required": [property.clone()] },
                        "then": { "$ref": format!("#/$defs/{sub_key}") },
                        "else": chain
                    });
                }
                chain
            }
        };
        self.defs.insert(key.clone(), converted);
        Ok(key)
    }

    fn lookup(&self, def: &DefRef) -> Result<Value, String> {
        self.docs
            .get(&def.0)
            .and_then(|d| d.pointer(&def.1))
            .cloned()
            .ok_or_else(|| format!("reference {}#{} does not resolve to a loaded spec", def.0.display(), def.1))
    }

    /// Whether `def` or any base it names in `allOf` says `additionalProperties: false`.
    fn closes(&self, def: &DefRef, depth: usize) -> bool {
        // Inheritance chains in the specs are a few levels deep; the bound only stops a
        // cyclic `allOf` from recursing forever.
        if depth > 32 {
            return false;
        }
        let Ok(target) = self.lookup(def) else { return false };
        if target.get("additionalProperties") == Some(&Value::Bool(false)) {
            return true;
        }
        target
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|b| b.get("$ref").and_then(Value::as_str))
            .any(|r| self.closes(&split_ref(&def.0, r), depth + 1))
    }

    fn is_read_only(&self, prop: &Value, file: &Path) -> bool {
        if prop.get("readOnly").and_then(Value::as_bool) == Some(true) {
            return true;
        }
        match prop.get("$ref").and_then(Value::as_str) {
            Some(r) => self.lookup(&split_ref(file, r)).is_ok_and(|t| t.get("readOnly").and_then(Value::as_bool) == Some(true)),
            None => false,
        }
    }

    fn convert(&mut self, node: &Value, file: &Path, in_all_of: bool) -> Result<Value, String> {
        self.convert_with(node, file, in_all_of, true)
    }

    /// `close_inherited`: a schema whose `allOf` names a closed base is closed itself (the
    /// base is used open, see the module doc); false only for the [`Variant::Open`] use.
    fn convert_with(&mut self, node: &Value, file: &Path, in_all_of: bool, close_inherited: bool) -> Result<Value, String> {
        let Some(obj) = node.as_object() else { return Ok(node.clone()) };
        let nullable = obj.get("x-nullable").and_then(Value::as_bool) == Some(true);
        if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
            let def = split_ref(file, r);
            let target = self.lookup(&def)?;
            let polymorphic = target.get("discriminator").is_some() && self.subtypes.get(&def).is_some_and(|s| !s.is_empty());
            // A base that is (or inherits being) closed is used open here; a closed base
            // would reject every property of the type naming it.
            let open = in_all_of && self.closes(&def, 0);
            let variant = match (polymorphic, in_all_of) {
                (true, false) => Variant::Dispatch,
                _ if open => Variant::Open,
                _ => Variant::Plain,
            };
            let key = self.ensure(def, variant)?;
            let out = json!({ "$ref": format!("#/$defs/{key}") });
            return Ok(if nullable { json!({ "anyOf": [out, { "type": "null" }] }) } else { out });
        }
        let mut out = Map::new();
        for (k, v) in obj {
            match k.as_str() {
                "properties" => {
                    let mut props = Map::new();
                    for (name, p) in v.as_object().into_iter().flatten() {
                        let converted = self.convert(p, file, false)?;
                        props.insert(name.clone(), self.response_nullable(converted));
                    }
                    out.insert(k.clone(), Value::Object(props));
                }
                "additionalProperties" => match v {
                    Value::Bool(false) => {
                        out.insert("unevaluatedProperties".into(), Value::Bool(false));
                    }
                    Value::Object(_) => {
                        let converted = self.convert(v, file, false)?;
                        out.insert(k.clone(), self.response_nullable(converted));
                    }
                    _ => {}
                },
                "items" => {
                    out.insert(k.clone(), self.convert(v, file, false)?);
                }
                "allOf" | "anyOf" | "oneOf" => {
                    let mut items = Vec::new();
                    for item in v.as_array().into_iter().flatten() {
                        items.push(self.convert(item, file, k == "allOf")?);
                    }
                    out.insert(k.clone(), Value::Array(items));
                }
                "required" => {
                    let Some(names) = v.as_array() else { continue };
                    let props = obj.get("properties");
                    let kept: Vec<Value> = names
                        .iter()
                        .filter(|n| {
                            self.mode == Mode::Response
                                || !n.as_str().and_then(|n| props.and_then(|p| p.get(n))).is_some_and(|p| self.is_read_only(p, file))
                        })
                        .cloned()
                        .collect();
                    out.insert(k.clone(), Value::Array(kept));
                }
                "enum" => {
                    let extensible = obj.get("x-ms-enum").and_then(|e| e.get("modelAsString")).and_then(Value::as_bool) == Some(true);
                    if !(extensible && self.mode == Mode::Response) {
                        out.insert(k.clone(), v.clone());
                    }
                }
                "type" if v == "file" => {}
                // AutoRest reads a bare `type: object` as "any JSON" (Resource Graph's `data`
                // is declared so and is an array).
                "type" if v == "object" && !["properties", "additionalProperties", "allOf"].iter().any(|k| obj.contains_key(*k)) => {}
                "discriminator" | "description" | "title" | "default" | "example" | "externalDocs" => {}
                _ if k.starts_with("x-") => {}
                _ => {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
        if close_inherited && !out.contains_key("unevaluatedProperties") {
            let bases = obj.get("allOf").and_then(Value::as_array).into_iter().flatten().filter_map(|b| b.get("$ref").and_then(Value::as_str));
            if bases.map(|r| split_ref(file, r)).any(|def| self.closes(&def, 0)) {
                out.insert("unevaluatedProperties".into(), Value::Bool(false));
            }
        }
        let out = Value::Object(out);
        Ok(if nullable { or_null(out) } else { out })
    }

    /// In responses, a property or map value may be `null`: ARM writes `null` for unset
    /// optional properties far more often than specs say `x-nullable` (the ML compute
    /// examples do it throughout).
    fn response_nullable(&self, schema: Value) -> Value {
        match self.mode {
            Mode::Response => or_null(schema),
            Mode::Request => schema,
        }
    }
}

/// `schema` or `null`, keeping error messages precise where possible: a typed schema gets
/// `null` added to its `type`, anything else is wrapped in `anyOf`.
fn or_null(schema: Value) -> Value {
    let Value::Object(mut out) = schema else { return schema };
    match out.get("type").cloned() {
        Some(Value::String(t)) => {
            out.insert("type".into(), json!([t, "null"]));
            if let Some(Value::Array(values)) = out.get_mut("enum") {
                if !values.contains(&Value::Null) {
                    values.push(Value::Null);
                }
            }
            Value::Object(out)
        }
        Some(Value::Array(mut types)) => {
            if !types.contains(&json!("null")) {
                types.push(json!("null"));
            }
            out.insert("type".into(), Value::Array(types));
            Value::Object(out)
        }
        _ if out.is_empty() => Value::Object(out),
        _ => json!({ "anyOf": [Value::Object(out), { "type": "null" }] }),
    }
}

fn refs_in(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "$ref" {
                    if let Some(key) = x.as_str().and_then(|s| s.strip_prefix("#/$defs/")) {
                        out.push(key.to_string());
                    }
                } else {
                    refs_in(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| refs_in(x, out)),
        _ => {}
    }
}

/// Rewrites every `$ref` in `schema` (which was written in `file`) to an absolute path, so the
/// schema can be used from another file (a shared body parameter).
pub(crate) fn absolutize_refs(schema: &mut Value, file: &Path) {
    match schema {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if k == "$ref" {
                    if let Some(r) = x.as_str() {
                        let (path, pointer) = split_ref(file, r);
                        *x = Value::String(format!("{}#{pointer}", path.display()));
                    }
                } else {
                    absolutize_refs(x, file);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| absolutize_refs(x, file)),
        _ => {}
    }
}
