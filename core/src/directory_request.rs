//! Every Microsoft Graph request pullpath may send, built from typed input: the one place Graph
//! paths and queries are written (as `request` is for ARM).
//!
//! Graph requests are the same plain-data [`Request`] as ARM's, without host or token; they
//! are told apart by their path, which starts with Graph's version segment `/v1.0/` (no ARM
//! path does: ARM's start with `/subscriptions`, `/providers`, `/tenants` or a scope). The
//! executor sends them to the configured cloud's Graph origin with the Graph token, and
//! nowhere else. Only GUIDs are put into a path or a body, so an id read from a tenant can
//! never name another Graph resource.
//!
//! Not here: what the answers mean (`directory`), when to ask (`scan`).

use serde_json::json;

use crate::request::{Method, Request};

/// The path prefix of every Graph request.
pub const VERSION_PREFIX: &str = "/v1.0/";

/// "You can specify up to 1000 ids." (`ids` of `POST /directoryObjects/getByIds`,
/// https://learn.microsoft.com/graph/api/directoryobject-getbyids)
pub const MAX_IDS_PER_GET_BY_IDS: usize = 1000;

/// "Microsoft Graph supports batching up to 20 requests into the JSON object."
/// (https://learn.microsoft.com/graph/json-batching)
pub const MAX_REQUESTS_PER_BATCH: usize = 20;

/// Whether `req` is for Microsoft Graph rather than ARM.
pub fn is_graph(req: &Request) -> bool {
    req.path.starts_with(VERSION_PREFIX)
}

/// The id as a lowercase hyphenated GUID, or `None` when it is not one.
pub fn guid(id: &str) -> Option<String> {
    uuid::Uuid::parse_str(id.trim()).ok().map(|u| u.hyphenated().to_string())
}

/// `POST /v1.0/directoryObjects/getByIds` for users, groups and service principals (managed
/// identities are service principals). Ids that are not GUIDs are dropped; `None` when none is
/// left or more than [`MAX_IDS_PER_GET_BY_IDS`] are given.
pub fn get_by_ids(ids: &[String]) -> Option<Request> {
    let ids: Vec<String> = ids.iter().filter_map(|i| guid(i)).collect();
    if ids.is_empty() || ids.len() > MAX_IDS_PER_GET_BY_IDS {
        return None;
    }
    Some(Request {
        method: Method::Post,
        path: format!("{VERSION_PREFIX}directoryObjects/getByIds"),
        query: Vec::new(),
        // `types`: "A collection of resource types that specifies the set of resource
        // collections to search." (same page): devices and contacts grant nothing here.
        body: Some(json!({ "ids": ids, "types": ["user", "group", "servicePrincipal"] })),
    })
}

/// `GET /v1.0/groups/{id}/transitiveMembers`: "This operation is transitive and returns a flat
/// list of all nested members." (https://learn.microsoft.com/graph/api/group-list-transitivemembers).
/// Later pages come from `@odata.nextLink`, followed only through `link::follow`.
pub fn list_transitive_members(group: &str) -> Option<Request> {
    let group = guid(group)?;
    Some(Request { method: Method::Get, path: format!("{VERSION_PREFIX}groups/{group}/transitiveMembers"), query: Vec::new(), body: None })
}

/// The group whose `transitiveMembers` `req` reads (a first page, or a later one that
/// `link::follow` made of an `@odata.nextLink`), as a lowercase GUID; `None` for any other
/// request.
pub fn members_group(req: &Request) -> Option<String> {
    let rest = req.path.strip_prefix(VERSION_PREFIX)?.strip_prefix("groups/")?.strip_suffix("/transitiveMembers")?;
    if req.method != Method::Get || rest.contains('/') {
        return None;
    }
    guid(rest)
}

/// `POST /v1.0/$batch` of `transitiveMembers` reads, each under its id ("id Required. String.
/// A correlation value to associate individual responses with requests. [...] Must be unique
/// in the batch", https://learn.microsoft.com/graph/json-batching). Each item's `url` is
/// "The relative resource URL for the individual request" (same page): rebuilt here from its
/// group's GUID and the page's query, so only GUIDs reach a path in the body. `None` when
/// empty, more than [`MAX_REQUESTS_PER_BATCH`], an id repeats, or an item is not a
/// `transitiveMembers` read ([`members_group`]).
pub fn batch(items: &[(String, Request)]) -> Option<Request> {
    if items.is_empty() || items.len() > MAX_REQUESTS_PER_BATCH {
        return None;
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, (id, req)) in items.iter().enumerate() {
        let group = members_group(req)?;
        if items[..i].iter().any(|(other, _)| other.eq_ignore_ascii_case(id)) {
            return None;
        }
        let page = Request { method: Method::Get, path: format!("/groups/{group}/transitiveMembers"), query: req.query.clone(), body: None };
        out.push(json!({ "id": id, "method": "GET", "url": page.path_and_query() }));
    }
    Some(Request { method: Method::Post, path: format!("{VERSION_PREFIX}$batch"), query: Vec::new(), body: Some(json!({ "requests": out })) })
}

