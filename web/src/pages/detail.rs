//! The detail panel: everything about the selection (a resource or principal, one identity ×
//! registry cell with its explanation chain, a graph edge, a finding) and the changes that can
//! be asked for from there (grant pull, revoke a role assignment, admin user on or off, a
//! finding's fix). Changes only go to the pending list; nothing is written from here.
//!
//! Empty when nothing is selected (CSS hides the panel then).

use std::sync::Arc;

use leptos::prelude::*;
use pullpath_core::access::{describe_scope, AccessRow, IdentityKind, Level, RegistryMode};
use pullpath_core::analysis::Analysis;
use pullpath_core::graph::{self, NodeId};
use pullpath_core::id::ResourceId;
use pullpath_core::intent::Intent;
use pullpath_core::matrix::{kind_name, portal_url, principal_portal_url};
use pullpath_core::scan::ScanResult;
use pullpath_core::words;

use super::findings::FixButton;
use crate::state::{Analysed, AppState, Selection};

/// How many access rows a resource's panel lists before saying how many more there are.
const ROWS_SHOWN: usize = 40;

#[component]
pub fn Detail() -> impl IntoView {
    let state = expect_context::<AppState>();
    let status = RwSignal::new(String::new());
    // A new selection starts without the previous one's message.
    Effect::new(move |_| {
        state.selection.track();
        status.set(String::new());
    });
    let body = move || {
        let sel = state.selection.get()?;
        let a = state.analysed.get()?;
        let content = match sel {
            Selection::Node(id) => state.result.with(|r| r.as_ref().map(|r| node_view(state, r, &a, &id, status).into_any())),
            Selection::Access { principal_id, registry } => Some(access_view(state, &a, &principal_id, &registry, status).into_any()),
            Selection::Edge(i) => a.graph.edges.get(i).map(|e| {
                let label = |id: &NodeId| a.graph.nodes.iter().find(|n| n.id == *id).map(|n| n.label.clone()).unwrap_or_else(|| id.to_string());
                let (from, to) = (e.from.clone(), e.to.clone());
                view! {
                    <h2>"Connection"</h2>
                    <dl class="props">
                        <dt>"From"</dt><dd><button class="link" on:click=move |_| state.selection.set(Some(Selection::Node(from.clone())))>{label(&e.from)}</button></dd>
                        <dt>"To"</dt><dd><button class="link" on:click=move |_| state.selection.set(Some(Selection::Node(to.clone())))>{label(&e.to)}</button></dd>
                        <dt>"Kind"</dt><dd>{words::edge_kind(e.kind)}</dd>
                        <dt>"Works"</dt><dd>{if e.works { "✓ yes" } else { "✗ no" }}</dd>
                        <dt>"Label"</dt><dd>{e.label.clone()}</dd>
                    </dl>
                }
                .into_any()
            }),
            Selection::Finding(i) => a.analysis.findings.get(i).map(|f| {
                let resource_node = NodeId::resource(&f.resource);
                // An environment version by the name people use (`training-base:3`), as the list shows it.
                let name = super::findings::resource_label(&f.resource);
                view! {
                    <h2>"Finding"</h2>
                    <p class=format!("sev sev-{}", f.severity.as_str())><span class="sev-badge">{f.severity.as_str()}</span>" "<code>{f.id.clone()}</code></p>
                    <p>{f.message.clone()}</p>
                    <p>"On "<button class="link" on:click=move |_| state.selection.set(Some(Selection::Node(resource_node.clone())))>{name.clone()}</button>
                        " · "<a href=portal_url(&f.resource) target="_blank" rel="noopener noreferrer">"Open "{name}" in the Azure portal"</a></p>
                    <FixButton index=i status=status list=true/>
                }
                .into_any()
            }),
        }?;
        Some(view! {
            <div class="detail-head">
                <span class="detail-title">"Details"</span>
                <button class="close" aria-label="Close details" on:click=move |_| state.selection.set(None)>"×"</button>
            </div>
            {content}
            <p role="status" class="status">{move || status.get()}</p>
        })
    };
    view! { <aside class="detail" aria-label="Details">{body}</aside> }
}

