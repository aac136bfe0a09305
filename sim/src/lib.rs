//! pullpath-sim: an in-memory Azure Resource Manager and Microsoft Graph, serving the demo
//! tenant, generated tenants and the tests, and [`drive`], the one synchronous loop that runs
//! core's engines against it (or any function answering requests).
//!
//! A host of core like any other (after Ruffle's test backends, which live beside its core, not
//! inside it): core never depends on it, and the browser app's main module does not carry it
//! (only the demo's worker does). It replaces only the transport: requests built by core's `request` come in, ARM-shaped responses
//! (status codes, list envelopes with `nextLink`, error envelopes) go out, and everything
//! above runs unchanged. It is deterministic: no clock, no randomness. Reads, paging,
//! subscriptions, management groups, scopes the caller may not read (403
//! `AuthorizationFailed`), the caller's permissions and dispatch live here; Microsoft Graph's
//! directory (names, group members) in `directory`; Resource Graph in `resource_graph`, writes
//! and long-running operations in `writes`, injected faults in `faults`, generated tenants in
//! `generate`.
//!
//! Non-goals: it does not check tokens or throttle (the loopback emulator in `tests/emulator`
//! does), and answers operations it does not implement with a 400 error body rather than
//! pretending to succeed.

mod directory;
mod drive;
pub mod faults;
pub mod generate;
mod resource_graph;
mod writes;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::{json, Value};

use pullpath_core::arm::ErrorResponse;
use pullpath_core::executor::{Executor, TransportError};
use pullpath_core::id::{ResourceId, ScopeLevel};
use pullpath_core::request::{Method, Request, Response};

pub use drive::drive;
pub use directory::{batch_answer, batch_items, DirectoryAccess, DEFAULT_GRAPH_ORIGIN};

/// The demo tenant: one subscription with an ML workspace and its registry, compute clusters,
/// a private base-image registry, an ABAC registry, an AKS cluster and a user-assigned identity.
pub const DEMO_TENANT: &str = include_str!("demo.json");

/// Default ARM origin the simulator writes into `nextLink`s.
pub const DEFAULT_ORIGIN: &str = pullpath_core::cloud::Cloud::AzureCloud.arm_origin();

/// Object id the simulator names as "the client" in authorization errors.
pub const DEFAULT_CALLER: &str = "99999999-0000-0000-0000-000000000001";

const ROLE_ASSIGNMENTS: &str = "Microsoft.Authorization/roleAssignments";
const ROLE_DEFINITIONS: &str = "Microsoft.Authorization/roleDefinitions";
const PERMISSIONS: &str = "Microsoft.Authorization/permissions";

/// Whether the caller may use Resource Graph (some tenants block it by policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GraphAccess {
    #[default]
    Allowed,
    /// Every query gets 403 `AuthorizationFailed`.
    Forbidden,
    /// Queries run, but grouping (`summarize`) gets 400 `InvalidQuery`: a Resource Graph whose
    /// KQL dialect lacks what the scanner's grouped queries use.
    RowsOnly,
}

/// A management group of the simulated tenant.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ManagementGroup {
    pub display_name: String,
    /// `None` for the tenant root group (which Azure names after the tenant id).
    pub parent: Option<String>,
    /// Subscriptions directly below it.
    pub subscriptions: Vec<String>,
}

/// Groups nest at most six levels below the root ("A management group tree can support up to
/// six levels of depth", https://learn.microsoft.com/azure/governance/management-groups/overview);
/// walks stop after this many steps, so a cyclic test tenant cannot hang the simulator.
const MAX_GROUP_DEPTH: usize = 16;

#[derive(Debug, Clone)]
pub struct Sim {
    resources: BTreeMap<ResourceId, Value>,
    /// Origin used in `nextLink`s, so paging can be followed through the same executor.
    pub origin: String,
    /// Items per list page; small values exercise paging.
    pub page_size: usize,
    /// Scopes the caller may not read: reads at or below them get 403, lists and Resource
    /// Graph above them leave their resources out.
    pub forbidden: Vec<ResourceId>,
    /// The management groups by name, each with its parent and the subscriptions directly
    /// below it. Empty: the tenant has no hierarchy the simulator knows (Resource Graph's
    /// subscription rows then carry no ancestors chain).
    pub management_groups: BTreeMap<String, ManagementGroup>,
    pub graph: GraphAccess,
    /// Resource Graph answers as if `options.authorizationScopeFilter` were not set (its
    /// default, `AtScopeAndBelow`): what a client that forgets the option gets.
    pub graph_ignores_scope_filter: bool,
    /// Resource Graph cuts every answer longer than `$top` short (`resultTruncated: "true"`, no
    /// `$skipToken`), as it does for any query it cannot page.
    pub graph_cannot_page: bool,
    /// The caller's object id, as authorization errors name it.
    pub caller: String,
    /// Directories besides the demo's home tenant that `GET /tenants` lists (id, display
    /// name), so tenant switching can be exercised.
    pub other_tenants: Vec<(String, String)>,
    /// The directory the subscriptions belong to (`tenantId` of `GET /subscriptions` and of
    /// Resource Graph's subscription rows): a snapshot's subscription rows' `tenantId`, else
    /// [`DEMO_TENANT_ID`].
    pub tenant_id: String,
    /// Matching ids of recent list and Resource Graph queries, so paging through thousands
    /// of items does not re-run the query for every page. Keyed with the tenant's size and
    /// the forbidden scopes, so adding or removing a resource starts afresh; values are read
    /// when a page is built, so changes in place always show.
    cache: RefCell<HashMap<String, Arc<Vec<ResourceId>>>>,
    /// Microsoft Graph's directory objects of the tenant (users, groups with their transitive
    /// members, service principals), as a snapshot holds them.
    pub directory_objects: Vec<pullpath_core::directory::DirectoryObject>,
    /// Origin written into Graph's `@odata.nextLink`s.
    pub graph_origin: String,
    /// Members per `transitiveMembers` page.
    pub directory_page_size: usize,
    pub directory_access: DirectoryAccess,
}

