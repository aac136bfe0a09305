//! The ARM contract as a library: loads the official swagger specs in `../shared/azure` and
//! checks requests and responses against them.
//!
//! [`Spec::load_all`] reads every swagger file under a root; [`Spec::validate_request`]
//! finds the operation a [`Request`] addresses (method, path template, api-version) and
//! checks its path parameters, query and body; [`Spec::validate_response`] checks a response
//! body against the schema the same operation declares for that status. Bodies are checked by
//! the `jsonschema` crate after converting swagger 2.0 schemas to JSON Schema 2020-12
//! (see [`convert`] for what that conversion does and why).
//!
//! Not here: what pullpath sends (that is `pullpath_core::request`) or what it means.

pub mod convert;
mod paths;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use pullpath_core::request::{Method, Request};
use serde_json::Value;

use convert::{Converter, Mode};
use paths::Template;

/// What can go wrong loading the specs. Validation failures are not errors of this kind;
/// they are lists of human-readable findings.
#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    #[error("the Azure spec folder {0} does not exist: the contract tests read the official specs from ../shared/azure/specification next to the workspace (see shared/azure/README.md)")]
    SpecRootMissing(PathBuf),
    #[error("could not read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path} is not valid JSON: {source}")]
    Json { path: PathBuf, source: serde_json::Error },
    #[error("{file}: reference {reference:?} does not resolve")]
    BadRef { file: PathBuf, reference: String },
}

/// One operation of one spec file.
#[derive(Debug, Clone)]
pub struct Operation {
    /// e.g. `RoleAssignments_Create`.
    pub id: String,
    pub method: Method,
    /// The path template as the spec writes it, e.g.
    /// `/{scope}/providers/Microsoft.Authorization/roleAssignments/{roleAssignmentName}`.
    pub template: String,
    /// The spec file's `info.version`.
    pub api_version: String,
    /// The spec file the operation is defined in.
    pub file: PathBuf,
    /// Parameters with `$ref`s resolved (path-level ones merged in).
    pub parameters: Vec<Value>,
    /// `responses` as written (status or `default` → response object).
    pub responses: BTreeMap<String, Value>,
    /// Example files referenced by `x-ms-examples`, as absolute paths.
    pub examples: Vec<PathBuf>,
    parsed: Template,
}

impl Operation {
    fn body_parameter(&self) -> Option<&Value> {
        self.parameters.iter().find(|p| p.get("in").and_then(Value::as_str) == Some("body"))
    }
    fn params_in<'a>(&'a self, place: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.parameters.iter().filter(move |p| p.get("in").and_then(Value::as_str) == Some(place))
    }
}

/// An example file with the operation that references it (if any loaded spec does).
#[derive(Debug, Clone)]
pub struct Example {
    pub path: PathBuf,
    /// `(operation id, api-version)` of the referencing operation.
    pub operation: Option<(String, String)>,
    pub value: Value,
}

/// Which schema of an operation a cached validator is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Slot {
    Body,
    Response(String),
}

type ValidatorCache = HashMap<(usize, Slot), Arc<jsonschema::Validator>>;

/// All loaded specs.
pub struct Spec {
    root: PathBuf,
    /// Further roots laid out as `root` is (`tests/contract/specs-extra`).
    extra: Vec<PathBuf>,
    docs: Arc<BTreeMap<PathBuf, Value>>,
    operations: Vec<Operation>,
    examples: Vec<Example>,
    converters: Mutex<HashMap<Mode, Converter>>,
    validators: Mutex<ValidatorCache>,
}

impl std::fmt::Debug for Spec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spec").field("root", &self.root).field("operations", &self.operations.len()).finish()
    }
}

impl Spec {
    /// `../shared/azure/specification` from the workspace root, found from this crate's
    /// manifest directory (`tests/contract`), unless `PULLPATH_AZURE_SPECS` names another
    /// folder (a checkout of the workspace elsewhere).
    pub fn default_root() -> PathBuf {
        match std::env::var_os("PULLPATH_AZURE_SPECS") {
            Some(dir) => PathBuf::from(dir),
            None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/azure/specification"),
        }
    }

