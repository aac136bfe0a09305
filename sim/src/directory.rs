//! The simulator's Microsoft Graph: the directory objects of the simulated tenant, served as
//! Graph serves them — `POST /v1.0/directoryObjects/getByIds`,
//! `GET /v1.0/servicePrincipals?$filter=appId eq '…'` and
//! `GET /v1.0/groups/{id}/transitiveMembers`, paged with absolute `@odata.nextLink`s on the
//! Graph origin, and `POST /v1.0/$batch` of those — and a caller without consent, refused as
//! Graph refuses.
//!
//! Group member lists are served as the tenant states them (already transitive, as Graph's
//! `transitiveMembers` is); the simulator does not compute nesting. Non-goals: `$select`,
//! `$filter`, a `$batch` item's `dependsOn` or `headers`, throttling (the emulator's, which
//! answers `$batch` items one by one through [`batch_items`] and [`batch_answer`]).

use serde_json::{json, Value};

use super::Sim;
use pullpath_core::directory::{DirectoryKind, DirectoryObject};
use pullpath_core::directory_request::{self, MAX_IDS_PER_GET_BY_IDS, VERSION_PREFIX};
use pullpath_core::request::{Method, Request, Response};
use pullpath_core::percent;

/// The Graph origin the simulator writes into `@odata.nextLink`s.
pub const DEFAULT_GRAPH_ORIGIN: &str = pullpath_core::cloud::Cloud::AzureCloud.graph_origin();

/// Whether the caller's Graph token carries the permissions pullpath asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DirectoryAccess {
    #[default]
    Allowed,
    /// Every Graph request gets 403 `Authorization_RequestDenied`: the app was not granted
    /// (or the user did not consent to) the delegated permission.
    NotConsented,
}

/// Graph's error envelope: `{"error": {"code", "message"}}` ("Errors in Microsoft Graph are
/// returned using standard HTTP status codes, and a JSON error response object.",
/// https://learn.microsoft.com/graph/errors). The emulator adds `innerError` (its date and
/// request ids), which the simulator has no clock for.
fn error(status: u16, code: &str, message: String) -> Response {
    Response::json(status, &json!({"error": {"code": code, "message": message}}))
}

/// The requests of a `$batch` body, each under its `id` as a plain Graph request; or the 400
/// Graph answers for the whole batch. "Must be unique in the batch, otherwise, the batch
/// request fails with a 400 error code." (`id`, https://learn.microsoft.com/graph/json-batching);
/// more than 20 requests is refused too (unverified: the wording is the simulator's).
pub fn batch_items(req: &Request) -> Result<Vec<(String, Request)>, Response> {
    let bad = |m: String| error(400, "BadRequest", m);
    let items = req.body.as_ref().and_then(|b| b.get("requests")).and_then(Value::as_array).ok_or_else(|| bad("The batch request must carry \"requests\".".into()))?;
    if items.len() > directory_request::MAX_REQUESTS_PER_BATCH {
        return Err(bad(format!("A batch may hold at most {} requests; {} were given.", directory_request::MAX_REQUESTS_PER_BATCH, items.len())));
    }
    let mut out: Vec<(String, Request)> = Vec::new();
    for item in items {
        let field = |k: &str| item.get(k).and_then(Value::as_str);
        let (Some(id), Some(method), Some(url)) = (field("id"), field("method"), field("url")) else {
            return Err(bad("Every batch request needs \"id\", \"method\" and \"url\".".into()));
        };
        if out.iter().any(|(other, _)| other.eq_ignore_ascii_case(id)) {
            return Err(bad(format!("The batch request id '{id}' is not unique.")));
        }
        let method = match method.to_ascii_uppercase().as_str() {
            "GET" => Method::Get,
            "POST" => Method::Post,
            other => return Err(bad(format!("The simulator does not batch {other} requests."))),
        };
        // "The relative resource URL for the individual request" (same page): after `/v1.0`.
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        let decoded = percent::decode_component(path, percent::Plus::Literal).and_then(|p| Ok((p, percent::parse_query(query)?)));
        let Ok((path, query)) = decoded else { return Err(bad(format!("The url of batch request '{id}' could not be decoded."))) };
        let path = format!("{}{}", VERSION_PREFIX.trim_end_matches('/'), if path.starts_with('/') { path } else { format!("/{path}") });
        out.push((id.to_string(), Request { method, path, query, body: item.get("body").cloned() }));
    }
    Ok(out)
}