impl Sim {
    /// A simulator holding the resources of a snapshot document (`{"resources": [...]}`).
    ///
    /// Items may be lists as a snapshot holds them (a Resource Graph answer `{"data": [...]}`,
    /// an ARM page `{"value": [...]}`, an array): their resources are served, so a snapshot's
    /// subscription rows inside a Resource Graph answer place the subscriptions as in the
    /// snapshot.
    pub fn from_resources(resources: impl IntoIterator<Item = Value>) -> Sim {
        let mut flat = Vec::new();
        for r in resources {
            flatten(r, 0, &mut flat);
        }
        let mut map = BTreeMap::new();
        let mut management_groups = BTreeMap::new();
        let mut tenant_id: Option<String> = None;
        // Groups known only from `pullpathAssignedAbove`: no chain says what is above them.
        let mut unparented = Vec::new();
        let mut directory_objects = Vec::new();
        for mut r in flat {
            if r.get("@odata.type").is_some_and(Value::is_string) {
                if let Ok(o) = serde_json::from_value::<pullpath_core::directory::DirectoryObject>(r) {
                    directory_objects.push(o);
                }
                continue;
            }
            if let Some(id) = r.get("id").and_then(Value::as_str).and_then(|s| ResourceId::parse(s).ok()) {
                // A snapshot keeps an endpoint's DNS zone groups (a zone's links) on it; ARM
                // serves them as its child list, and the parent without them.
                for child in child_lists(&id, &mut r) {
                    if let Some(cid) = child.get("id").and_then(Value::as_str).and_then(|s| ResourceId::parse(s).ok()) {
                        map.insert(cid, child);
                    }
                }
                // A snapshot's Resource Graph subscription rows say where each subscription
                // sits: the simulator serves the same hierarchy, in the same directory.
                if id.level() == ScopeLevel::Subscription {
                    place_subscription(&mut management_groups, id.name(), &r, &mut unparented);
                    if tenant_id.is_none() {
                        tenant_id = r.get("tenantId").and_then(Value::as_str).filter(|t| !t.is_empty() && !t.contains('/')).map(str::to_string);
                    }
                }
                map.insert(id, r);
            }
        }
        let tenant_id = tenant_id.unwrap_or_else(|| DEMO_TENANT_ID.to_string());
        hang_below_root(&mut management_groups, &unparented, &tenant_id);
        Sim {
            tenant_id,
            resources: map,
            origin: DEFAULT_ORIGIN.into(),
            page_size: 100,
            forbidden: Vec::new(),
            management_groups,
            graph: GraphAccess::Allowed,
            graph_ignores_scope_filter: false,
            graph_cannot_page: false,
            caller: DEFAULT_CALLER.into(),
            other_tenants: Vec::new(),
            cache: RefCell::new(HashMap::new()),
            directory_objects,
            graph_origin: DEFAULT_GRAPH_ORIGIN.into(),
            directory_page_size: 100,
            directory_access: DirectoryAccess::Allowed,
        }
    }

    /// The demo tenant.
    pub fn demo() -> Sim {
        let doc: Value = serde_json::from_str(DEMO_TENANT).unwrap_or(Value::Null);
        let items = doc.get("resources").and_then(Value::as_array).cloned().unwrap_or_default();
        Sim::from_resources(items)
    }

    /// A generated tenant (see [`generate::TenantSpec`]).
    pub fn generated(spec: &generate::TenantSpec) -> Sim {
        let t = generate::generate(spec);
        let mut sim = Sim::from_resources(t.resources);
        sim.management_groups = t.management_groups;
        sim
    }

    /// Every resource, in id order.
    pub fn resources(&self) -> impl Iterator<Item = &Value> {
        self.resources.values()
    }

    /// Subscriptions are implied by the resources they hold and the management groups.
    pub fn subscriptions(&self) -> Vec<String> {
        // Every Resource Graph query asks; walking a large tenant each time is most of its cost.
        let ids = self.cached("subscriptions".into(), || {
            let mut subs: Vec<String> = Vec::new();
            for id in self.resources.keys() {
                if let Some(s) = id.subscription_id() {
                    if !subs.last().is_some_and(|l: &String| l.eq_ignore_ascii_case(s)) {
                        subs.push(s.to_string());
                    }
                }
            }
            subs.extend(self.management_groups.values().flat_map(|g| g.subscriptions.iter().cloned()));
            pullpath_core::sort::sort_by_key(&mut subs, |s| s.to_lowercase());
            subs.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
            subs.iter().filter_map(|s| ResourceId::subscription(s).ok()).collect()
        });
        ids.iter().map(|id| id.name().to_string()).collect()
    }