    /// `tests/contract/specs-extra`: specs `../shared/azure` does not hold (see its README).
    pub fn extra_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("specs-extra")
    }

    /// The specs under [`Spec::default_root`] and [`Spec::extra_root`], loaded once per
    /// process.
    ///
    /// Panics with the loader's message when the folder is missing: every caller is a test,
    /// and a test cannot do anything useful without the contract.
    pub fn shared() -> &'static Spec {
        static SPEC: OnceLock<Spec> = OnceLock::new();
        SPEC.get_or_init(|| Spec::load_roots(&Spec::default_root(), &[Spec::extra_root()]).unwrap_or_else(|e| panic!("{e}")))
    }

    /// Reads every `*.json` under `root`: swagger files become operations, files under an
    /// `examples/` folder become examples.
    pub fn load_all(root: &Path) -> Result<Spec, ContractError> {
        Spec::load_roots(root, &[])
    }

    /// [`Spec::load_all`] of `root` and of each of `extra` (`$ref`s resolve within a file's
    /// own folder, so the roots do not need each other).
    pub fn load_roots(root: &Path, extra: &[PathBuf]) -> Result<Spec, ContractError> {
        let canonical = |root: &Path| -> Result<PathBuf, ContractError> {
            if !root.is_dir() {
                return Err(ContractError::SpecRootMissing(root.to_path_buf()));
            }
            std::fs::canonicalize(root).map_err(|source| ContractError::Io { path: root.to_path_buf(), source })
        };
        let root = canonical(root)?;
        let extra = extra.iter().map(|r| canonical(r)).collect::<Result<Vec<_>, _>>()?;
        let mut files = Vec::new();
        for r in std::iter::once(&root).chain(&extra) {
            walk(r, &mut files)?;
        }
        let mut docs = BTreeMap::new();
        let mut example_files = BTreeMap::new();
        for path in files {
            let text = std::fs::read_to_string(&path).map_err(|source| ContractError::Io { path: path.clone(), source })?;
            let value: Value = serde_json::from_str(&text).map_err(|source| ContractError::Json { path: path.clone(), source })?;
            if path.components().any(|c| c.as_os_str() == "examples") {
                example_files.insert(path, value);
            } else if value.get("swagger").is_some() {
                docs.insert(path, value);
            }
        }
        let docs = Arc::new(docs);
        let mut operations = Vec::new();
        for (file, doc) in docs.iter() {
            collect_operations(&docs, file, doc, &mut operations)?;
        }
        let mut by_example: HashMap<PathBuf, (String, String)> = HashMap::new();
        for op in &operations {
            for ex in &op.examples {
                by_example.insert(ex.clone(), (op.id.clone(), op.api_version.clone()));
            }
        }
        let examples = example_files
            .into_iter()
            .map(|(path, value)| Example { operation: by_example.get(&path).cloned(), path, value })
            .collect();
        Ok(Spec { root, extra, docs, operations, examples, converters: Mutex::new(HashMap::new()), validators: Mutex::new(HashMap::new()) })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `path` relative to the root it was loaded from (itself when it is under none).
    pub fn relative<'a>(&self, path: &'a Path) -> &'a Path {
        std::iter::once(&self.root).chain(&self.extra).find_map(|r| path.strip_prefix(r).ok()).unwrap_or(path)
    }

    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    /// Every example file, whether or not a loaded spec references it.
    pub fn examples(&self) -> &[Example] {
        &self.examples
    }

    /// The operation with this id in the spec of this api-version.
    pub fn operation(&self, id: &str, api_version: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.id == id && o.api_version == api_version)
    }

    /// The operation a request addresses: same method, a path template that matches, and
    /// the request's api-version. When several templates match (`/{scope}/...` matches
    /// nearly everything), the one with the most literal segments wins.
    pub fn operation_for(&self, request: &Request) -> Result<&Operation, String> {
        let Some(api_version) = request.api_version() else {
            return Err(format!("{} {}: no api-version query parameter", request.method.as_str(), request.path));
        };
        let candidates = self.matching(request.method, &request.path);
        let best = candidates.iter().filter(|(i, _)| self.operations[*i].api_version == api_version).max_by_key(|(_, score)| *score);
        match best {
            Some((i, _)) => Ok(&self.operations[*i]),
            None => {
                let versions: Vec<String> = candidates.iter().map(|(i, _)| format!("{} ({})", self.operations[*i].id, self.operations[*i].api_version)).collect();
                if versions.is_empty() {
                    Err(format!("{} {}: no operation in the loaded specs has this method and path", request.method.as_str(), request.path))
                } else {
                    Err(format!("{} {}: api-version {api_version} is not the version of the matching operations: {}", request.method.as_str(), request.path, versions.join(", ")))
                }
            }
        }
    }

    /// Indexes of operations whose method and template match, with a specificity score.
    fn matching(&self, method: Method, path: &str) -> Vec<(usize, (usize, std::cmp::Reverse<usize>))> {
        self.operations
            .iter()
            .enumerate()
            .filter(|(_, op)| op.method == method)
            .filter_map(|(i, op)| op.parsed.matches(path).map(|_| (i, op.parsed.specificity())))
            .collect()
    }

    /// Checks a request against the spec: operation found, path parameters valid, query
    /// parameters known and required ones present, body present when required and valid
    /// against the body schema. Returns every problem found.
    pub fn validate_request(&self, request: &Request) -> Result<(), Vec<String>> {
        self.check_request(request).map(|_| ())
    }

    /// Like [`Spec::validate_request`], returning the matched operation.
    pub fn check_request(&self, request: &Request) -> Result<&Operation, Vec<String>> {
        let op = self.operation_for(request).map_err(|e| vec![e])?;
        let idx = self.index_of(op);
        let mut problems = Vec::new();
        let captures = op.parsed.matches(&request.path).unwrap_or_default();
        for p in op.params_in("path") {
            let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
            match captures.get(name) {
                None => problems.push(format!("{}: path parameter {name} is missing", op.id)),
                Some(value) if !op.parsed.is_multi(name) => {
                    for e in check_simple_param(p, value) {
                        problems.push(format!("{}: path parameter {name}={value:?}: {e}", op.id));
                    }
                }
                Some(_) => {}
            }
        }
        for (k, v) in &request.query {
            match op.params_in("query").find(|p| p.get("name").and_then(Value::as_str) == Some(k.as_str())) {
                None => problems.push(format!("{}: query parameter {k:?} is not defined by the operation", op.id)),
                Some(p) => {
                    for e in check_simple_param(p, v) {
                        problems.push(format!("{}: query parameter {k}={v:?}: {e}", op.id));
                    }
                }
            }
        }
        for p in op.params_in("query") {
            let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
            if p.get("required").and_then(Value::as_bool) == Some(true) && !request.query.iter().any(|(k, _)| k == name) {
                problems.push(format!("{}: required query parameter {name} is missing", op.id));
            }
        }
        match (op.body_parameter(), &request.body) {
            (None, Some(_)) => problems.push(format!("{}: the operation takes no body but the request has one", op.id)),
            (Some(p), None) if p.get("required").and_then(Value::as_bool) == Some(true) => {
                problems.push(format!("{}: the operation requires a body but the request has none", op.id))
            }
            (Some(_), Some(body)) => match self.validator(idx, Slot::Body) {
                Ok(Some(v)) => problems.extend(errors(&v, body).into_iter().map(|e| format!("{}: body {e}", op.id))),
                Ok(None) => {}
                Err(e) => problems.push(format!("{}: {e}", op.id)),
            },
            _ => {}
        }
        if problems.is_empty() {
            Ok(op)
        } else {
            Err(problems)
        }
    }

    /// Checks a response to `request` against the schema the operation declares for
    /// `status` (or its `default` response). `body` is `None` for an empty body.
    pub fn validate_response(&self, request: &Request, status: u16, body: Option<&Value>) -> Result<(), Vec<String>> {
        let op = self.operation_for(request).map_err(|e| vec![e])?;
        self.validate_operation_response(op, status, body)
    }

    /// [`Spec::validate_response`] for a known operation.
    pub fn validate_operation_response(&self, op: &Operation, status: u16, body: Option<&Value>) -> Result<(), Vec<String>> {
        let key = status.to_string();
        let slot = if op.responses.contains_key(&key) {
            key
        } else if op.responses.contains_key("default") && !(200..300).contains(&status) {
            "default".to_string()
        } else if status >= 400 {
            // Some operations (Registries_Get) declare no error response at all; ARM still
            // answers failures with its common error envelope.
            let body = body.ok_or_else(|| vec![format!("{}: status {status} without the ARM error body", op.id)])?;
            return self.validate_definition_in(COMMON_TYPES, "ErrorResponse", Mode::Response, body).map_err(|ps| ps.into_iter().map(|p| format!("{}: error response {p}", op.id)).collect());
        } else {
            return Err(vec![format!("{}: status {status} is not a response the spec declares ({})", op.id, op.responses.keys().cloned().collect::<Vec<_>>().join(", "))]);
        };
        let has_schema = op.responses.get(&slot).and_then(|r| r.get("schema")).is_some();
        match (has_schema, body) {
            (false, Some(b)) if !b.is_null() => Err(vec![format!("{}: status {status} has no body in the spec but the response has one", op.id)]),
            (false, _) => Ok(()),
            (true, None) => Err(vec![format!("{}: status {status} has a body in the spec but the response has none", op.id)]),
            (true, Some(body)) => {
                let v = self.validator(self.index_of(op), Slot::Response(slot)).map_err(|e| vec![e])?;
                let problems: Vec<String> = v.map(|v| errors(&v, body)).unwrap_or_default().into_iter().map(|e| format!("{}: response {e}", op.id)).collect();
                if problems.is_empty() {
                    Ok(())
                } else {
                    Err(problems)
                }
            }
        }
    }

    /// Checks a value against a definition, e.g. `("containerregistry.json", "Registry")`:
    /// the file is found by its name among the loaded specs.
    pub fn validate_definition(&self, file_name: &str, definition: &str, mode: Mode, value: &Value) -> Result<(), Vec<String>> {
        self.validate_definition_in(file_name, definition, mode, value)
    }

    /// Like [`Spec::validate_definition`], with `file_tail` the last components of the spec file's path.
    fn validate_definition_in(&self, file_tail: &str, definition: &str, mode: Mode, value: &Value) -> Result<(), Vec<String>> {
        let file = self
            .docs
            .keys()
            .find(|p| p.ends_with(file_tail))
            .ok_or_else(|| vec![format!("no loaded spec file path ends with {file_tail}")])?
            .clone();
        let schema = serde_json::json!({ "$ref": format!("#/definitions/{definition}") });
        let v = self.compile(mode, &schema, &file).map_err(|e| vec![e])?;
        let problems = errors(&v, value);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    fn index_of(&self, op: &Operation) -> usize {
        self.operations.iter().position(|o| std::ptr::eq(o, op)).unwrap_or_default()
    }

    fn validator(&self, idx: usize, slot: Slot) -> Result<Option<Arc<jsonschema::Validator>>, String> {
        if let Some(v) = self.validators.lock().map_err(|e| e.to_string())?.get(&(idx, slot.clone())) {
            return Ok(Some(v.clone()));
        }
        let op = &self.operations[idx];
        let (schema, mode) = match &slot {
            Slot::Body => (op.body_parameter().and_then(|p| p.get("schema")).cloned(), Mode::Request),
            Slot::Response(s) => (op.responses.get(s).and_then(|r| r.get("schema")).cloned(), Mode::Response),
        };
        let Some(schema) = schema else { return Ok(None) };
        let v = Arc::new(self.compile(mode, &schema, &op.file)?);
        self.validators.lock().map_err(|e| e.to_string())?.insert((idx, slot), v.clone());
        Ok(Some(v))
    }

    fn compile(&self, mode: Mode, schema: &Value, file: &Path) -> Result<jsonschema::Validator, String> {
        let mut converters = self.converters.lock().map_err(|e| e.to_string())?;
        let conv = converters.entry(mode).or_insert_with(|| Converter::new(self.docs.clone(), mode));
        let bundled = conv.bundle(schema, file)?;
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(false)
            .build(&bundled)
            .map_err(|e| format!("the converted schema does not compile: {e}"))
    }
}

