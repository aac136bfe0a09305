//! Write operations of the simulator: role assignment PUT/DELETE, registry PATCH, compute
//! PUT/PATCH (identity changes), connection PUT/DELETE, managed network outbound rule
//! GET/PUT/DELETE, user-assigned identity PUT/DELETE, and the long-running operations some
//! of them start, with status monitors served by [`Sim::operation_status`].
//!
//! Outbound rules live where scans read them, in their workspace's
//! `properties.managedNetwork.outboundRules`; a rule's own URL reads and writes that entry.
//! Their PUT and DELETE answer at once (the spec's 200), not with a 202 to poll.
//!
//! Not here: reads and lists (`sim`), injected transport faults (`sim::faults`).
//!
//! Long-running operations are deterministic: each answers `InProgress` for
//! [`LroBehaviour::polls`] polls and then ends as [`LroBehaviour::outcome`] says. Their
//! records (and the behaviour setting) are kept in the resource map under ARM-shaped ids of
//! types ARM would never list, because the simulator has no other state; use
//! [`Sim::tenant_resources`] to see the tenant without them.

use serde_json::{json, Value};

use super::faults::{LroBehaviour, LroOutcome};
use super::{merge, not_found, not_supported, Sim, DEMO_TENANT_ID};
use pullpath_core::arm::ErrorResponse;
use pullpath_core::id::ResourceId;
use pullpath_core::request::{Method, Request, Response};

const ROLE_ASSIGNMENTS: &str = "Microsoft.Authorization/roleAssignments";
const REGISTRIES: &str = "Microsoft.ContainerRegistry/registries";
const COMPUTES: &str = "Microsoft.MachineLearningServices/workspaces/computes";
const CONNECTIONS: &str = "Microsoft.MachineLearningServices/workspaces/connections";
const IDENTITIES: &str = "Microsoft.ManagedIdentity/userAssignedIdentities";
const WORKSPACES: &str = "Microsoft.MachineLearningServices/workspaces";
use pullpath_core::request::OUTBOUND_RULE_TYPE as OUTBOUND_RULES;

/// Status monitor types: the Azure-AsyncOperation form (status document) and the Location
/// form (202 until done, then the final answer), as AML and ACR name them.
const ML_ASYNC: &str = "computeOperationsStatus";
const ML_LOCATION: &str = "computeOperationResults";
const ACR_ASYNC: &str = "operationStatuses";
/// Where the LRO setting is kept; no real provider has this namespace.
const SETTINGS_ID: &str = "/providers/Pullpath.Simulator/settings/lro";

fn is_internal(id: &ResourceId) -> bool {
    let ty = id.resource_type().to_ascii_lowercase();
    ty.starts_with("pullpath.simulator/") || ty.ends_with(&ML_ASYNC.to_ascii_lowercase()) || ty.ends_with(&ACR_ASYNC.to_ascii_lowercase())
}

fn bad_id(e: impl ToString) -> Response {
    Response::json(400, &ErrorResponse::new("InvalidResourceId", e.to_string()))
}

impl Sim {
    /// Every tenant resource in id order, without the simulator's operation records.
    pub fn tenant_resources(&self) -> impl Iterator<Item = &Value> {
        self.resources.iter().filter(|(id, _)| !is_internal(id)).map(|(_, v)| v)
    }

    /// One tenant resource by id.
    pub fn resource(&self, id: &ResourceId) -> Option<&Value> {
        self.resources.get(id).filter(|_| !is_internal(id))
    }

    /// Replaces (or adds) one tenant resource: how tests make "a concurrent change".
    pub fn upsert(&mut self, value: Value) -> bool {
        match value.get("id").and_then(Value::as_str).map(ResourceId::parse) {
            Some(Ok(id)) if !is_internal(&id) => {
                self.resources.insert(id, value);
                true
            }
            _ => false,
        }
    }

    /// Removes one tenant resource.
    pub fn remove(&mut self, id: &ResourceId) -> Option<Value> {
        if is_internal(id) {
            return None;
        }
        self.resources.remove(id)
    }