    /// Serves one request.
    pub fn handle(&mut self, req: &Request) -> Response {
        // Long-running operations' status monitors live with the writes that start them.
        if let Some(status) = self.operation_status(req) {
            return status;
        }
        if pullpath_core::directory_request::is_graph(req) {
            return self.directory(req);
        }
        match req.method {
            Method::Get => self.get(req),
            Method::Put => self.put(req),
            Method::Patch => self.patch(req),
            Method::Delete => self.delete(req),
            Method::Post if req.path.eq_ignore_ascii_case("/providers/Microsoft.ResourceGraph/resources") => self.resource_graph(req),
            Method::Post => not_supported(req),
        }
    }

    /// True when the caller may not read `id` (it is at or below a forbidden scope).
    pub fn is_forbidden(&self, id: &ResourceId) -> bool {
        self.forbidden.iter().any(|f| f.contains(id))
    }

    fn get(&self, req: &Request) -> Response {
        if req.path.eq_ignore_ascii_case("/subscriptions") {
            let items: Vec<Value> = self
                .subscriptions()
                .into_iter()
                .map(|s| json!({"id": format!("/subscriptions/{s}"), "subscriptionId": s, "displayName": format!("Subscription {s}"), "state": "Enabled", "tenantId": self.tenant_id}))
                .collect();
            return self.page(req, items.iter().collect());
        }
        if req.path.eq_ignore_ascii_case("/tenants") {
            let mut items = vec![json!({"id": format!("/tenants/{DEMO_TENANT_ID}"), "tenantId": DEMO_TENANT_ID, "tenantCategory": "Home", "displayName": "Contoso", "defaultDomain": "contoso.onmicrosoft.com"})];
            items.extend(self.other_tenants.iter().map(|(id, name)| json!({"id": format!("/tenants/{id}"), "tenantId": id, "tenantCategory": "ProjectedBy", "displayName": name})));
            return self.page(req, items.iter().collect());
        }
        if let Some((scope, ty)) = collection(&req.path) {
            if ty.eq_ignore_ascii_case(PERMISSIONS) {
                return self.permissions(&scope);
            }
            if self.is_forbidden(&scope) {
                return forbidden(&self.caller, &format!("{ty}/read"), &scope);
            }
            if ty.eq_ignore_ascii_case(ROLE_DEFINITIONS) {
                let defs = self.list_role_definitions(&scope);
                return self.page(req, defs.iter().collect());
            }
            if let Some(top) = versions_top(req, &ty) {
                return self.newest_versions(req, &scope, &ty, top);
            }
            let key = format!("list|{}|{}", scope.key(), ty.to_ascii_lowercase());
            let ids = self.cached(key, || self.list(&scope, &ty).into_iter().map(|(id, _)| id.clone()).collect());
            let skip = skip_token(req);
            let page: Vec<&Value> = ids.iter().skip(skip).take(self.page_size.max(1)).filter_map(|id| self.resources.get(id)).collect();
            return self.page_of(req, page, skip, ids.len());
        }
        match ResourceId::parse(&req.path) {
            Ok(id) if self.is_forbidden(&id) => forbidden(&self.caller, &format!("{}/read", id.resource_type()), &id),
            Ok(id) if id.level() == ScopeLevel::Subscription && self.subscriptions().iter().any(|s| s.eq_ignore_ascii_case(id.name())) => {
                Response::json(200, &json!({"id": id.as_str(), "subscriptionId": id.name(), "displayName": format!("Subscription {}", id.name()), "state": "Enabled"}))
            }
            Ok(id) if id.is_type(pullpath_core::request::OUTBOUND_RULE_TYPE) => self.get_outbound_rule(&id),
            Ok(id) => match self.resources.get(&id) {
                Some(v) => Response::json(200, v),
                None => not_found(&id),
            },
            Err(e) => Response::json(400, &ErrorResponse::new("InvalidResourceId", e.to_string())),
        }
    }

    /// `GET {scope}/providers/Microsoft.Authorization/permissions`: the simulated caller
    /// owns what it can read (`*`) and holds nothing where it may not read. ARM answers this
    /// even where the caller has no access, with what it has there.
    fn permissions(&self, scope: &ResourceId) -> Response {
        let value = if self.is_forbidden(scope) {
            json!([])
        } else {
            json!([{"actions": ["*"], "notActions": [], "dataActions": ["*"], "notDataActions": []}])
        };
        Response::json(200, &json!({ "value": value }))
    }

