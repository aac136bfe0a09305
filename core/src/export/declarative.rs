//! The plan as declarative deployments: an ARM template (subscription scope, with one nested
//! deployment per resource group and per subscription) and the same as Bicep (a `main.bicep`
//! with one module file per resource group and per subscription, since a Bicep file deploys
//! only to its own scope). Every group is pinned to its subscription, so a subscription-level
//! grant lands in its own subscription whichever one the deployment is started in: "To
//! deploy resources to a subscription that is different than the subscription from the
//! operation, add a module. Use the subscription function to set the scope property."
//! (https://learn.microsoft.com/azure/azure-resource-manager/bicep/deploy-to-subscription).
//!
//! Deployments can only create or replace resources with PUT, so two kinds of operation are
//! listed as not expressed instead of approximated: role assignment removals (a template
//! never deletes) and registry admin-user changes (a registry PUT with only that field would
//! reset the registry's other settings).
//!
//! Everything that comes from data (names, ids, bodies) is written as a literal of its
//! format: a Bicep string or quoted key, a JSON string that ARM does not read as a template
//! expression (`[[`), a quoted string inside the exporter's own `resourceId(...)` expressions.
//! A body is declared only when its top-level fields are ones a resource body has; a field
//! that the template language would read as its own (`name`, `dependsOn`, `scope`,
//! `resources`, `condition`, ...) makes the operation "not expressed" instead. File,
//! module, symbol and deployment names are made from data only through `symbol`/`stem` and
//! are unique per export.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use serde_json::{json, Map, Value};

use super::text::{arm_expr_str, arm_literal, arm_literal_value, bicep_key, bicep_str, bicep_value, comment, symbol};
use super::ExportFile;
use crate::id::ResourceId;
use crate::plan::{Plan, State};
use crate::request::{Method, ResourceKind};

/// Where a resource deploys: one subscription's resource group, or the subscription itself.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Group {
    subscription: String,
    resource_group: Option<String>,
}

/// A resource the deployment declares.
#[derive(Debug, Clone)]
struct Decl {
    op: usize,
    /// The resource's full id.
    id: ResourceId,
    /// `Microsoft.X/a/b`.
    ty: String,
    api_version: String,
    /// For role assignments: the scope they extend (None at resource-group or subscription
    /// level, where the deployment's own scope is the scope).
    extends: Option<ResourceId>,
    /// Resource body without `name`/`type`/`apiVersion`.
    body: Map<String, Value>,
    group: Group,
}

struct Decls {
    decls: Vec<Decl>,
    not_expressed: Vec<String>,
}

fn group_of(id: &ResourceId) -> Option<Group> {
    Some(Group { subscription: id.subscription_id()?.to_string(), resource_group: id.resource_group_name().map(str::to_string) })
}

/// `(type, names)` of a (non-extension) resource id: `Microsoft.X/a/b`, `[n1, n2]`.
fn type_and_names(id: &ResourceId) -> Option<(String, Vec<String>)> {
    let (_, rel) = id.as_str().rsplit_once("/providers/")?;
    let mut segs = rel.split('/');
    let ns = segs.next()?;
    let rest: Vec<&str> = segs.collect();
    if rest.is_empty() || rest.len() % 2 == 1 {
        return None;
    }
    let types: Vec<&str> = rest.iter().step_by(2).copied().collect();
    let names: Vec<String> = rest.iter().skip(1).step_by(2).map(|s| s.to_string()).collect();
    Some((format!("{ns}/{}", types.join("/")), names))
}

/// The top-level fields of a resource body that a template declares as they are: the
/// resource properties of the template resource format other than the template's own
/// (`type`, `apiVersion`, `name`, `scope`, `dependsOn`, `condition`, `copy`, `comments`,
/// `resources`, and in Bicep `parent`), which pullpath writes itself.
const BODY_FIELDS: [&str; 10] = ["extendedLocation", "identity", "kind", "location", "managedBy", "plan", "properties", "sku", "tags", "zones"];