/// One intent, for humans: the words the pending tray and the plan review use
/// (`core::change::words`), with identities named as the analysis labels them.
pub(crate) fn describe_intent(state: AppState, i: &Intent) -> String {
    state.result.with_untracked(|r| {
        state.analysed.with_untracked(|a| {
            let empty = Default::default();
            let inv = r.as_ref().map(|r| &r.inventory).unwrap_or(&empty);
            let ids = a.as_ref().map(|a| a.analysis.identities.as_slice()).unwrap_or(&[]);
            pullpath_core::change::words::describe_intent(i, inv, ids)
        })
    })
}

fn add(state: AppState, status: RwSignal<String>, intent: Intent) {
    let what = describe_intent(state, &intent);
    let was = state.pending.with_untracked(|p| p.contains(&intent));
    state.add_pending(intent);
    status.set(if was { format!("Already pending: {what}.") } else { format!("Added to the pending changes: {what}.") });
}

/// The pull grant for a principal on a registry, or why there is none.
fn grant_pull(state: AppState, principal_id: &str, kind: IdentityKind, registry: &ResourceId) -> Result<Intent, &'static str> {
    let Some(ty) = kind.principal_type() else { return Err("The principal's type is unknown, so a role assignment for it cannot be planned.") };
    if principal_id == "*" {
        return Err("Anonymous pull is a registry setting, not a role.");
    }
    state
        .result
        .with_untracked(|r| r.as_ref().and_then(|r| r.inventory.registries.iter().find(|x| &x.id == registry).map(|reg| Intent::grant_pull(principal_id, ty, reg))))
        .ok_or("The registry is not in the scanned inventory.")
}

fn registry_name(a: &Analysis, id: &ResourceId) -> String {
    a.registries.iter().find(|r| &r.id == id).map(|r| r.name.clone()).unwrap_or_else(|| id.name().to_string())
}