    /// Resources strictly below `scope`, in id order, read from one contiguous range of the
    /// map rather than the whole tenant (a generated tenant has tens of thousands).
    pub(crate) fn under<'a>(&'a self, scope: &ResourceId) -> Box<dyn Iterator<Item = (&'a ResourceId, &'a Value)> + 'a> {
        if scope.level() == ScopeLevel::Tenant {
            return Box::new(self.resources.iter());
        }
        let key = scope.key().to_string();
        let prefix = format!("{key}/");
        // Keys like `{key}-x` sort between `{key}` and `{key}/...`; skip them.
        Box::new(
            self.resources
                .range(scope.clone()..)
                .skip_while(move |(id, _)| !id.key().starts_with(&prefix) && id.key().starts_with(&key))
                .take_while({
                    let prefix = format!("{}/", scope.key());
                    move |(id, _)| id.key().starts_with(&prefix)
                }),
        )
    }

    /// Resources at the top of the tenant (`/providers/...`: management-group and tenant-level
    /// role assignments, built-in role definitions), which sort before every subscription.
    pub(crate) fn tenant_level(&self) -> impl Iterator<Item = (&ResourceId, &Value)> {
        self.resources.iter().take_while(|(id, _)| id.key() < "/q").filter(|(id, _)| id.key().starts_with("/providers/"))
    }

    /// Resources of type `ty` in `scope`, without those in forbidden scopes. Role assignments
    /// follow ARM: those at, above and below the scope; role definitions: the custom roles of
    /// the subscription plus every role assignable there, with subscription-form ids.
    ///
    /// Items are borrowed: only the page sent is cloned (a subscription of a generated tenant
    /// holds a thousand assignments).
    fn list(&self, scope: &ResourceId, ty: &str) -> Vec<(&ResourceId, &Value)> {
        let visible = |id: &ResourceId| !self.is_forbidden(id);
        if ty.eq_ignore_ascii_case(ROLE_ASSIGNMENTS) {
            return self.list_role_assignments(scope).into_iter().filter(|(id, _)| visible(id)).collect();
        }
        self.under(scope).filter(|(id, _)| id.is_type(ty) && visible(id)).collect()
    }

    /// The ids `compute` finds, from the cache when the same query ran on the same tenant.
    pub(crate) fn cached(&self, key: String, compute: impl FnOnce() -> Vec<ResourceId>) -> Arc<Vec<ResourceId>> {
        let key = format!("{}|{}|{}|{key}", self.resources.len(), self.forbidden.len(), self.management_groups.len());
        if let Some(hit) = self.cache.borrow().get(&key) {
            return hit.clone();
        }
        let ids = Arc::new(compute());
        let mut cache = self.cache.borrow_mut();
        // A scan has a few dozen queries paging at once; old ones are not asked for again.
        if cache.len() >= 256 {
            cache.clear();
        }
        cache.insert(key, ids.clone());
        ids
    }

    /// The group named `name` (any case), with its name as stored.
    fn group(&self, name: &str) -> Option<(&String, &ManagementGroup)> {
        self.management_groups.iter().find(|(k, _)| k.eq_ignore_ascii_case(name))
    }

    /// Every subscription below group `name`, at any depth; `None` for an unknown group.
    pub fn subscriptions_below(&self, name: &str) -> Option<Vec<String>> {
        let (root, _) = self.group(name)?;
        let mut out = Vec::new();
        let mut level = vec![root.clone()];
        for _ in 0..MAX_GROUP_DEPTH {
            if level.is_empty() {
                break;
            }
            let mut next = Vec::new();
            for g in &level {
                if let Some((_, group)) = self.group(g) {
                    out.extend(group.subscriptions.iter().cloned());
                }
                next.extend(self.management_groups.iter().filter(|(_, c)| c.parent.as_deref().is_some_and(|p| p.eq_ignore_ascii_case(g))).map(|(k, _)| k.clone()));
            }
            level = next;
        }
        pullpath_core::sort::sort_by_key(&mut out, |s| s.to_ascii_lowercase());
        out.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        Some(out)
    }

    /// The groups above subscription `sub`, immediate parent first and the root last, as
    /// Resource Graph's `managementGroupAncestorsChain` lists them: `(name, displayName)`.
    pub fn ancestors_of(&self, sub: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut at = self.management_groups.iter().find(|(_, g)| g.subscriptions.iter().any(|s| s.eq_ignore_ascii_case(sub)));
        while let Some((name, group)) = at {
            if out.len() >= MAX_GROUP_DEPTH || out.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
                break;
            }
            out.push((name.clone(), group.display_name.clone()));
            at = group.parent.as_deref().and_then(|p| self.group(p));
        }
        out
    }

    fn list_role_assignments(&self, scope: &ResourceId) -> Vec<(&ResourceId, &Value)> {
        let sub = scope.subscription_id();
        let above: Vec<String> = sub.map(|s| self.ancestors_of(s).into_iter().map(|(n, _)| n).collect()).unwrap_or_default();
        let in_group = |mg: &str| above.iter().any(|a| a.eq_ignore_ascii_case(mg));
        // Above the scope: the tenant root and the management groups holding its subscription.
        let mut out: Vec<(&ResourceId, &Value)> = self
            .tenant_level()
            .filter(|(id, _)| id.is_type(ROLE_ASSIGNMENTS))
            .filter(|(id, _)| match id.scope() {
                Some(at) if at.level() == ScopeLevel::Tenant => true,
                Some(at) if at.level() == ScopeLevel::ManagementGroup => scope.level() == ScopeLevel::ManagementGroup && at == *scope || in_group(at.name()),
                _ => false,
            })
            .collect();
        // Above the scope, inside the subscription: assignments at each strict ancestor.
        for ancestor in scope.ancestors().skip(1).filter(|a| a.subscription_id().is_some()) {
            let prefix = format!("{}/providers/microsoft.authorization/roleassignments/", ancestor.key());
            out.extend(self.under(&ancestor).filter(|(id, _)| id.key().starts_with(&prefix)));
        }
        // At and below the scope.
        if scope.level() != ScopeLevel::Tenant {
            out.extend(self.under(scope).filter(|(id, _)| id.is_type(ROLE_ASSIGNMENTS)));
        }
        out
    }

    fn list_role_definitions(&self, scope: &ResourceId) -> Vec<Value> {
        let sub = scope.subscription_id().and_then(|s| ResourceId::subscription(s).ok());
        let mut out: Vec<Value> = Vec::new();
        for (id, v) in self.tenant_level().filter(|(id, _)| id.is_type(ROLE_DEFINITIONS)) {
            let assignable = v.pointer("/properties/assignableScopes").and_then(Value::as_array).is_some_and(|scopes| {
                scopes.iter().filter_map(Value::as_str).filter_map(|s| ResourceId::parse(s).ok()).any(|s| s.contains(scope))
            });
            if !assignable {
                continue;
            }
            let mut v = v.clone();
            if let Some(sub) = &sub {
                v["id"] = json!(format!("{}/providers/{}/{}", sub.as_str(), ROLE_DEFINITIONS, id.name()));
            }
            out.push(v);
        }
        if let Some(sub) = &sub {
            out.extend(self.under(sub).filter(|(id, _)| id.is_type(ROLE_DEFINITIONS)).map(|(_, v)| v.clone()));
        }
        out
    }

    fn page(&self, req: &Request, items: Vec<&Value>) -> Response {
        let skip = skip_token(req);
        let total = items.len();
        let page = items.into_iter().skip(skip).take(self.page_size.max(1)).collect();
        self.page_of(req, page, skip, total)
    }

    /// One page of a list: `page` holds the items from `skip` on, of `total`.
    fn page_of(&self, req: &Request, page: Vec<&Value>, skip: usize, total: usize) -> Response {
        let end = skip + page.len();
        let value: Vec<Value> = page.into_iter().cloned().collect();
        let mut body = json!({ "value": value });
        if end < total {
            let mut next = req.clone();
            next.query.retain(|(k, _)| k != "$skiptoken");
            next.query.push(("$skiptoken".into(), end.to_string()));
            body["nextLink"] = json!(next.url(&self.origin));
        }
        Response::json(200, &body)
    }
}