    /// How long-running operations started from now on end.
    pub fn set_lro_behaviour(&mut self, b: LroBehaviour) {
        if let Ok(id) = ResourceId::parse(SETTINGS_ID) {
            self.resources.insert(id, json!({"id": SETTINGS_ID, "behaviour": b}));
        }
    }

    pub fn lro_behaviour(&self) -> LroBehaviour {
        ResourceId::parse(SETTINGS_ID)
            .ok()
            .and_then(|id| self.resources.get(&id))
            .and_then(|v| serde_json::from_value(v["behaviour"].clone()).ok())
            .unwrap_or_default()
    }

    /// Answers a poll of a long-running operation's status URL, if `req` is one.
    pub(super) fn operation_status(&mut self, req: &Request) -> Option<Response> {
        if req.method != Method::Get {
            return None;
        }
        let asked = ResourceId::parse(&req.path).ok()?;
        let ty = asked.resource_type();
        let location_form = ty.to_ascii_lowercase().ends_with(&ML_LOCATION.to_ascii_lowercase());
        let record_id = if location_form {
            ResourceId::parse(&format!("{}/{ML_ASYNC}/{}", asked.parent()?.as_str(), asked.name())).ok()?
        } else if is_internal(&asked) && !ty.starts_with("Pullpath.") {
            asked
        } else {
            return None;
        };
        let Some(record) = self.resources.get(&record_id).cloned() else {
            return Some(not_found(&record_id));
        };
        let record = self.advance(&record_id, record);
        let status = record["status"].as_str().unwrap_or("InProgress").to_string();
        Some(if location_form {
            match status.as_str() {
                "InProgress" => lro_headers(Response { status: 202, headers: Vec::new(), body: String::new() }),
                "Succeeded" => {
                    let target = record.pointer("/pullpathSim/target").and_then(Value::as_str).and_then(|t| ResourceId::parse(t).ok());
                    match target.and_then(|t| self.resources.get(&t)) {
                        Some(v) => Response::json(200, v),
                        None => Response { status: 204, headers: Vec::new(), body: String::new() },
                    }
                }
                _ => Response::json(400, &json!({"error": record["error"].clone()})),
            }
        } else {
            let mut public = json!({"id": record["id"], "name": record["name"], "status": status});
            if let Some(e) = record.get("error") {
                public["error"] = e.clone();
            }
            let r = Response::json(200, &public);
            if status == "InProgress" {
                lro_headers(r)
            } else {
                r
            }
        })
    }

    /// Counts one poll against an operation record and finishes it when its polls run out.
    fn advance(&mut self, id: &ResourceId, mut record: Value) -> Value {
        if record["status"] != "InProgress" {
            return record;
        }
        let left = record.pointer("/pullpathSim/pollsLeft").and_then(Value::as_u64).unwrap_or(0);
        if left > 0 {
            record["pullpathSim"]["pollsLeft"] = json!(left - 1);
        } else {
            let outcome: LroOutcome = serde_json::from_value(record["pullpathSim"]["outcome"].clone()).unwrap_or(LroOutcome::Succeeded);
            match outcome {
                LroOutcome::Succeeded => {
                    if let (Some(target), Some(pending)) = (record.pointer("/pullpathSim/target").and_then(Value::as_str).and_then(|t| ResourceId::parse(t).ok()), record.pointer("/pullpathSim/pending")) {
                        let mut done = pending.clone();
                        done["properties"]["provisioningState"] = json!("Succeeded");
                        self.resources.insert(target, done);
                    }
                    record["status"] = json!("Succeeded");
                }
                LroOutcome::Canceled => {
                    record["status"] = json!("Canceled");
                    record["error"] = json!({"code": "OperationCanceled", "message": "The operation was canceled."});
                }
                LroOutcome::Failed | LroOutcome::FailedAfterApplying => {
                    record["status"] = json!("Failed");
                    record["error"] = json!({"code": "InternalServerError", "message": "The update of the resource failed. Please retry the operation."});
                }
            }
        }
        self.resources.insert(id.clone(), record.clone());
        record
    }