/// The `$batch` answer: "responses", each with its request's "id", "status", "headers" and
/// "body" (https://learn.microsoft.com/graph/json-batching), in the order given.
pub fn batch_answer(answers: Vec<(String, Response)>) -> Response {
    let responses: Vec<Value> = answers
        .into_iter()
        .map(|(id, r)| {
            let mut headers = serde_json::Map::new();
            headers.insert("Content-Type".into(), json!("application/json"));
            for (k, v) in &r.headers {
                if k.eq_ignore_ascii_case("retry-after") {
                    headers.insert("Retry-After".into(), json!(v));
                }
            }
            let body: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
            json!({"id": id, "status": r.status, "headers": headers, "body": body})
        })
        .collect();
    Response::json(200, &json!({ "responses": responses }))
}

impl Sim {
    /// Serves one Graph request (its path starts with `/v1.0/`).
    pub(crate) fn directory(&self, req: &Request) -> Response {
        if self.directory_access == DirectoryAccess::NotConsented {
            // Unverified: the code and message Graph gives a token without the permission.
            return error(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.".into());
        }
        let rest = &req.path[VERSION_PREFIX.len()..];
        match (req.method, rest.split('/').collect::<Vec<_>>().as_slice()) {
            (Method::Post, ["directoryObjects", "getByIds"]) => self.get_by_ids(req),
            (Method::Get, ["groups", id, "transitiveMembers"]) => self.transitive_members(req, id),
            (Method::Get, ["servicePrincipals"]) => self.service_principals(req),
            (Method::Post, ["$batch"]) => match batch_items(req) {
                Ok(items) => batch_answer(items.into_iter().map(|(id, r)| {
                    let answer = if r.path.ends_with("/$batch") { error(400, "BadRequest", "A batch may not hold a batch.".into()) } else { self.directory(&r) };
                    (id, answer)
                }).collect()),
                Err(refused) => refused,
            },
            _ => error(400, "Request_BadRequest", format!("The simulator does not implement {} {}.", req.method.as_str(), req.path)),
        }
    }

    fn directory_object(&self, id: &str) -> Option<&DirectoryObject> {
        self.directory_objects.iter().find(|o| o.id.eq_ignore_ascii_case(id))
    }

    fn get_by_ids(&self, req: &Request) -> Response {
        let body = req.body.as_ref();
        let Some(ids) = body.and_then(|b| b.get("ids")).and_then(Value::as_array) else {
            return error(400, "Request_BadRequest", "The request body must carry \"ids\".".into());
        };
        if ids.len() > MAX_IDS_PER_GET_BY_IDS {
            return error(400, "Request_BadRequest", format!("At most {MAX_IDS_PER_GET_BY_IDS} ids may be given; {} were.", ids.len()));
        }
        let types: Vec<String> = body.and_then(|b| b.get("types")).and_then(Value::as_array).map(|t| t.iter().filter_map(Value::as_str).map(str::to_ascii_lowercase).collect()).unwrap_or_default();
        let wanted = |o: &DirectoryObject| {
            types.is_empty()
                || types.iter().any(|t| match o.kind() {
                    DirectoryKind::User => t == "user",
                    DirectoryKind::Group => t == "group",
                    DirectoryKind::ServicePrincipal => t == "serviceprincipal",
                    DirectoryKind::Other => false,
                })
        };
        // Ids the directory does not hold are left out of the answer (unverified: Graph's
        // page does not say).
        let value: Vec<DirectoryObject> = ids.iter().filter_map(Value::as_str).filter_map(|id| self.directory_object(id)).filter(|o| wanted(o)).map(DirectoryObject::without_members).collect();
        Response::json(200, &json!({"@odata.context": format!("{}/v1.0/$metadata#directoryObjects", self.graph_origin), "value": value}))
    }

    /// `servicePrincipals?$filter=appId eq '{guid}'`, the one filter pullpath sends.
    fn service_principals(&self, req: &Request) -> Response {
        let filter = req.query.iter().find(|(k, _)| k == "$filter").map(|(_, v)| v.as_str()).unwrap_or_default();
        let Some(app) = filter.strip_prefix("appId eq '").and_then(|f| f.strip_suffix('\'')) else {
            return error(400, "Request_UnsupportedQuery", format!("The simulator supports only $filter=appId eq '...', not {filter:?}."));
        };
        let value: Vec<DirectoryObject> = self
            .directory_objects
            .iter()
            .filter(|o| o.kind() == DirectoryKind::ServicePrincipal && o.app_id.as_deref().is_some_and(|a| a.eq_ignore_ascii_case(app)))
            .map(DirectoryObject::without_members)
            .collect();
        Response::json(200, &json!({"@odata.context": format!("{}/v1.0/$metadata#servicePrincipals", self.graph_origin), "value": value}))
    }

    fn transitive_members(&self, req: &Request, id: &str) -> Response {
        let group = self.directory_object(id).filter(|o| o.kind() == DirectoryKind::Group);
        let Some(group) = group else {
            // Unverified: the wording of Graph's 404 for an unknown group.
            return error(404, "Request_ResourceNotFound", format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."));
        };
        let members: Vec<DirectoryObject> =
            group.transitive_members.iter().flatten().map(|m| self.directory_object(&m.id).map(DirectoryObject::without_members).unwrap_or_else(|| m.without_members())).collect();
        let skip: usize = req.query.iter().find(|(k, _)| k == "$skiptoken").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
        let size = self.directory_page_size.max(1);
        let page: Vec<&DirectoryObject> = members.iter().skip(skip).take(size).collect();
        let mut body = json!({"@odata.context": format!("{}/v1.0/$metadata#directoryObjects", self.graph_origin), "value": page});
        if skip + size < members.len() {
            let Some(mut next) = directory_request::list_transitive_members(id) else { return error(400, "Request_BadRequest", "not a group id".into()) };
            next.query.push(("$skiptoken".into(), (skip + size).to_string()));
            body["@odata.nextLink"] = json!(next.url(&self.graph_origin));
        }
        Response::json(200, &body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pullpath_core::directory_request::{get_by_ids, list_transitive_members};

    fn sim() -> Sim {
        let mut members: Vec<Value> = (0..250).map(|i| json!({"@odata.type": "#microsoft.graph.user", "id": format!("00000000-0000-0000-0000-{i:012}"), "displayName": format!("user {i}")})).collect();
        members.push(json!({"@odata.type": "#microsoft.graph.servicePrincipal", "id": "aaaaaaaa-0000-0000-0000-000000000009"}));
        Sim::from_resources([
            json!({"@odata.type": "#microsoft.graph.group", "id": "cccccccc-0000-0000-0000-000000000001", "displayName": "big", "transitiveMembers": members}),
            json!({"@odata.type": "#microsoft.graph.servicePrincipal", "id": "aaaaaaaa-0000-0000-0000-000000000009", "displayName": "cpu-cluster", "servicePrincipalType": "ManagedIdentity"}),
        ])
    }

    #[test]
    fn get_by_ids_returns_named_objects_without_member_lists() {
        let mut s = sim();
        let r = s.handle(&get_by_ids(&["CCCCCCCC-0000-0000-0000-000000000001".into(), "aaaaaaaa-0000-0000-0000-000000000009".into(), "dddddddd-0000-0000-0000-000000000000".into()]).unwrap());
        assert_eq!(r.status, 200);
        let v: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["value"].as_array().unwrap().len(), 2);
        assert!(v["value"][0].get("transitiveMembers").is_none());
        assert_eq!(v["value"][1]["displayName"], "cpu-cluster");
    }

    /// A `$batch` of member reads answers each item as the read alone is answered, next pages
    /// included; a repeated id or too many requests refuse the whole batch.
    #[test]
    fn batch_answers_each_item_as_alone() {
        let mut s = sim();
        let first = list_transitive_members("cccccccc-0000-0000-0000-000000000001").unwrap();
        let alone: Value = serde_json::from_str(&s.handle(&first).body).unwrap();
        let next = pullpath_core::link::follow(DEFAULT_GRAPH_ORIGIN, alone["@odata.nextLink"].as_str().unwrap()).unwrap();
        let unknown = list_transitive_members("dddddddd-0000-0000-0000-000000000000").unwrap();
        let batch = directory_request::batch(&[("a".into(), first), ("b".into(), next.clone()), ("c".into(), unknown)]).unwrap();
        let r = s.handle(&batch);
        assert_eq!(r.status, 200);
        let v: Value = serde_json::from_str(&r.body).unwrap();
        let items = v["responses"].as_array().unwrap();
        assert_eq!(items[0]["id"], "a");
        assert_eq!(items[0]["body"], alone);
        assert_eq!(items[1]["body"], serde_json::from_str::<Value>(&s.handle(&next).body).unwrap());
        assert_eq!((items[2]["status"].as_u64(), items[2]["body"]["error"]["code"].as_str()), (Some(404), Some("Request_ResourceNotFound")));
        let mut repeated = batch.clone();
        repeated.body.as_mut().unwrap()["requests"][1]["id"] = json!("A");
        assert_eq!(s.handle(&repeated).status, 400);
        let mut many = batch;
        let one = many.body.as_ref().unwrap()["requests"][0].clone();
        many.body = Some(json!({"requests": (0..21).map(|i| { let mut r = one.clone(); r["id"] = json!(i.to_string()); r }).collect::<Vec<_>>()}));
        assert_eq!(s.handle(&many).status, 400);
    }

    #[test]
    fn members_page_on_the_graph_origin_and_refusal_without_consent() {
        let mut s = sim();
        let first = s.handle(&list_transitive_members("cccccccc-0000-0000-0000-000000000001").unwrap());
        let v: Value = serde_json::from_str(&first.body).unwrap();
        assert_eq!(v["value"].as_array().unwrap().len(), 100);
        let next = v["@odata.nextLink"].as_str().unwrap();
        assert!(next.starts_with("https://graph.microsoft.com/v1.0/groups/cccccccc-0000-0000-0000-000000000001/transitiveMembers?"), "{next}");
        let third = s.handle(&pullpath_core::link::follow(DEFAULT_GRAPH_ORIGIN, next).unwrap());
        let third = s.handle(&pullpath_core::link::follow(DEFAULT_GRAPH_ORIGIN, serde_json::from_str::<Value>(&third.body).unwrap()["@odata.nextLink"].as_str().unwrap()).unwrap());
        let v: Value = serde_json::from_str(&third.body).unwrap();
        assert_eq!(v["value"].as_array().unwrap().len(), 51);
        assert!(v.get("@odata.nextLink").is_none());
        // The member is served as the directory names it.
        assert_eq!(v["value"][50]["displayName"], "cpu-cluster");
        assert_eq!(s.handle(&list_transitive_members("dddddddd-0000-0000-0000-000000000000").unwrap()).status, 404);
        s.directory_access = DirectoryAccess::NotConsented;
        let r = s.handle(&list_transitive_members("cccccccc-0000-0000-0000-000000000001").unwrap());
        assert_eq!(r.status, 403);
        assert!(r.body.contains("Authorization_RequestDenied"));
    }
}