/// `$top` of an environment-version list (EnvironmentVersions_List takes `$orderBy` and
/// `$top`); `None` for any other list.
fn versions_top(req: &Request, ty: &str) -> Option<usize> {
    if !ty.eq_ignore_ascii_case("Microsoft.MachineLearningServices/workspaces/environments/versions") {
        return None;
    }
    req.query.iter().find(|(k, _)| k == "$top").and_then(|(_, v)| v.parse().ok())
}

impl Sim {
    /// An environment's versions newest first by `systemData.createdAt`, at most `top`, with
    /// a `nextLink` when more remain (the scan does not follow it).
    fn newest_versions(&self, req: &Request, scope: &ResourceId, ty: &str, top: usize) -> Response {
        let mut items: Vec<&Value> = self.list(scope, ty).into_iter().map(|(_, v)| v).collect();
        let created = |v: &Value| v.pointer("/systemData/createdAt").and_then(Value::as_str).unwrap_or_default().to_string();
        pullpath_core::sort::sort_by(&mut items, |a, b| created(b).cmp(&created(a)));
        let total = items.len();
        items.truncate(top);
        self.page_of(req, items, 0, total)
    }
}

fn skip_token(req: &Request) -> usize {
    req.query.iter().find(|(k, _)| k == "$skiptoken").and_then(|(_, v)| v.parse().ok()).unwrap_or(0)
}

/// Lists nest at most this deep in what [`Sim::from_resources`] takes apart.
const MAX_LIST_DEPTH: usize = 8;

/// Moves the resources of `item` into `out`: `item` itself when it has a `type`, else the
/// items of the list it is (`resources`, `value` or `data` of an object, or an array), at
/// most [`MAX_LIST_DEPTH`] lists deep. Anything else is dropped, as before.
fn flatten(item: Value, depth: usize, out: &mut Vec<Value>) {
    if item.get("type").is_some_and(Value::is_string) || item.get("@odata.type").is_some_and(Value::is_string) || depth >= MAX_LIST_DEPTH {
        out.push(item);
        return;
    }
    let items = match item {
        Value::Array(items) => items,
        Value::Object(mut o) => match ["resources", "value", "data"].into_iter().find(|k| o.get(*k).is_some_and(Value::is_array)).and_then(|k| o.remove(k)) {
            Some(Value::Array(items)) => items,
            _ => return,
        },
        _ => return,
    };
    for inner in items {
        flatten(inner, depth + 1, out);
    }
}