    /// Starts a long-running change of `target` to `pending`; answers with the status monitor
    /// headers. `FailedAfterApplying` writes at once, the others when the operation ends.
    fn start_lro(&mut self, target: &ResourceId, pending: Value, status: u16, req: &Request) -> Response {
        let b = self.lro_behaviour();
        let n = self.resources.keys().filter(|k| is_internal(k)).count() + 1;
        let sub = target.subscription_id().unwrap_or("00000000-0000-0000-0000-000000000000").to_string();
        let record_id = if target.is_type(REGISTRIES) {
            format!("{}/{ACR_ASYNC}/registries-{n:08}", target.as_str())
        } else {
            let loc = pending.get("location").and_then(Value::as_str).unwrap_or("westeurope");
            format!("/subscriptions/{sub}/providers/Microsoft.MachineLearningServices/locations/{loc}/{ML_ASYNC}/op-{n:08}")
        };
        let Ok(rid) = ResourceId::parse(&record_id) else { return bad_id(&record_id) };
        let record = json!({
            "id": record_id, "name": rid.name(), "status": "InProgress",
            "pullpathSim": {"target": target.as_str(), "pending": pending, "pollsLeft": b.polls, "outcome": b.outcome},
        });
        self.resources.insert(rid.clone(), record);
        let mut shown = self.resources.get(target).cloned().unwrap_or_else(|| pending.clone());
        if b.outcome == LroOutcome::FailedAfterApplying {
            self.resources.insert(target.clone(), pending.clone());
            shown = pending;
        }
        shown["properties"]["provisioningState"] = json!("Updating");
        let r = Response::json(status, &shown);
        // Registries announce only Azure-AsyncOperation; compute PUT both; compute PATCH only
        // Location, so clients are exercised on each way ARM reports progress.
        let monitor = self.origin.trim_end_matches('/').to_string() + rid.as_str();
        let api = req.api_version().unwrap_or_default();
        let async_url = format!("{monitor}?api-version={api}");
        let location_url = format!("{}?api-version={api}", monitor.replace(ML_ASYNC, ML_LOCATION));
        let mut r = lro_headers(r);
        if target.is_type(REGISTRIES) || req.method == Method::Put {
            r.headers.push(("azure-asyncoperation".into(), async_url));
        }
        if target.is_type(COMPUTES) {
            r.headers.push(("location".into(), location_url));
        }
        r
    }

    pub(super) fn put(&mut self, req: &Request) -> Response {
        let id = match ResourceId::parse(&req.path) {
            Ok(id) => id,
            Err(e) => return bad_id(e),
        };
        let body = req.body.clone().unwrap_or(Value::Null);
        if id.is_type(ROLE_ASSIGNMENTS) {
            self.put_role_assignment(id, body)
        } else if id.is_type(COMPUTES) {
            let Some(current) = self.resources.get(&id).cloned() else {
                // Creating clusters is not something pullpath does.
                return not_supported(req);
            };
            let mut next = body;
            // A PUT replaces what the caller configures; what ARM itself records survives.
            for k in ["id", "name", "type", "systemData"] {
                if let Some(v) = current.get(k) {
                    next[k] = v.clone();
                }
            }
            for k in ["createdOn", "modifiedOn", "provisioningErrors", "isAttachedCompute"] {
                if let Some(v) = current.pointer(&format!("/properties/{k}")) {
                    next["properties"][k] = v.clone();
                }
            }
            let identity = self.resolve_identity(&id, next.get("identity"));
            set_identity(&mut next, identity);
            self.start_lro(&id, next, 201, req)
        } else if id.is_type(OUTBOUND_RULES) {
            self.put_outbound_rule(&id, &body)
        } else if id.is_type(IDENTITIES) {
            self.put_identity(id, &body)
        } else if id.is_type(CONNECTIONS) {
            let mut stored = json!({"id": id.as_str(), "name": id.name(), "type": CONNECTIONS, "properties": body.get("properties").cloned().unwrap_or(json!({}))});
            // ARM never returns connection secrets; a ManagedIdentity connection has none.
            stored["properties"]["createdByWorkspaceArmId"] = json!(id.parent().map(|p| p.as_str().to_string()));
            self.resources.insert(id, stored.clone());
            Response::json(200, &stored)
        } else {
            not_supported(req)
        }
    }