/// The newest ARM common types: their ErrorResponse is the envelope every failure uses.
const COMMON_TYPES: &str = "common-types/resource-management/v5/types.json";

fn errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance).map(|e| format!("at {:?}: {e}", e.instance_path().to_string())).collect()
}

/// Checks a path or query value against the parameter's `type`/`pattern`/length/`enum`.
fn check_simple_param(param: &Value, value: &str) -> Vec<String> {
    let mut schema = serde_json::Map::new();
    for k in ["pattern", "minLength", "maxLength", "enum"] {
        if let Some(v) = param.get(k) {
            // Extensible enums (modelAsString) accept values the spec does not list.
            if k == "enum" && param.pointer("/x-ms-enum/modelAsString").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            schema.insert(k.into(), v.clone());
        }
    }
    let instance = match param.get("type").and_then(Value::as_str) {
        Some("integer") | Some("number") => match value.parse::<f64>() {
            Ok(n) => serde_json::json!(n),
            Err(_) => return vec!["is not a number".into()],
        },
        Some("boolean") => match value {
            "true" | "false" => return Vec::new(),
            _ => return vec!["is not true or false".into()],
        },
        _ => Value::String(value.to_string()),
    };
    match jsonschema::options().with_draft(jsonschema::Draft::Draft202012).build(&Value::Object(schema)) {
        Ok(v) => errors(&v, &instance),
        Err(e) => vec![format!("the parameter's constraints do not compile: {e}")],
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ContractError> {
    let entries = std::fs::read_dir(dir).map_err(|source| ContractError::Io { path: dir.to_path_buf(), source })?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "json") {
            out.push(p);
        }
    }
    Ok(())
}