fn collect(plan: &Plan) -> Decls {
    let mut decls = Vec::new();
    let mut not_expressed = Vec::new();
    for (i, op) in plan.operations.iter().enumerate() {
        if op.principal_from.is_some() {
            not_expressed.push(format!("{}: the new identity's ids exist only once an earlier step has created it; apply this plan with pullpath, the az script or the Terraform export", op.summary));
            continue;
        }
        let body = op.request.body.clone().and_then(|b| b.as_object().cloned()).unwrap_or_default();
        let declarable = !matches!(op.effect, State::RoleAssignment { present: None, .. } | State::AdminUser { .. });
        if declarable && op.request.method != Method::Put {
            not_expressed.push(format!("{}: only PUT requests can be declared; run the az script", op.summary));
            continue;
        }
        let foreign: Vec<&str> = body.keys().map(String::as_str).filter(|k| !BODY_FIELDS.contains(k)).collect();
        if declarable && !foreign.is_empty() {
            // Declaring the body without them would reset them; declaring them would let
            // data speak the template language.
            not_expressed.push(format!("{}: its body has top-level fields a template cannot declare as data ({}); run the az script", op.summary, foreign.join(", ")));
            continue;
        }
        let decl = match &op.effect {
            State::RoleAssignment { present: Some(a), id } => {
                let scope_level = a.scope.level();
                let Some(group) = group_of(&a.scope) else {
                    not_expressed.push(format!("{}: assignments above a subscription are not exported; use the az script", op.summary));
                    continue;
                };
                let extends = (scope_level == crate::id::ScopeLevel::Resource).then(|| a.scope.clone());
                Decl { op: i, id: id.clone(), ty: ResourceKind::RoleAssignment.type_name(), api_version: ResourceKind::RoleAssignment.api_version().into(), extends, body, group }
            }
            State::RoleAssignment { present: None, .. } => {
                not_expressed.push(format!("{}: a deployment cannot delete; run the az script or delete it in the portal", op.summary));
                continue;
            }
            State::AdminUser { .. } => {
                not_expressed.push(format!("{}: a registry PUT with only this setting would reset the registry's other settings; run the az script", op.summary));
                continue;
            }
            State::Connection { present: None, .. } | State::OutboundRule { present: None, .. } | State::Identity { present: None, .. } => {
                not_expressed.push(format!("{}: a deployment cannot delete; run the az script or delete it in the portal", op.summary));
                continue;
            }
            State::ComputeIdentity { .. } => {
                // The declaration would be the whole compute as it was when planned: deploying it
                // later would silently revert any change made since.
                not_expressed.push(format!("{}: a template would declare the whole compute as it was when planned, reverting any change made since; apply from pullpath or use the Terraform export (it changes only the identity)", op.summary));
                continue;
            }
            State::Connection { id, present: Some(_) } | State::OutboundRule { id, present: Some(_) } | State::Identity { id, present: Some(_) } => {
                let (Some(group), Some((ty, api_version))) = (group_of(id), crate::request::type_and_version(id)) else {
                    not_expressed.push(format!("{}: unexpected resource id {id}", op.summary));
                    continue;
                };
                Decl { op: i, id: id.clone(), ty, api_version: api_version.into(), extends: None, body, group }
            }
        };
        decls.push(decl);
    }
    Decls { decls, not_expressed }
}

/// A group's name in file, module and deployment names: its resource group's name reduced to
/// `[a-z0-9-]` (at most 40 characters) and a hash of the subscription and resource group, so
/// groups of the same name in two subscriptions, or names that reduce alike, never share it;
/// and never `main`. Deterministic: the same group always gets the same stem.
fn stem(g: &Group) -> String {
    let rg = g.resource_group.as_deref().unwrap_or(&g.subscription);
    let mut readable: String = rg.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    while readable.contains("--") {
        readable = readable.replace("--", "-");
    }
    let readable: String = readable.trim_matches('-').chars().take(40).collect();
    let readable = readable.trim_end_matches('-');
    let key = format!("{}\n{}", g.subscription.to_lowercase(), g.resource_group.as_deref().map(str::to_lowercase).unwrap_or_default());
    let namespace = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, b"https://github.com/pullpath/pullpath/export-group");
    let hash = uuid::Uuid::new_v5(&namespace, key.as_bytes()).simple().to_string();
    let prefix = if g.resource_group.is_some() { "rg" } else { "sub" };
    if readable.is_empty() {
        format!("{prefix}-{}", &hash[..8])
    } else {
        format!("{prefix}-{readable}-{}", &hash[..8])
    }
}