    /// The workspace an outbound rule belongs to, if it has a managed network to hold it.
    fn rule_workspace(&self, id: &ResourceId) -> Result<(ResourceId, Value), Response> {
        let ws = id.parent().filter(|p| p.is_type(WORKSPACES)).ok_or_else(|| not_found(id))?;
        let doc = self.resources.get(&ws).cloned().ok_or_else(|| not_found(&ws))?;
        Ok((ws, doc))
    }

    /// `GET {workspace}/outboundRules/{rule}`: the rule as `OutboundRuleBasicResource`.
    pub(super) fn get_outbound_rule(&self, id: &ResourceId) -> Response {
        let (_, ws) = match self.rule_workspace(id) {
            Ok(x) => x,
            Err(r) => return r,
        };
        let rules = ws.pointer("/properties/managedNetwork/outboundRules").and_then(Value::as_object);
        match rules.and_then(|r| r.iter().find(|(k, _)| k.eq_ignore_ascii_case(id.name()))) {
            Some((name, rule)) => Response::json(200, &json!({"id": id.as_str(), "name": name, "type": OUTBOUND_RULES, "properties": rule})),
            None => not_found(id),
        }
    }

    fn put_outbound_rule(&mut self, id: &ResourceId, body: &Value) -> Response {
        let (ws_id, mut ws) = match self.rule_workspace(id) {
            Ok(x) => x,
            Err(r) => return r,
        };
        let mode = ws.pointer("/properties/managedNetwork/isolationMode").and_then(Value::as_str).unwrap_or("Disabled");
        if mode.eq_ignore_ascii_case("Disabled") {
            return Response::json(400, &ErrorResponse::new("BadRequest", "The workspace has no managed network: outbound rules need an isolation mode other than Disabled."));
        }
        let Some(rule) = body.get("properties").filter(|p| p.get("type").and_then(Value::as_str).is_some()).cloned() else {
            return Response::json(400, &ErrorResponse::new("BadRequest", "The request must name properties.type."));
        };
        let mut stored = rule;
        // The specs do not say what status Azure gives a new rule, or when: the simulator's
        // managed networks make it Active at once (analysis reads a rule without one so too).
        stored["status"] = json!("Active");
        let network = &mut ws["properties"]["managedNetwork"];
        if !network["outboundRules"].is_object() {
            network["outboundRules"] = json!({});
        }
        if let Some(rules) = network["outboundRules"].as_object_mut() {
            remove_rule(rules, id.name());
            rules.insert(id.name().to_string(), stored.clone());
        }
        self.resources.insert(ws_id, ws);
        Response::json(200, &json!({"id": id.as_str(), "name": id.name(), "type": OUTBOUND_RULES, "properties": stored}))
    }

    fn delete_outbound_rule(&mut self, id: &ResourceId) -> Response {
        let (ws_id, mut ws) = match self.rule_workspace(id) {
            Ok(x) => x,
            Err(r) => return r,
        };
        let removed = ws.pointer_mut("/properties/managedNetwork/outboundRules").and_then(Value::as_object_mut).map_or(0, |rules| remove_rule(rules, id.name()));
        if removed == 0 {
            return Response { status: 204, headers: Vec::new(), body: String::new() };
        }
        self.resources.insert(ws_id, ws);
        Response { status: 200, headers: Vec::new(), body: String::new() }
    }