fn access_view(state: AppState, a: &Arc<Analysed>, principal_id: &str, registry: &ResourceId, status: RwSignal<String>) -> impl IntoView {
    let an = &a.analysis;
    let principal_id = &principal_id.to_ascii_lowercase();
    let row: Option<&AccessRow> = an.access.iter().find(|r| &*r.principal_id == principal_id && &r.registry == registry);
    let ident = an.identities.iter().find(|i| i.principal_id.eq_ignore_ascii_case(principal_id));
    let (who, kind) = match (ident, row) {
        (Some(i), _) => (i.name.clone(), i.kind),
        (None, Some(r)) => (r.identity.clone(), r.identity_kind),
        (None, None) => (principal_id.to_string(), IdentityKind::Unknown),
    };
    let reg_name = registry_name(an, registry);
    let mode = an.registries.iter().find(|r| &r.id == registry).map(|r| r.mode);
    let pull = row.map(|r| r.pull).unwrap_or(Level::No);
    let push = row.map(|r| r.push).unwrap_or(Level::No);
    let who_node = NodeId::principal(principal_id);
    let reg_node = NodeId::resource(registry);
    let grant = (pull != Level::Yes).then(|| grant_pull(state, principal_id, kind, registry));
    let paths = row.map(|r| r.via.clone()).unwrap_or_default();
    let expected = row.map(|r| r.expected_by.clone()).unwrap_or_default();
    let why_not = row.and_then(|r| r.why_not.clone());
    let network = row.map(|r| r.network.clone()).unwrap_or_default();
    let unverified = row.is_some_and(|r| r.unverified.is_some());
    let registry_for_scope = registry.clone();
    view! {
        <h2>"Can "{who.clone()}" pull from "{reg_name.clone()}"?"</h2>
        <p class="who-what">
            <button class="link" on:click=move |_| state.selection.set(Some(Selection::Node(who_node.clone())))>{who}</button>
            " ("{kind_name(kind)}") → "
            <button class="link" on:click=move |_| state.selection.set(Some(Selection::Node(reg_node.clone())))>{reg_name}</button>
            {mode.map(|m| format!(" ({})", match m { RegistryMode::Abac => "ABAC repository permissions", RegistryMode::Legacy => "legacy registry permissions" }))}
        </p>
        <dl class="props verdict">
            <dt>"Pull"</dt><dd class=format!("lvl-{pull:?}")>{words::level(pull)}</dd>
            <dt>"Push"</dt><dd class=format!("lvl-{push:?}")>{words::level(push)}</dd>
        </dl>
        {unverified.then(|| view! { <p class="note unverified"><strong>"Unverified: "</strong>"an assignment at a management group may reach this registry, but where its subscription sits is not known, so it is not counted. Scan with Resource Graph, or add the subscription's resourcecontainers row to the snapshot."</p> })}
        {grant.map(|g| match g {
            Ok(intent) => {
                let label = describe_intent(state, &intent);
                view! { <div class="actions"><button class="primary" title=label on:click=move |_| add(state, status, intent.clone())>"Grant pull"</button></div> }.into_any()
            }
            Err(why) => view! { <div class="actions"><button class="primary" disabled=true aria-describedby="grant-why">"Grant pull"</button><span class="note" id="grant-why">{why}</span></div> }.into_any(),
        })}
        {(!expected.is_empty()).then(|| view! {
            <h3>"Needed by"</h3>
            <ul class="plain">{expected.iter().map(|e| {
                let node = NodeId::resource(e);
                let name = e.name().to_string();
                view! { <li><button class="link" on:click=move |_| state.selection.set(Some(Selection::Node(node.clone())))>{name}</button></li> }
            }).collect_view()}</ul>
        })}
        {why_not.map(|w| view! { <h3>"Why not"</h3><p class="why-not">{w}</p> })}
        {(!network.is_empty()).then(|| view! {
            // Whether each workload that pulls as this identity reaches the registry at all:
            // the network's verdict beside the roles'.
            <h3>"Network"</h3>
            <ul class="network">{network.into_iter().map(|v| {
                let node = NodeId::resource(&v.workload);
                let name = v.workload.name().to_string();
                view! {
                    <li class=format!("reach reach-{}", v.reach.as_str())>
                        <p><button class="link" on:click=move |_| state.selection.set(Some(Selection::Node(node.clone())))>{name}</button>": "
                            <strong>{v.reach.as_str()}</strong>
                            {v.unverified.is_some().then(|| view! { " "<span class="badge unverified" title="No Microsoft source settles part of this answer">"unverified"</span> })}
                        </p>
                        <ul class="reasons">{v.reasons.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
                    </li>
                }
            }).collect_view()}</ul>
        })}
        <h3>"How"</h3>
        {if paths.is_empty() {
            view! { <p class="muted">"No role assignment, key or setting gives this identity access to this registry."</p> }.into_any()
        } else {
            view! {
                <ol class="paths">
                    {paths.into_iter().map(|p| {
                        let revoke = p.assignment.as_deref().and_then(|t| ResourceId::parse(t).ok());
                        let scope = p.scope.as_deref().map(|s| ResourceId::parse(s).map(|s| describe_scope(&s, &registry_for_scope)).unwrap_or_else(|_| s.to_string()));
                        view! {
                            <li class=if p.works { "path works" } else { "path fails" }>
                                <p class="path-head">
                                    <span class="badge">{if p.works { "✓ works" } else { "✗ ignored" }}</span>" "
                                    <strong>{words::path_kind(p.kind)}</strong>
                                    {p.role.as_ref().map(|r| view! { ": "<span class="role">{r.name.clone()}</span> })}
                                </p>
                                <dl class="props">
                                    {scope.map(|s| view! { <dt>"Scope"</dt><dd>{s}</dd> })}
                                    {p.operation.as_ref().map(|o| view! { <dt>"Operation"</dt><dd><code>{o.to_string()}</code></dd> })}
                                    {p.pattern.as_ref().map(|o| view! { <dt>"Matched by"</dt><dd><code>{o.to_string()}</code></dd> })}
                                    {p.condition.as_ref().map(|o| view! { <dt>"Condition"</dt><dd><code class="cond">{o.to_string()}</code></dd> })}
                                    {p.group.as_ref().map(|g| {
                                        // The group's name from Graph, with its id (to act on).
                                        let name = state.result.with_untracked(|r| r.as_ref().and_then(|r| r.inventory.directory.iter().find(|o| o.id.eq_ignore_ascii_case(g)).and_then(|o| o.name().map(str::to_string))));
                                        view! { <dt>"Held through group"</dt><dd>{name.map(|n| format!("{n} "))}<code>{g.to_string()}</code></dd> }
                                    })}
                                    <dt>"Gives"</dt><dd>{format!("pull: {} · push: {}", words::level(p.pull), words::level(p.push))}</dd>
                                </dl>
                                <p class="explanation">{p.explanation.to_string()}</p>
                                {revoke.map(|assignment| {
                                    let role = p.role.as_ref().map(|r| r.name.as_str()).unwrap_or("this role assignment");
                                    // Held as a group member: the assignment is the group's, and so is the change.
                                    let label = match &p.group {
                                        Some(_) => format!("Revoke {role} from the group (every member loses it)"),
                                        None => format!("Revoke {role}"),
                                    };
                                    view! { <button on:click=move |_| add(state, status, Intent::RevokeRoleAssignment { assignment: assignment.clone() })>{label}</button> }
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ol>
            }.into_any()
        }}
    }
}

/// What the panel shows about a resource or principal.
struct NodeInfo {
    kind: &'static str,
    name: String,
    id: Option<ResourceId>,
    props: Vec<(&'static str, String)>,
    /// Principal ids acting as or for this node (their registries are listed):
    /// `graph::acting_principals`.
    principals: Vec<String>,
    portal: Option<String>,
}

fn system_and_user(identity: Option<&pullpath_core::arm::ManagedServiceIdentity>, props: &mut Vec<(&'static str, String)>) {
    let Some(mi) = identity else {
        props.push(("Identity", "none".into()));
        return;
    };
    if let Some(p) = &mi.principal_id {
        props.push(("System identity", p.clone()));
    }
    for id in mi.user_assigned_identities.keys() {
        let name = ResourceId::parse(id).map(|i| i.name().to_string()).unwrap_or_else(|_| id.clone());
        props.push(("User-assigned identity", name));
    }
}

fn node_info(r: &ScanResult, an: &Analysis, node: &NodeId) -> NodeInfo {
    let inv = &r.inventory;
    let mut props: Vec<(&'static str, String)> = Vec::new();
    let principals = graph::acting_principals(inv, node);
    let node = match node {
        NodeId::Anyone => return NodeInfo { kind: "Everyone", name: "Anyone (anonymous pull)".into(), id: None, props, principals, portal: None },
        NodeId::Principal(p) => return principal_info(an, p, principals),
        NodeId::Resource(id) => id,
    };
    let (kind, name, id): (&'static str, String, ResourceId) = if let Some(x) = inv.registries.iter().find(|x| &x.id == node) {
        props.push(("Login server", x.properties.login_server.clone().unwrap_or_else(|| "unknown".into())));
        props.push(("SKU", x.sku.as_ref().map(|s| s.name.clone()).unwrap_or_else(|| "unknown".into())));
        props.push(("Permissions mode", if x.is_abac() { "ABAC repository permissions".into() } else { "Legacy registry permissions".into() }));
        props.push(("Admin user", if x.properties.admin_user_enabled { "✓ enabled".into() } else { "disabled".into() }));
        props.push(("Anonymous pull", if x.properties.anonymous_pull_enabled { "✓ enabled".into() } else { "disabled".into() }));
        ("Container registry", x.name.clone(), x.id.clone())
    } else if let Some(x) = inv.workspaces.iter().find(|x| &x.id == node) {
        props.push(("Registry", x.properties.container_registry.as_ref().map(|r| r.name().to_string()).unwrap_or_else(|| "none".into())));
        if let Some(c) = &x.properties.image_build_compute {
            props.push(("Image build compute", c.clone()));
        }
        system_and_user(x.identity.as_ref(), &mut props);
        ("ML workspace", x.name.clone(), x.id.clone())
    } else if let Some(x) = inv.computes.iter().find(|x| &x.id == node) {
        props.push(("Compute type", format!("{:?}", x.properties.compute_type)));
        if let Some(res) = &x.properties.resource_id {
            props.push(("Attached resource", res.name().to_string()));
        }
        system_and_user(x.identity.as_ref(), &mut props);
        ("ML compute", x.name.clone(), x.id.clone())
    } else if let Some(x) = inv.connections.iter().find(|x| &x.id == node) {
        props.push(("Category", x.properties.category.clone()));
        props.push(("Authentication", x.properties.auth_type.clone()));
        props.push(("Target", x.properties.target.clone().unwrap_or_else(|| "none".into())));
        if let Some(res) = x.properties.credentials.as_ref().and_then(|c| c.resource_id.as_ref()) {
            props.push(("Identity", res.name().to_string()));
        }
        ("Workspace connection", x.name.clone(), x.id.clone())
    } else if let Some(x) = inv.managed_clusters.iter().find(|x| &x.id == node) {
        if let Some(k) = x.kubelet_identity() {
            props.push(("Kubelet identity", k.object_id.clone().unwrap_or_else(|| "unknown".into())));
        }
        system_and_user(x.identity.as_ref(), &mut props);
        ("AKS cluster", x.name.clone(), x.id.clone())
    } else if let Some(x) = inv.environment_versions.iter().find(|x| &x.id == node) {
        props.push(("Image", x.properties.image.clone().unwrap_or_else(|| "none".into())));
        let built = x.properties.build.is_some() || x.properties.conda_file.is_some();
        props.push(("Image build", if built { "built on this base image by ACR Tasks on the workspace registry".into() } else { "none: the image is pulled as is".into() }));
        ("ML environment version", pullpath_core::findings::demand::environment_label(node), x.id.clone())
    } else if let Some(x) = inv.identities.iter().find(|x| &x.id == node) {
        props.push(("Principal id", x.properties.principal_id.clone().unwrap_or_else(|| "unknown".into())));
        props.push(("Client id", x.properties.client_id.clone().unwrap_or_else(|| "unknown".into())));
        ("User-assigned identity", x.name.clone(), x.id.clone())
    } else {
        ("Resource", node.name().to_string(), node.clone())
    };
    let portal = Some(portal_url(&id));
    NodeInfo { kind, name, id: Some(id), props, principals, portal }
}

fn principal_info(an: &Analysis, p: &str, principals: Vec<String>) -> NodeInfo {
    let ident = an.identities.iter().find(|i| i.principal_id.eq_ignore_ascii_case(p));
    let kind = ident.map(|i| i.kind).unwrap_or(IdentityKind::Unknown);
    let mut props = vec![("Principal id", p.to_string()), ("Kind", kind_name(kind).into())];
    let resource = ident.and_then(|i| i.resource.clone());
    if let Some(res) = &resource {
        props.push(("Resource", res.name().to_string()));
    }
    let portal = resource.as_ref().map(portal_url).or_else(|| principal_portal_url(p, kind));
    NodeInfo { kind: "Principal", name: ident.map(|i| i.name.clone()).unwrap_or_else(|| p.to_string()), id: resource, props, principals, portal }
}

fn node_view(state: AppState, r: &ScanResult, a: &Arc<Analysed>, node: &NodeId, status: RwSignal<String>) -> impl IntoView {
    let an = &a.analysis;
    let info = node_info(r, an, node);
    let registry = r.inventory.registries.iter().find(|x| node.as_resource() == Some(&x.id)).map(|x| (x.id.clone(), x.properties.admin_user_enabled));
    // Who can pull from this registry, or which registries these principals reach.
    let rows: Vec<&AccessRow> = match &registry {
        Some((id, _)) => an.access.iter().filter(|x| &x.registry == id && x.pull != Level::No).collect(),
        None => an.access.iter().filter(|x| info.principals.iter().any(|p| *p == *x.principal_id)).collect(),
    };
    // Which environments and deployments really pull from this registry (issue 18).
    // And for an environment, where its image is pulled from and for what.
    let environment = r.inventory.environment_versions.iter().any(|x| node.as_resource() == Some(&x.id));
    let used: Option<Vec<String>> = match (&registry, node.as_resource()) {
        (Some((id, _)), _) => Some(an.used_by.iter().filter(|u| &u.registry == id).map(|u| u.describe()).collect()),
        (None, Some(env)) if environment => Some(an.used_by.iter().filter(|u| &u.environment == env).map(|u| format!("{} (registry {})", u.describe(), registry_name(an, &u.registry))).collect()),
        _ => None,
    };
    let used_heading = if environment { "Where its image is pulled from" } else { "Images pulled from it" };
    let rows_heading = if registry.is_some() { "Who can pull from it" } else { "Registries it can reach or needs" };
    let total = rows.len();
    let items = rows
        .iter()
        .take(ROWS_SHOWN)
        .map(|x| {
            let sel = Selection::Access { principal_id: x.principal_id.to_string(), registry: x.registry.clone() };
            let label = if registry.is_some() { x.identity.clone() } else { registry_name(an, &x.registry) };
            let (text, _) = pullpath_core::matrix::cell_text(x);
            view! { <li><button class="link" on:click=move |_| state.selection.set(Some(sel.clone()))>{label}</button>" — "{text}</li> }
        })
        .collect_view();
    let sub = info.id.as_ref().and_then(|i| i.subscription_id().map(str::to_string));
    let rg = info.id.as_ref().and_then(|i| i.resource_group_name().map(str::to_string));
    let id_text = info.id.as_ref().map(|i| i.to_string());
    view! {
        <h2>{info.name.clone()}</h2>
        <p class="kind">{info.kind}</p>
        <dl class="props">
            {id_text.map(|t| view! { <dt>"Id"</dt><dd class="id">{t}</dd> })}
            {sub.map(|t| view! { <dt>"Subscription"</dt><dd class="id">{t}</dd> })}
            {rg.map(|t| view! { <dt>"Resource group"</dt><dd>{t}</dd> })}
            {info.props.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
        </dl>
        {info.portal.map(|href| view! { <p><a href=href target="_blank" rel="noopener noreferrer">"Open in the Azure portal"</a></p> })}
        {registry.map(|(id, enabled)| {
            let label = if enabled { "Disable admin user" } else { "Enable admin user" };
            view! { <div class="actions"><button on:click=move |_| add(state, status, Intent::SetAdminUser { registry: id.clone(), enabled: !enabled })>{label}</button></div> }
        })}
        // An environment acts as no identity: who pulls its image is in the list below.
        {(!environment).then(|| view! {
            <h3>{rows_heading}</h3>
            {if total == 0 {
                view! { <p class="muted">"None."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain rows">{items}</ul>
                    {(total > ROWS_SHOWN).then(|| view! { <p class="muted">{format!("and {} more (see the matrix)", total - ROWS_SHOWN)}</p> })}
                }.into_any()
            }}
        })}
        {used.map(|used| view! {
            <h3>{used_heading}</h3>
            {if used.is_empty() {
                let none = if environment { "Its image is not on a registry in this scan." } else { "No environment, job or deployment read in this scan uses an image on this registry." };
                view! { <p class="muted">{none}</p> }.into_any()
            } else {
                view! { <ul class="plain used-by">{used.into_iter().map(|u| view! { <li>{u}</li> }).collect_view()}</ul> }.into_any()
            }}
        })}
    }
    .into_any()
}
