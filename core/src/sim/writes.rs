//! Write operations of the simulator: role assignment PUT/DELETE, resource PATCH.
//!
//! Kept apart from reads so the apply engine's needs (conflicts, idempotency, LROs) grow
//! here without touching discovery.

use serde_json::{json, Value};

use super::{merge, not_found, not_supported, Sim};
use crate::arm::ErrorResponse;
use crate::id::ResourceId;
use crate::request::{Request, Response};

impl Sim {
    /// Answers a poll of a long-running operation's status URL, if `req` is one.
    pub(super) fn operation_status(&mut self, _req: &Request) -> Option<Response> {
        None
    }

    pub(super) fn put(&mut self, req: &Request) -> Response {
        let id = match ResourceId::parse(&req.path) {
            Ok(id) => id,
            Err(e) => return Response::json(400, &ErrorResponse::new("InvalidResourceId", e.to_string())),
        };
        if !id.is_type("Microsoft.Authorization/roleAssignments") {
            return not_supported(req);
        }
        let body = req.body.clone().unwrap_or(Value::Null);
        let props = body.get("properties").cloned().unwrap_or(Value::Null);
        let role = props.get("roleDefinitionId").and_then(Value::as_str).unwrap_or_default();
        let principal = props.get("principalId").and_then(Value::as_str).unwrap_or_default();
        if role.is_empty() || principal.is_empty() {
            return Response::json(400, &ErrorResponse::new("InvalidRoleAssignmentRequest", "The request must name properties.roleDefinitionId and properties.principalId."));
        }
        let scope = id.scope().unwrap_or_else(ResourceId::tenant);
        let role_guid = ResourceId::parse(role).map(|r| r.name().to_lowercase()).unwrap_or_default();
        let duplicate = self.resources.iter().any(|(other, v)| {
            other.is_type("Microsoft.Authorization/roleAssignments")
                && other != &id
                && other.scope().as_ref() == Some(&scope)
                && v.pointer("/properties/principalId").and_then(Value::as_str).is_some_and(|p| p.eq_ignore_ascii_case(principal))
                && v.pointer("/properties/roleDefinitionId").and_then(Value::as_str).and_then(|r| ResourceId::parse(r).ok()).is_some_and(|r| r.name().eq_ignore_ascii_case(&role_guid))
        });
        if duplicate {
            return Response::json(409, &ErrorResponse::new("RoleAssignmentExists", "The role assignment already exists."));
        }
        let mut stored = json!({
            "id": id.as_str(),
            "name": id.name(),
            "type": "Microsoft.Authorization/roleAssignments",
            "properties": props,
        });
        stored["properties"]["scope"] = json!(scope.as_str());
        let status = if self.resources.contains_key(&id) { 200 } else { 201 };
        self.resources.insert(id, stored.clone());
        Response::json(status, &stored)
    }

    pub(super) fn patch(&mut self, req: &Request) -> Response {
        let id = match ResourceId::parse(&req.path) {
            Ok(id) => id,
            Err(e) => return Response::json(400, &ErrorResponse::new("InvalidResourceId", e.to_string())),
        };
        let Some(current) = self.resources.get_mut(&id) else { return not_found(&id) };
        if let Some(patch) = &req.body {
            merge(current, patch);
        }
        Response::json(200, &current.clone())
    }

    pub(super) fn delete(&mut self, req: &Request) -> Response {
        let id = match ResourceId::parse(&req.path) {
            Ok(id) => id,
            Err(e) => return Response::json(400, &ErrorResponse::new("InvalidResourceId", e.to_string())),
        };
        match self.resources.remove(&id) {
            Some(v) => Response::json(200, &v),
            None => Response { status: 204, headers: Vec::new(), body: String::new() },
        }
    }
}