/// Takes the child lists a snapshot keeps on their parent off it (a private endpoint's
/// `privateDnsZoneGroups`, a private DNS zone's `virtualNetworkLinks`), each item with the id
/// ARM gives it (`{parent}/{list}/{name}`).
fn child_lists(id: &ResourceId, r: &mut Value) -> Vec<Value> {
    let key = if id.is_type("Microsoft.Network/privateEndpoints") {
        "privateDnsZoneGroups"
    } else if id.is_type("Microsoft.Network/privateDnsZones") {
        "virtualNetworkLinks"
    } else {
        return Vec::new();
    };
    let Some(Value::Array(items)) = r.as_object_mut().and_then(|o| o.remove(key)) else { return Vec::new() };
    items
        .into_iter()
        .filter_map(|mut g| {
            let name = g.get("name").and_then(Value::as_str)?.to_string();
            // Only ever below this parent: an id naming anything else would replace it.
            let own = ResourceId::parse(&format!("{}/{key}/{name}", id.as_str())).ok()?;
            g["id"] = Value::String(own.as_str().to_string());
            Some(g)
        })
        .collect()
}

/// Builds the groups a Resource Graph subscription row's `managementGroupAncestorsChain`
/// names (immediate parent first), linking each to the next as its parent. Without a chain,
/// a per-provider snapshot's `pullpathAssignedAbove` (the groups whose assignments the
/// subscription's role-assignment list returned) places it below those groups: the row does
/// not say how they nest, so the simulator nests them as listed, first holding the
/// subscription, and records them in `unparented` for [`hang_below_root`].
fn place_subscription(groups: &mut BTreeMap<String, ManagementGroup>, sub: &str, row: &Value, unparented: &mut Vec<String>) {
    let names: Vec<(String, String)> = match row.pointer("/properties/managementGroupAncestorsChain").and_then(Value::as_array) {
        Some(chain) => chain
            .iter()
            .filter_map(|a| Some((a.get("name")?.as_str()?.to_string(), a.get("displayName").and_then(Value::as_str).unwrap_or_default().to_string())))
            .filter(|(n, _)| !n.is_empty())
            .collect(),
        None => {
            let Some(above) = row.pointer("/properties/pullpathAssignedAbove").and_then(Value::as_array) else { return };
            let names: Vec<(String, String)> = above.iter().filter_map(Value::as_str).filter(|n| !n.is_empty() && !n.contains('/')).map(|n| (n.to_string(), n.to_string())).collect();
            if let Some((last, _)) = names.last() {
                unparented.push(last.clone());
            }
            names
        }
    };
    for (i, (name, display)) in names.iter().enumerate() {
        let g = groups.entry(name.clone()).or_insert_with(|| ManagementGroup { display_name: display.clone(), ..Default::default() });
        if i == 0 && !g.subscriptions.iter().any(|s| s.eq_ignore_ascii_case(sub)) {
            g.subscriptions.push(sub.to_string());
        }
        if g.parent.is_none() {
            g.parent = names.get(i + 1).map(|(n, _)| n.clone());
        }
    }
}

/// Hangs each group of `unparented` that still has no parent below the tenant root group,
/// created if missing: the group named after the tenant id ("the root management group's
/// display name is Tenant root group. The ID is the Azure Active Directory ID",
/// https://learn.microsoft.com/azure/governance/management-groups/overview), as "All
/// subscriptions and management groups fold up to the one root management group within the
/// directory" (same page). A chain already in the tree names its own root: that one is used.
fn hang_below_root(groups: &mut BTreeMap<String, ManagementGroup>, unparented: &[String], tenant_id: &str) {
    let lone: Vec<String> = unparented.iter().filter(|n| groups.get(*n).is_some_and(|g| g.parent.is_none())).cloned().collect();
    if lone.is_empty() {
        return;
    }
    // Another row's chain ends at the root; the tenant id names it otherwise.
    let root = groups
        .iter()
        .find(|(name, g)| g.parent.is_none() && !lone.contains(name) && (name.eq_ignore_ascii_case(tenant_id) || groups.values().any(|c| c.parent.as_deref() == Some(name.as_str()))))
        .map(|(name, _)| name.clone())
        .unwrap_or_else(|| tenant_id.to_string());
    groups.entry(root.clone()).or_insert_with(|| ManagementGroup { display_name: "Tenant Root Group".into(), ..Default::default() });
    for name in lone.into_iter().filter(|n| !n.eq_ignore_ascii_case(&root)) {
        if let Some(g) = groups.get_mut(&name) {
            g.parent = Some(root.clone());
        }
    }
}

/// Tenant id the demo's subscriptions report.
pub const DEMO_TENANT_ID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