/// Lexically resolves `rel` against the folder of `file` (no file-system access: the specs
/// are all loaded already).
pub(crate) fn resolve_path(file: &Path, rel: &str) -> PathBuf {
    if rel.is_empty() {
        return file.to_path_buf();
    }
    let mut out = if rel.starts_with('/') { PathBuf::from("/") } else { file.parent().map(Path::to_path_buf).unwrap_or_default() };
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            p => out.push(p),
        }
    }
    out
}

/// Splits `other.json#/definitions/X` into the file it names (relative to `file`) and the
/// JSON pointer.
pub(crate) fn split_ref(file: &Path, reference: &str) -> (PathBuf, String) {
    let (path, pointer) = reference.split_once('#').unwrap_or((reference, ""));
    (resolve_path(file, path), pointer.to_string())
}

fn resolve_param(docs: &BTreeMap<PathBuf, Value>, file: &Path, p: &Value) -> Result<Value, ContractError> {
    match p.get("$ref").and_then(Value::as_str) {
        None => Ok(p.clone()),
        Some(r) => {
            let (target, pointer) = split_ref(file, r);
            let bad = || ContractError::BadRef { file: file.to_path_buf(), reference: r.to_string() };
            let mut param = docs.get(&target).and_then(|d| d.pointer(&pointer)).cloned().ok_or_else(bad)?;
            // A body parameter's schema refs are relative to the file that defines it.
            if let Some(schema) = param.get_mut("schema") {
                convert::absolutize_refs(schema, &target);
            }
            Ok(param)
        }
    }
}