    /// `PUT {identity}` (UserAssignedIdentities_CreateOrUpdate): 201 with the new identity,
    /// whose principal and client ids Azure makes (here name-based, so reruns agree), or 200
    /// when it exists, keeping its ids. `location` is required (`TrackedResource`).
    fn put_identity(&mut self, id: ResourceId, body: &Value) -> Response {
        let Some(location) = body.get("location").and_then(Value::as_str).filter(|l| !l.trim().is_empty()) else {
            return Response::json(400, &ErrorResponse::new("LocationRequired", "The location property is required for this definition."));
        };
        let existing = self.resources.get(&id).cloned();
        let ids = |what: &str| uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, format!("{what}:{}", id.key()).as_bytes()).to_string();
        let props = match &existing {
            Some(e) => e.get("properties").cloned().unwrap_or(json!({})),
            None => json!({"tenantId": DEMO_TENANT_ID, "principalId": ids("principal"), "clientId": ids("client")}),
        };
        let stored = json!({
            "id": id.as_str(), "name": id.name(), "type": IDENTITIES,
            "location": location,
            "tags": body.get("tags").cloned().unwrap_or(json!({})),
            "properties": props,
        });
        self.resources.insert(id, stored.clone());
        Response::json(if existing.is_some() { 200 } else { 201 }, &stored)
    }

    fn put_role_assignment(&mut self, id: ResourceId, body: Value) -> Response {
        let props = body.get("properties").cloned().unwrap_or(Value::Null);
        let role = props.get("roleDefinitionId").and_then(Value::as_str).unwrap_or_default();
        let principal = props.get("principalId").and_then(Value::as_str).unwrap_or_default();
        if role.is_empty() || principal.is_empty() {
            return Response::json(400, &ErrorResponse::new("InvalidRoleAssignmentRequest", "The request must name properties.roleDefinitionId and properties.principalId."));
        }
        let scope = id.scope().unwrap_or_else(ResourceId::tenant);
        let role_guid = ResourceId::parse(role).map(|r| r.name().to_lowercase()).unwrap_or_default();
        let same = |v: &Value| {
            v.pointer("/properties/principalId").and_then(Value::as_str).is_some_and(|p| p.eq_ignore_ascii_case(principal))
                && v.pointer("/properties/roleDefinitionId").and_then(Value::as_str).and_then(|r| ResourceId::parse(r).ok()).is_some_and(|r| r.name().eq_ignore_ascii_case(&role_guid))
        };
        if let Some(existing) = self.resources.get(&id) {
            // ARM refuses to change an assignment in place: same name, other content is a conflict.
            if !same(existing) {
                return Response::json(409, &ErrorResponse::new("RoleAssignmentUpdateNotPermitted", "Tenant ID, application ID, principal ID, and scope are not allowed to be updated."));
            }
            return Response::json(201, existing);
        }
        let duplicate = self.resources.iter().any(|(other, v)| other.is_type(ROLE_ASSIGNMENTS) && other.scope().as_ref() == Some(&scope) && same(v));
        if duplicate {
            return Response::json(409, &ErrorResponse::new("RoleAssignmentExists", "The role assignment already exists."));
        }
        let mut stored = json!({"id": id.as_str(), "name": id.name(), "type": ROLE_ASSIGNMENTS, "properties": props});
        stored["properties"]["scope"] = json!(scope.as_str());
        if stored["properties"].get("principalType").is_none() {
            // ARM's default, and the reason pullpath always sends it.
            stored["properties"]["principalType"] = json!("User");
        }
        self.resources.insert(id, stored.clone());
        Response::json(201, &stored)
    }

    /// Fills in what ARM fills in on an identity block: the system identity's principal (a
    /// name-based id, so reruns agree) and each user-assigned identity's principal and client id.
    fn resolve_identity(&self, owner: &ResourceId, identity: Option<&Value>) -> Value {
        let Some(identity) = identity.filter(|v| v.is_object()) else { return Value::Null };
        let mut out = identity.clone();
        let ty = identity.get("type").and_then(Value::as_str).unwrap_or("None").to_ascii_lowercase();
        if ty.contains("systemassigned") {
            let existing = self.resources.get(owner).and_then(|v| v.pointer("/identity/principalId")).cloned();
            let pid = existing.unwrap_or_else(|| json!(uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, owner.key().as_bytes()).to_string()));
            out["principalId"] = pid;
            out["tenantId"] = json!(DEMO_TENANT_ID);
        } else if let Some(o) = out.as_object_mut() {
            o.remove("principalId");
            o.remove("tenantId");
        }
        if let Some(map) = out.get_mut("userAssignedIdentities").and_then(Value::as_object_mut) {
            for (k, v) in map.iter_mut() {
                let found = ResourceId::parse(k).ok().filter(|i| i.is_type(IDENTITIES)).and_then(|i| self.resources.get(&i));
                if let Some(uai) = found {
                    *v = json!({"principalId": uai.pointer("/properties/principalId"), "clientId": uai.pointer("/properties/clientId")});
                }
            }
        }
        out
    }

    pub(super) fn patch(&mut self, req: &Request) -> Response {
        let id = match ResourceId::parse(&req.path) {
            Ok(id) => id,
            Err(e) => return bad_id(e),
        };
        let Some(current) = self.resources.get(&id).cloned() else { return not_found(&id) };
        let mut next = current;
        if let Some(patch) = &req.body {
            merge(&mut next, patch);
        }
        if id.is_type(REGISTRIES) {
            return self.start_lro(&id, next, 201, req);
        }
        if id.is_type(COMPUTES) {
            let identity = next.get("identity").cloned();
            let identity = self.resolve_identity(&id, identity.as_ref());
            set_identity(&mut next, identity);
            return self.start_lro(&id, next, 202, req);
        }
        if is_internal(&id) {
            return not_supported(req);
        }
        self.resources.insert(id, next.clone());
        Response::json(200, &next)
    }

    pub(super) fn delete(&mut self, req: &Request) -> Response {
        let id = match ResourceId::parse(&req.path) {
            Ok(id) => id,
            Err(e) => return bad_id(e),
        };
        if id.is_type(OUTBOUND_RULES) {
            return self.delete_outbound_rule(&id);
        }
        if !(id.is_type(ROLE_ASSIGNMENTS) || id.is_type(CONNECTIONS) || id.is_type(IDENTITIES)) {
            return not_supported(req);
        }
        match self.resources.remove(&id) {
            Some(v) => Response::json(200, &v),
            None => Response { status: 204, headers: Vec::new(), body: String::new() },
        }
    }
}