/// `GET /v1.0/servicePrincipals?$filter=appId eq '{appId}'`: the service principal of an
/// application id (an AKS cluster's `servicePrincipalProfile.clientId`). The servicePrincipal
/// resource's `appId`: "The unique identifier for the associated application (its appId
/// property). Alternate key. Supports $filter (eq, ne, not, in, startsWith)."
/// (https://learn.microsoft.com/graph/api/resources/serviceprincipal). `None` unless a GUID.
pub fn service_principal_by_app_id(app_id: &str) -> Option<Request> {
    let app = guid(app_id)?;
    Some(Request { method: Method::Get, path: format!("{VERSION_PREFIX}servicePrincipals"), query: vec![("$filter".into(), format!("appId eq '{app}'"))], body: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_guids_reach_a_path_or_body() {
        assert!(list_transitive_members("../users").is_none());
        assert!(list_transitive_members("00000000-0000-0000-0000-00000000000G").is_none());
        let r = list_transitive_members("AAAAAAAA-0000-0000-0000-000000000001").unwrap();
        assert_eq!(r.path, "/v1.0/groups/aaaaaaaa-0000-0000-0000-000000000001/transitiveMembers");
        assert!(is_graph(&r));
        let r = get_by_ids(&["x".into(), "bbbbbbbb-0000-0000-0000-000000000001".into()]).unwrap();
        assert_eq!(r.body.unwrap()["ids"], json!(["bbbbbbbb-0000-0000-0000-000000000001"]));
        assert!(get_by_ids(&["x".into()]).is_none());
        let many: Vec<String> = (0..1001).map(|i| format!("00000000-0000-0000-0000-{i:012}")).collect();
        assert!(get_by_ids(&many).is_none());
        assert!(get_by_ids(&many[..1000]).is_some());
        assert!(service_principal_by_app_id("msi").is_none());
        assert!(service_principal_by_app_id("x') or (1 eq 1").is_none());
        let r = service_principal_by_app_id("EEEEEEEE-0000-4000-8000-000000000001").unwrap();
        assert_eq!(r.path_and_query(), "/v1.0/servicePrincipals?%24filter=appId%20eq%20%27eeeeeeee-0000-4000-8000-000000000001%27");
    }

    #[test]
    fn a_batch_carries_only_member_reads_of_guids() {
        let g = |i: u32| list_transitive_members(&format!("aaaaaaaa-0000-0000-0000-{i:012}")).unwrap();
        let mut next = g(1);
        next.query.push(("$skiptoken".into(), "X'1".into()));
        let b = batch(&[("1".into(), g(0)), ("2".into(), next)]).unwrap();
        assert!(is_graph(&b));
        assert_eq!(b.path, "/v1.0/$batch");
        let body = b.body.unwrap();
        assert_eq!(body["requests"][0], json!({"id": "1", "method": "GET", "url": "/groups/aaaaaaaa-0000-0000-0000-000000000000/transitiveMembers"}));
        assert_eq!(body["requests"][1]["url"], "/groups/aaaaaaaa-0000-0000-0000-000000000001/transitiveMembers?%24skiptoken=X%271");
        // Not a member read, a path that is not a GUID's, a repeated id, too many, none.
        assert!(batch(&[("1".into(), get_by_ids(&["aaaaaaaa-0000-0000-0000-000000000000".into()]).unwrap())]).is_none());
        let bad = Request { method: Method::Get, path: "/v1.0/groups/../users/transitiveMembers".into(), query: vec![], body: None };
        assert!(batch(&[("1".into(), bad)]).is_none());
        let nested = Request { method: Method::Get, path: "/v1.0/groups/aaaaaaaa-0000-0000-0000-000000000000/x/transitiveMembers".into(), query: vec![], body: None };
        assert!(batch(&[("1".into(), nested)]).is_none());
        assert!(batch(&[("a".into(), g(0)), ("A".into(), g(1))]).is_none());
        let many: Vec<(String, Request)> = (0..21).map(|i| (i.to_string(), g(i))).collect();
        assert!(batch(&many).is_none());
        assert!(batch(&many[..20]).is_some());
        assert!(batch(&[]).is_none());
    }

    #[test]
    fn arm_paths_are_not_graph() {
        assert!(!is_graph(&crate::request::list_subscriptions()));
    }
}
