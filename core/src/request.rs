//! Every ARM request pullpath may send, built from typed input: the one place ARM paths and
//! api-versions are written.
//!
//! A [`Request`] is plain data (method, path, query, headers, body). It carries no host and no
//! token: the executor at the edge adds the configured ARM origin and the bearer token, so
//! the core can never send a credential anywhere.

use serde::{Deserialize, Serialize};

use crate::id::ResourceId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Put,
    Patch,
    Post,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// An ARM request as data. `path` starts with `/`; `query` holds `api-version` first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
}

impl Request {
    /// Path and query, percent-encoded, ready to append to an ARM origin.
    pub fn path_and_query(&self) -> String {
        let mut out = encode_path(&self.path);
        for (i, (k, v)) in self.query.iter().enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            out.push_str(&encode_component(k));
            out.push('=');
            out.push_str(&encode_component(v));
        }
        out
    }

    /// Full URL on the given origin (`https://management.azure.com`).
    pub fn url(&self, origin: &str) -> String {
        format!("{}{}", origin.trim_end_matches('/'), self.path_and_query())
    }

    pub fn api_version(&self) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == "api-version").map(|(_, v)| v.as_str())
    }
}

/// An HTTP response as data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    pub status: u16,
    /// Header names lowercase.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn json(status: u16, body: &impl Serialize) -> Response {
        Response {
            status,
            headers: vec![("content-type".into(), "application/json; charset=utf-8".into())],
            body: serde_json::to_string(body).unwrap_or_default(),
        }
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Resource types pullpath reads, each with the api-version of the spec in `shared/azure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ResourceKind {
    Registry,
    Workspace,
    Compute,
    Connection,
    ManagedCluster,
    UserAssignedIdentity,
    RoleAssignment,
    RoleDefinition,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 8] = [
        ResourceKind::Registry,
        ResourceKind::Workspace,
        ResourceKind::Compute,
        ResourceKind::Connection,
        ResourceKind::ManagedCluster,
        ResourceKind::UserAssignedIdentity,
        ResourceKind::RoleAssignment,
        ResourceKind::RoleDefinition,
    ];

    /// `(provider namespace, type path under it)`.
    pub fn provider_type(self) -> (&'static str, &'static str) {
        match self {
            ResourceKind::Registry => ("Microsoft.ContainerRegistry", "registries"),
            ResourceKind::Workspace => ("Microsoft.MachineLearningServices", "workspaces"),
            ResourceKind::Compute => ("Microsoft.MachineLearningServices", "workspaces/computes"),
            ResourceKind::Connection => ("Microsoft.MachineLearningServices", "workspaces/connections"),
            ResourceKind::ManagedCluster => ("Microsoft.ContainerService", "managedClusters"),
            ResourceKind::UserAssignedIdentity => ("Microsoft.ManagedIdentity", "userAssignedIdentities"),
            ResourceKind::RoleAssignment => ("Microsoft.Authorization", "roleAssignments"),
            ResourceKind::RoleDefinition => ("Microsoft.Authorization", "roleDefinitions"),
        }
    }

    /// `Microsoft.ContainerRegistry/registries` etc.
    pub fn type_name(self) -> String {
        let (ns, ty) = self.provider_type();
        format!("{ns}/{ty}")
    }

    pub fn from_type(ty: &str) -> Option<ResourceKind> {
        ResourceKind::ALL.into_iter().find(|k| k.type_name().eq_ignore_ascii_case(ty))
    }

    /// The api-version table (see `shared/azure/README.md`).
    pub fn api_version(self) -> &'static str {
        match self {
            ResourceKind::Registry => "2025-04-01",
            ResourceKind::Workspace | ResourceKind::Compute | ResourceKind::Connection => "2024-10-01",
            ResourceKind::ManagedCluster => "2025-05-01",
            ResourceKind::UserAssignedIdentity => "2024-11-30",
            ResourceKind::RoleAssignment | ResourceKind::RoleDefinition => "2022-04-01",
        }
    }
}

/// `api-version` for subscription listing (Microsoft.Resources).
pub const SUBSCRIPTIONS_API_VERSION: &str = "2022-12-01";
/// `api-version` for Resource Graph.
pub const RESOURCE_GRAPH_API_VERSION: &str = "2024-04-01";
/// `api-version` for `Microsoft.Authorization/permissions`.
pub const PERMISSIONS_API_VERSION: &str = "2022-04-01";

fn request(method: Method, path: String, api_version: &str) -> Request {
    Request { method, path, query: vec![("api-version".into(), api_version.into())], body: None }
}

/// `GET /subscriptions`.
pub fn list_subscriptions() -> Request {
    request(Method::Get, "/subscriptions".into(), SUBSCRIPTIONS_API_VERSION)
}

/// List every resource of a top-level kind in a subscription
/// (`/subscriptions/{s}/providers/{ns}/{type}`). Role assignments and definitions list at the
/// subscription scope, which includes the assignments at resource groups and resources below.
pub fn list_in_subscription(subscription: &ResourceId, kind: ResourceKind) -> Request {
    let (ns, ty) = kind.provider_type();
    debug_assert!(!ty.contains('/'), "{kind:?} is a child type; list it under its parent");
    request(Method::Get, format!("{}/providers/{ns}/{ty}", subscription.as_str()), kind.api_version())
}

/// List the computes or connections of a workspace.
pub fn list_children(workspace: &ResourceId, kind: ResourceKind) -> Request {
    let (_, ty) = kind.provider_type();
    let child = ty.rsplit('/').next().unwrap_or(ty);
    request(Method::Get, format!("{}/{child}", workspace.as_str()), kind.api_version())
}

/// `GET {id}` for any resource pullpath knows the type of.
pub fn get(id: &ResourceId) -> Option<Request> {
    let kind = ResourceKind::from_type(&id.resource_type())?;
    Some(request(Method::Get, id.as_str().into(), kind.api_version()))
}

/// Follow a `nextLink`: the caller has already checked it points at the ARM origin; the link
/// is split into path and query so it travels as data like every other request.
pub fn next_page(path: &str, query: Vec<(String, String)>) -> Request {
    Request { method: Method::Get, path: path.into(), query, body: None }
}

fn encode_path(path: &str) -> String {
    path.split('/').map(encode_component).collect::<Vec<_>>().join("/")
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_registries_in_subscription() {
        let sub = ResourceId::subscription("00000000-0000-0000-0000-000000000001").unwrap();
        let r = list_in_subscription(&sub, ResourceKind::Registry);
        assert_eq!(r.url("https://management.azure.com/"), "https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.ContainerRegistry/registries?api-version=2025-04-01");
    }

    #[test]
    fn paths_are_percent_encoded() {
        let r = Request { method: Method::Get, path: "/a b/c".into(), query: vec![("$filter".into(), "x eq 'y'".into())], body: None };
        assert_eq!(r.path_and_query(), "/a%20b/c?%24filter=x%20eq%20%27y%27");
    }
}