/// Unique names for every group of an export (a hash collision gets a counter), in group
/// order.
fn stems<'a>(groups: impl Iterator<Item = &'a Group>) -> BTreeMap<Group, String> {
    let mut taken = Symbols::default();
    crate::sort::collect_map(groups.map(|g| (g.clone(), taken.claim(stem(g)))))
}

/// Names handed out once each within one file (or export).
#[derive(Default)]
struct Symbols(BTreeSet<String>);

impl Symbols {
    fn claim(&mut self, base: String) -> String {
        let mut candidate = base.clone();
        let mut n = 1;
        while !self.0.insert(candidate.clone()) {
            n += 1;
            candidate = format!("{base}_{n}");
        }
        candidate
    }
}

/// `pullpath-<stem>`: within the 64 characters and `^[-\w\._\(\)]+$` a deployment name
/// may have (Deployments - Create Or Update At Subscription Scope,
/// https://learn.microsoft.com/rest/api/resources/deployments/createorupdateatsubscriptionscope).
fn deployment_name(stems: &BTreeMap<Group, String>, g: &Group) -> String {
    format!("pullpath-{}", stems.get(g).map(String::as_str).unwrap_or("group"))
}

/// An ARM template expression naming a declared resource, for `dependsOn`: the one kind of
/// expression this exporter writes, with every name in it a quoted expression string.
fn resource_id_expr(d: &Decl) -> String {
    match &d.extends {
        Some(scope) => format!("[extensionResourceId({}, {}, {})]", arm_expr_str(scope.as_str()), arm_expr_str(&d.ty), arm_expr_str(d.id.name())),
        None => match (d.id.is_extension(), type_and_names(&d.id)) {
            (false, Some((ty, names))) => format!("[resourceId({}, {})]", arm_expr_str(&ty), names.iter().map(|n| arm_expr_str(n)).collect::<Vec<_>>().join(", ")),
            _ => format!("[resourceId({}, {})]", arm_expr_str(&d.ty), arm_expr_str(d.id.name())),
        },
    }
}

fn template_resource(d: &Decl, all: &[Decl], plan: &Plan) -> Value {
    let name = match (&d.extends, type_and_names(&d.id)) {
        (None, Some((_, names))) if !d.id.is_extension() => names.join("/"),
        _ => d.id.name().to_string(),
    };
    let mut r = json!({"type": d.ty, "apiVersion": d.api_version, "name": arm_literal(&name)});
    if let Some(scope) = &d.extends {
        // Relative form: the scope's type and names after `/providers/`.
        if let Some((_, rel)) = scope.as_str().rsplit_once("/providers/") {
            r["scope"] = json!(arm_literal(rel));
        }
    }
    // `collect` let through only BODY_FIELDS, none of which the template sets itself.
    for (k, v) in &d.body {
        r[k] = arm_literal_value(v);
    }
    let deps: Vec<String> = plan.operations[d.op].depends_on.iter().filter_map(|j| all.iter().find(|o| o.op == *j && o.group == d.group)).map(resource_id_expr).collect();
    if !deps.is_empty() {
        r["dependsOn"] = json!(deps);
    }
    r
}

/// Groups that the operations of `g` depend on (other than `g`).
fn group_deps(g: &Group, decls: &[Decl], plan: &Plan) -> BTreeSet<Group> {
    crate::sort::collect_set(
        decls
            .iter()
            .filter(|d| &d.group == g)
            .flat_map(|d| plan.operations[d.op].depends_on.iter())
            .filter_map(|j| decls.iter().find(|o| o.op == *j))
            .map(|o| o.group.clone())
            .filter(|o| o != g),
    )
}