fn collect_operations(docs: &BTreeMap<PathBuf, Value>, file: &Path, doc: &Value, out: &mut Vec<Operation>) -> Result<(), ContractError> {
    let api_version = doc.pointer("/info/version").and_then(Value::as_str).unwrap_or_default().to_string();
    for section in ["paths", "x-ms-paths"] {
        let Some(paths) = doc.get(section).and_then(Value::as_object) else { continue };
        for (template, item) in paths {
            let Some(item) = item.as_object() else { continue };
            let shared: Vec<Value> = item.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
            for (m, op) in item {
                let method = match m.as_str() {
                    "get" => Method::Get,
                    "put" => Method::Put,
                    "patch" => Method::Patch,
                    "post" => Method::Post,
                    "delete" => Method::Delete,
                    _ => continue,
                };
                let mut parameters = Vec::new();
                for p in shared.iter().chain(op.get("parameters").and_then(Value::as_array).into_iter().flatten()) {
                    let p = resolve_param(docs, file, p)?;
                    // An operation parameter overrides a path-level one of the same name and place.
                    parameters.retain(|q: &Value| !(q.get("name") == p.get("name") && q.get("in") == p.get("in")));
                    parameters.push(p);
                }
                let examples = op
                    .get("x-ms-examples")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flat_map(|m| m.values())
                    .filter_map(|e| e.get("$ref").and_then(Value::as_str))
                    .map(|r| resolve_path(file, r))
                    .collect();
                let responses = op.get("responses").and_then(Value::as_object).map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default();
                let parsed = Template::parse(template, &parameters);
                out.push(Operation {
                    id: op.get("operationId").and_then(Value::as_str).unwrap_or_default().to_string(),
                    method,
                    template: template.clone(),
                    api_version: api_version.clone(),
                    file: file.to_path_buf(),
                    parameters,
                    responses,
                    examples,
                    parsed,
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