/// A list path: `{scope}/providers/{ns}/{type}` or `{resource}/{childType}`; returns the
/// scope to list in and the full resource type.
fn collection(path: &str) -> Option<(ResourceId, String)> {
    let trimmed = path.trim_end_matches('/');
    let (head, last) = trimmed.rsplit_once('/')?;
    if ResourceId::parse(trimmed).is_ok() {
        return None;
    }
    if let Some((scope, ns)) = head.rsplit_once('/').and_then(|(h, ns)| h.rsplit_once('/').filter(|(_, p)| p.eq_ignore_ascii_case("providers")).map(|(scope, _)| (scope, ns))) {
        let scope = if scope.is_empty() { ResourceId::tenant() } else { ResourceId::parse(scope).ok()? };
        return Some((scope, format!("{ns}/{last}")));
    }
    let parent = ResourceId::parse(head).ok()?;
    parent.namespace()?;
    Some((parent.clone(), format!("{}/{last}", parent.resource_type())))
}

pub(crate) fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                merge(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (t, p) => *t = p.clone(),
    }
}

pub(crate) fn not_found(id: &ResourceId) -> Response {
    Response::json(
        404,
        &ErrorResponse::new("ResourceNotFound", format!("The Resource '{}' under resource group '{}' was not found.", id.resource_type() + "/" + id.name(), id.resource_group_name().unwrap_or(""))),
    )
}

/// ARM's 403 for a read the caller has no permission for.
pub(crate) fn forbidden(caller: &str, action: &str, scope: &ResourceId) -> Response {
    Response::json(
        403,
        &ErrorResponse::new(
            "AuthorizationFailed",
            format!("The client '{caller}' with object id '{caller}' does not have authorization to perform action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials."),
        ),
    )
}

pub(crate) fn not_supported(req: &Request) -> Response {
    Response::json(400, &ErrorResponse::new("UnsupportedOperation", format!("The simulator does not implement {} {}.", req.method.as_str(), req.path)))
}

/// The simulator behind the executor interface, for hosts that share one simulated tenant.
#[derive(Debug, Clone)]
pub struct SimExecutor {
    pub sim: std::rc::Rc<std::cell::RefCell<Sim>>,
}

impl SimExecutor {
    pub fn new(sim: Sim) -> SimExecutor {
        SimExecutor { sim: std::rc::Rc::new(std::cell::RefCell::new(sim)) }
    }
}