/// The plan as one ARM template to deploy at subscription scope
/// (`az deployment sub create --template-file plan.template.json --location <any>`).
pub fn arm_template(plan: &Plan) -> String {
    let Decls { decls, not_expressed } = collect(plan);
    let groups: BTreeMap<Group, Vec<&Decl>> = decls.iter().fold(BTreeMap::new(), |mut m, d| {
        m.entry(d.group.clone()).or_insert_with(Vec::new).push(d);
        m
    });
    let stems = stems(groups.keys());
    let mut resources = Vec::new();
    for (g, members) in &groups {
        let inner: Vec<Value> = members.iter().map(|d| template_resource(d, &decls, plan)).collect();
        let schema = match g.resource_group {
            Some(_) => "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            None => "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
        };
        let mut dep = json!({
            "type": "Microsoft.Resources/deployments",
            "apiVersion": crate::request::DEPLOYMENTS_API_VERSION,
            "name": deployment_name(&stems, g),
            "subscriptionId": arm_literal(&g.subscription),
            "properties": {
                "mode": "Incremental",
                "expressionEvaluationOptions": {"scope": "inner"},
                "template": {
                    "$schema": schema,
                    "contentVersion": "1.0.0.0",
                    "resources": inner,
                },
            },
        });
        match &g.resource_group {
            Some(rg) => dep["resourceGroup"] = json!(arm_literal(rg)),
            // A deployment to a subscription needs a location for its own record (as in the
            // spec's example of a nested subscription deployment); the outer one's will do.
            None => dep["location"] = json!("[deployment().location]"),
        }
        let deps: Vec<String> = group_deps(g, &decls, plan).iter().map(|o| deployment_name(&stems, o)).collect();
        if !deps.is_empty() {
            dep["dependsOn"] = json!(deps);
        }
        resources.push(dep);
    }
    let doc = json!({
        "$schema": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "metadata": {"generator": "pullpath", "notExpressed": not_expressed},
        "resources": resources,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

fn decl_symbol(d: &Decl) -> String {
    let kind = d.ty.rsplit('/').next().unwrap_or("resource");
    symbol(&[&format!("op{}", d.op), kind, if d.extends.is_some() || d.id.is_extension() { "" } else { d.id.name() }])
}

/// Declarations of one Bicep module file (a resource group's or a subscription's). `symbols`
/// holds the names the file already uses.
fn bicep_resources(out: &mut String, members: &[&Decl], plan: &Plan, symbols: &mut Symbols, not_expressed: &mut Vec<String>) {
    // Symbols first, so `dependsOn` can name any member.
    let syms: BTreeMap<usize, String> = crate::sort::collect_map(members.iter().map(|d| (d.op, symbols.claim(decl_symbol(d)))));
    // The existing resources declarations hang off, by id: one symbol each, however alike
    // their names reduce.
    let mut existing: BTreeMap<ResourceId, (String, String)> = BTreeMap::new();
    let mut body_out = String::new();
    for d in members {
        let sym = &syms[&d.op];
        let mut lines = Vec::new();
        lines.push(format!("  name: {}", bicep_str(d.id.name())));
        // The existing resource this one hangs off: the scope of a role assignment, the
        // parent of a child resource.
        let anchor = match &d.extends {
            Some(scope) => Some((scope.clone(), "scope")),
            None => d.id.parent().filter(|p| p.level() == crate::id::ScopeLevel::Resource).map(|p| (p, "parent")),
        };
        if let Some((anchor_id, prop)) = anchor {
            let (Some((ty, names)), Some(kind)) = (type_and_names(&anchor_id), ResourceKind::from_type(&anchor_id.resource_type())) else {
                not_expressed.push(format!("{}: pullpath does not know an api-version for {anchor_id}", plan.operations[d.op].summary));
                continue;
            };
            let asym = match existing.get(&anchor_id) {
                Some((asym, _)) => asym.clone(),
                None => {
                    let asym = symbols.claim(symbol(&[ty.rsplit('/').next().unwrap_or("r"), &names.join("_")]));
                    // The type as pullpath spells it (the id's spelling matched it ignoring case).
                    let decl = format!("resource {asym} '{}@{}' existing = {{\n  name: {}\n}}\n", kind.type_name(), kind.api_version(), bicep_str(&names.join("/")));
                    existing.insert(anchor_id.clone(), (asym.clone(), decl));
                    asym
                }
            };
            lines.push(format!("  {prop}: {asym}"));
        }
        // `collect` let through only BODY_FIELDS, none of which Bicep reads as its own.
        for (k, v) in &d.body {
            lines.push(format!("  {}: {}", bicep_key(k), bicep_value(v, 1)));
        }
        let deps: Vec<&String> = plan.operations[d.op].depends_on.iter().filter_map(|j| syms.get(j)).collect();
        if !deps.is_empty() {
            lines.push(format!("  dependsOn: [\n{}  ]", deps.iter().map(|s| format!("    {s}\n")).collect::<String>()));
        }
        let _ = writeln!(body_out, "// {}\nresource {sym} '{}@{}' = {{\n{}\n}}\n", comment(&plan.operations[d.op].summary), d.ty, d.api_version, lines.join("\n"));
    }
    // Sorted by symbol, so the file does not depend on the order of the plan.
    let mut decls: Vec<&(String, String)> = existing.values().collect();
    crate::sort::sort_by_key(&mut decls, |(sym, _)| sym.clone());
    for (_, e) in decls {
        out.push_str(e);
        out.push('\n');
    }
    out.push_str(&body_out);
}

/// The plan as Bicep: `main.bicep` (subscription scope) with one module per resource group,
/// `rg-<name>-<hash>.bicep`, and per subscription with subscription-level declarations,
/// `sub-<id>-<hash>.bicep` (see `stem`).
/// Deploy with `az deployment sub create --template-file main.bicep --location <any>`.
pub fn bicep(plan: &Plan) -> Vec<ExportFile> {
    let Decls { decls, mut not_expressed } = collect(plan);
    let groups: BTreeMap<Group, Vec<&Decl>> = decls.iter().fold(BTreeMap::new(), |mut m, d| {
        m.entry(d.group.clone()).or_insert_with(Vec::new).push(d);
        m
    });
    let stems = stems(groups.keys());
    let module_file = |g: &Group| format!("{}.bicep", stems.get(g).map(String::as_str).unwrap_or("group"));
    let mut files = Vec::new();
    let mut main_body = String::new();
    let mut main_symbols = Symbols::default();
    let module_symbols: BTreeMap<Group, String> = crate::sort::collect_map(groups.keys().map(|g| (g.clone(), main_symbols.claim(symbol(&[stems.get(g).map(String::as_str).unwrap_or("group")])))));
    for (g, members) in &groups {
        let (header, scope) = match &g.resource_group {
            Some(rg) => ("one resource group's part of the plan.\ntargetScope = 'resourceGroup'", format!("resourceGroup({}, {})", bicep_str(&g.subscription), bicep_str(rg))),
            None => ("one subscription's part of the plan.\ntargetScope = 'subscription'", format!("subscription({})", bicep_str(&g.subscription))),
        };
        let mut text = format!("// Generated by pullpath: {header}\n\n");
        bicep_resources(&mut text, members, plan, &mut Symbols::default(), &mut not_expressed);
        files.push(ExportFile { path: module_file(g), text: text.trim_end().to_string() + "\n" });
        let deps: Vec<String> = group_deps(g, &decls, plan).iter().filter_map(|o| module_symbols.get(o).cloned()).collect();
        let _ = write!(
            main_body,
            "module {} {} = {{\n  name: {}\n  scope: {scope}\n",
            module_symbols.get(g).map(String::as_str).unwrap_or_default(),
            bicep_str(&format!("./{}", module_file(g))),
            bicep_str(&deployment_name(&stems, g)),
        );
        if !deps.is_empty() {
            let _ = write!(main_body, "  dependsOn: [\n{}  ]\n", deps.iter().map(|s| format!("    {s}\n")).collect::<String>());
        }
        main_body.push_str("}\n\n");
    }
    let mut main = String::from("// Generated by pullpath. Deploy with: az deployment sub create --template-file main.bicep --location <region>\n");
    for n in &not_expressed {
        let _ = writeln!(main, "// Not expressed here: {}", comment(n));
    }
    main.push_str("targetScope = 'subscription'\n\n");
    main.push_str(&main_body);
    files.insert(0, ExportFile { path: "main.bicep".into(), text: main.trim_end().to_string() + "\n" });
    files
}