/// Stores an identity block; a resource without managed identity is shown without one, as
/// ARM shows it, rather than as `{"type": "None"}`.
fn set_identity(resource: &mut Value, identity: Value) {
    let none = identity.is_null() || identity.get("type").and_then(Value::as_str).is_none_or(|t| t.eq_ignore_ascii_case("None"));
    match resource.as_object_mut() {
        Some(o) if none => {
            o.remove("identity");
        }
        Some(o) => {
            o.insert("identity".into(), identity);
        }
        None => {}
    }
}

/// ARM asks pollers to wait; one second keeps simulated runs short.
fn lro_headers(mut r: Response) -> Response {
    r.headers.push(("retry-after".into(), "1".into()));
    r
}

/// Removes every outbound rule named `name` in any case (ARM compares names so), returning
/// how many there were.
fn remove_rule(rules: &mut serde_json::Map<String, Value>, name: &str) -> usize {
    let same: Vec<String> = rules.keys().filter(|k| k.eq_ignore_ascii_case(name)).cloned().collect();
    same.iter().filter(|k| rules.remove(*k).is_some()).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faults::{LroBehaviour, LroOutcome};

    const REG: &str = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-ml-prod/providers/Microsoft.ContainerRegistry/registries/acrmlprod";

    fn req(method: Method, path: &str, api: &str, body: Option<Value>) -> Request {
        Request { method, path: path.into(), query: vec![("api-version".into(), api.into())], body }
    }

    fn follow(sim: &mut Sim, url: &str) -> Response {
        let rest = url.strip_prefix(super::super::DEFAULT_ORIGIN).unwrap();
        let (path, q) = rest.split_once('?').unwrap();
        let (k, v) = q.split_once('=').unwrap();
        sim.handle(&Request { method: Method::Get, path: path.into(), query: vec![(k.into(), v.into())], body: None })
    }

    #[test]
    fn registry_patch_is_a_long_running_operation() {
        for (outcome, final_status, admin) in [(LroOutcome::Succeeded, "Succeeded", false), (LroOutcome::Failed, "Failed", true), (LroOutcome::FailedAfterApplying, "Failed", false)] {
            let mut sim = Sim::demo();
            sim.set_lro_behaviour(LroBehaviour { polls: 2, outcome });
            let r = sim.handle(&req(Method::Patch, REG, pullpath_core::request::ResourceKind::Registry.api_version(), Some(json!({"properties": {"adminUserEnabled": false}}))));
            assert_eq!(r.status, 201);
            let url = r.header("azure-asyncoperation").unwrap().to_string();
            let statuses: Vec<String> = (0..4).map(|_| serde_json::from_str::<Value>(&follow(&mut sim, &url).body).unwrap()["status"].as_str().unwrap().to_string()).collect();
            assert_eq!(statuses, ["InProgress", "InProgress", final_status, final_status], "{outcome:?}");
            let reg = sim.resource(&ResourceId::parse(REG).unwrap()).unwrap();
            assert_eq!(reg["properties"]["adminUserEnabled"], json!(admin), "{outcome:?}");
            assert_eq!(sim.tenant_resources().count(), Sim::demo().tenant_resources().count());
        }
    }

    /// A rule's URL reads and writes its workspace's `managedNetwork.outboundRules` entry; a
    /// workspace without a managed network refuses one; deleting twice is 200 then 204.
    #[test]
    fn outbound_rules_live_in_their_workspace() {
        const WS: &str = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w";
        let ws = |mode: &str| json!({"id": WS, "name": "w", "type": WORKSPACES, "properties": {"managedNetwork": {"isolationMode": mode}}});
        let rule = format!("{WS}/outboundRules/pe-acr");
        let body = json!({"properties": {"type": "PrivateEndpoint", "category": "UserDefined", "destination": {"serviceResourceId": REG, "subresourceTarget": "registry"}}});
        let mut off = Sim::from_resources([ws("Disabled")]);
        assert_eq!(off.handle(&req(Method::Put, &rule, "2024-10-01", Some(body.clone()))).status, 400);
        let mut sim = Sim::from_resources([ws("AllowOnlyApprovedOutbound")]);
        assert_eq!(sim.handle(&req(Method::Get, &rule, "2024-10-01", None)).status, 404);
        assert_eq!(sim.handle(&req(Method::Put, &rule, "2024-10-01", Some(json!({"properties": {}})))).status, 400);
        let put = sim.handle(&req(Method::Put, &rule, "2024-10-01", Some(body)));
        assert_eq!(put.status, 200, "{}", put.body);
        let got: Value = serde_json::from_str(&sim.handle(&req(Method::Get, &rule.to_uppercase().replace("/SUBSCRIPTIONS", "/subscriptions"), "2024-10-01", None)).body).unwrap();
        assert_eq!(got["properties"]["destination"]["serviceResourceId"], REG);
        let ws_id = ResourceId::parse(WS).unwrap();
        assert_eq!(sim.resource(&ws_id).unwrap()["properties"]["managedNetwork"]["outboundRules"]["pe-acr"]["type"], "PrivateEndpoint");
        assert_eq!(sim.handle(&req(Method::Delete, &rule, "2024-10-01", None)).status, 200);
        assert_eq!(sim.handle(&req(Method::Delete, &rule, "2024-10-01", None)).status, 204);
        assert!(sim.resource(&ws_id).unwrap()["properties"]["managedNetwork"]["outboundRules"].as_object().unwrap().is_empty());
    }

    #[test]
    fn role_assignment_put_is_idempotent_by_name_and_refuses_duplicates() {
        let mut sim = Sim::demo();
        let scope = REG;
        let body = json!({"properties": {"roleDefinitionId": "/subscriptions/11111111-1111-1111-1111-111111111111/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d", "principalId": "99999999-0000-0000-0000-000000000009", "principalType": "ServicePrincipal"}});
        let a = format!("{scope}/providers/Microsoft.Authorization/roleAssignments/00000000-0000-0000-0000-0000000000aa");
        let b = format!("{scope}/providers/Microsoft.Authorization/roleAssignments/00000000-0000-0000-0000-0000000000bb");
        assert_eq!(sim.handle(&req(Method::Put, &a, "2022-04-01", Some(body.clone()))).status, 201);
        assert_eq!(sim.handle(&req(Method::Put, &a, "2022-04-01", Some(body.clone()))).status, 201);
        let dup = sim.handle(&req(Method::Put, &b, "2022-04-01", Some(body)));
        assert_eq!(dup.status, 409);
        assert!(dup.body.contains("RoleAssignmentExists"));
        assert_eq!(sim.handle(&req(Method::Delete, &a, "2022-04-01", None)).status, 200);
        assert_eq!(sim.handle(&req(Method::Delete, &a, "2022-04-01", None)).status, 204);
    }
}