impl Executor for SimExecutor {
    async fn execute(&self, request: Request) -> Result<Response, TransportError> {
        Ok(self.sim.borrow_mut().handle(&request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pullpath_core::request::{self, ResourceKind};

    fn body(r: &Response) -> Value {
        serde_json::from_str(&r.body).unwrap()
    }

    #[test]
    fn demo_lists_registries_with_paging() {
        let mut sim = Sim::demo();
        sim.page_size = 2;
        let sub = ResourceId::subscription("11111111-1111-1111-1111-111111111111").unwrap();
        let first = sim.handle(&request::list_in_subscription(&sub, ResourceKind::Registry));
        assert_eq!(first.status, 200);
        let page = body(&first);
        assert_eq!(page["value"].as_array().unwrap().len(), 2);
        let next = page["nextLink"].as_str().unwrap();
        assert!(next.starts_with("https://management.azure.com/subscriptions/"), "{next}");
    }

    #[test]
    fn lists_the_callers_tenants() {
        let mut sim = Sim::demo();
        let r = sim.handle(&request::list_tenants());
        let page: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(page["value"][0]["tenantId"], DEMO_TENANT_ID);
        assert_eq!(page["value"].as_array().unwrap().len(), 1);

        sim.other_tenants.push(("3b1e0c4a-0000-4000-8000-000000000002".into(), "Fabrikam".into()));
        let page: Value = serde_json::from_str(&sim.handle(&request::list_tenants()).body).unwrap();
        assert_eq!(page["value"][1]["tenantId"], "3b1e0c4a-0000-4000-8000-000000000002");
        assert_eq!(page["value"][1]["displayName"], "Fabrikam");
    }

    #[test]
    fn unknown_resource_is_arm_404() {
        let mut sim = Sim::demo();
        let id = ResourceId::parse("/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/x/providers/Microsoft.ContainerRegistry/registries/nope").unwrap();
        let r = sim.handle(&request::get(&id).unwrap());
        assert_eq!(r.status, 404);
        assert!(r.body.contains("ResourceNotFound"));
    }

    #[test]
    fn forbidden_scope_is_403_below_and_hidden_above() {
        let mut sim = Sim::demo();
        let sub = ResourceId::subscription("11111111-1111-1111-1111-111111111111").unwrap();
        let rg = ResourceId::resource_group("11111111-1111-1111-1111-111111111111", "rg-shared-images").unwrap();
        sim.forbidden.push(rg.clone());
        let all = body(&sim.handle(&request::list_in_subscription(&sub, ResourceKind::Registry)));
        assert_eq!(all["value"].as_array().unwrap().len(), 4, "registries in the forbidden group are left out");
        let reg = rg.provider("Microsoft.ContainerRegistry", "registries", "acrbaseimages").unwrap();
        let r = sim.handle(&request::get(&reg).unwrap());
        assert_eq!(r.status, 403);
        assert!(r.body.contains("AuthorizationFailed") && r.body.contains("rg-shared-images"), "{}", r.body);
    }

    #[test]
    fn caller_permissions_follow_readable_scopes() {
        let mut sim = Sim::demo();
        let rg = ResourceId::resource_group("11111111-1111-1111-1111-111111111111", "rg-shared-images").unwrap();
        let other = ResourceId::resource_group("11111111-1111-1111-1111-111111111111", "rg-ml-prod").unwrap();
        sim.forbidden.push(rg.clone());
        let mine = body(&sim.handle(&request::list_permissions(&other)));
        assert_eq!(mine["value"][0]["actions"][0], "*");
        let none = sim.handle(&request::list_permissions(&rg));
        assert_eq!((none.status, body(&none)["value"].as_array().map(Vec::len)), (200, Some(0)));
    }

    #[test]
    fn role_assignment_list_includes_management_group_and_ancestors() {
        let spec = generate::TenantSpec::small(11);
        let mut sim = Sim::generated(&spec);
        let subs = sim.subscriptions();
        assert_eq!(subs.len(), 3);
        let total = sim.resources().filter(|v| v["type"] == ROLE_ASSIGNMENTS).count();
        let mut seen = std::collections::BTreeSet::new();
        for s in &subs {
            let req = request::list_in_subscription(&ResourceId::subscription(s).unwrap(), ResourceKind::RoleAssignment);
            sim.page_size = 1000;
            for v in body(&sim.handle(&req))["value"].as_array().unwrap() {
                seen.insert(v["id"].as_str().unwrap().to_lowercase());
            }
        }
        assert_eq!(seen.len(), total, "every assignment is visible from some subscription");
    }

    /// A snapshot's subscription rows inside a Resource Graph answer place the subscriptions as
    /// bare rows do; a per-provider row's `pullpathAssignedAbove` places it below those groups
    /// (under the tenant root group); `GET /subscriptions` reports the rows' directory.
    #[test]
    fn snapshot_lists_and_placements_are_served() {
        let tenant = "33333333-0000-4000-8000-0000000000aa";
        let mg_assignment = |mg: &str, n: u32| {
            json!({"id": format!("/providers/Microsoft.Management/managementGroups/{mg}/providers/Microsoft.Authorization/roleAssignments/00000000-0000-4000-8000-00000000000{n}"),
                   "type": ROLE_ASSIGNMENTS, "properties": {"scope": format!("/providers/Microsoft.Management/managementGroups/{mg}"), "principalId": "p", "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d"}})
        };
        let mut sim = Sim::from_resources([
            json!({"totalRecords": 1, "data": [{"id": "/subscriptions/s1", "type": "microsoft.resources/subscriptions", "subscriptionId": "s1", "tenantId": tenant,
                   "properties": {"managementGroupAncestorsChain": [{"name": "mg-a", "displayName": "A"}, {"name": tenant, "displayName": "Tenant Root Group"}]}}]}),
            json!({"value": [{"id": "/subscriptions/s2", "type": "microsoft.resources/subscriptions", "properties": {"pullpathAssignedAbove": ["mg-b"]}}]}),
            mg_assignment("mg-a", 1),
            mg_assignment("mg-b", 2),
        ]);
        assert_eq!(sim.tenant_id, tenant);
        let names = |chain: Vec<(String, String)>| chain.into_iter().map(|(n, _)| n).collect::<Vec<_>>();
        assert_eq!(names(sim.ancestors_of("s1")), ["mg-a", tenant]);
        assert_eq!(names(sim.ancestors_of("s2")), ["mg-b", tenant], "a group known only from a list hangs below the root");
        sim.page_size = 1000;
        for (sub, mg) in [("s1", "mg-a"), ("s2", "mg-b")] {
            let list = body(&sim.handle(&request::list_in_subscription(&ResourceId::subscription(sub).unwrap(), ResourceKind::RoleAssignment)));
            let scopes: Vec<&str> = list["value"].as_array().unwrap().iter().map(|v| v["properties"]["scope"].as_str().unwrap()).collect();
            assert_eq!(scopes, [format!("/providers/Microsoft.Management/managementGroups/{mg}")], "{sub}");
        }
        let subs = body(&sim.handle(&request::list_subscriptions()));
        assert!(subs["value"].as_array().unwrap().iter().all(|s| s["tenantId"] == tenant), "{subs}");
    }

    #[test]
    fn role_definitions_list_has_builtins_in_subscription_form_and_customs() {
        let mut sim = Sim::generated(&generate::TenantSpec::small(5));
        let mut customs = 0;
        for s in sim.subscriptions() {
            let sub = ResourceId::subscription(&s).unwrap();
            let list = body(&sim.handle(&request::list_role_definitions(&sub)));
            let defs = list["value"].as_array().unwrap();
            assert!(defs.iter().any(|d| d["properties"]["roleName"] == "AcrPull" && d["id"].as_str().unwrap().starts_with(sub.as_str())));
            customs += defs.iter().filter(|d| d["properties"]["type"] == "CustomRole").count();
        }
        assert_eq!(customs, 2, "each custom role is listed in the one subscription it is assignable in");
    }
}
