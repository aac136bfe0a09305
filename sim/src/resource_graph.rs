//! Azure Resource Graph in the simulator: `POST /providers/Microsoft.ResourceGraph/resources`
//! for the subset of KQL the scanner sends.
//!
//! Supported: the tables `resources`, `authorizationresources` and `resourcecontainers`;
//! `where type =~ '...'`, `where type in~ ('...', ...)`, `project col, ...`,
//! `order by id asc`, and grouping rows as
//! `summarize name = make_list(pack('key', col, ...)) by col, ... | order by col asc, ...`;
//! `$top`, `$skip` and `$skipToken` paging with `resultFormat: objectArray`.
//! Anything else gets Resource Graph's own `BadRequest`/`InvalidQuery` error, never a guess.
//! Rows follow Resource Graph's shape: lowercase `type`, plus `subscriptionId`,
//! `resourceGroup` and `tenantId` columns; scopes the caller may not read are left out, as
//! Resource Graph does.
//!
//! Documented behaviours it follows:
//! - `authorizationresources` holds assignments at management groups and the tenant root only
//!   when `options.authorizationScopeFilter` asks for what is above the subscriptions
//!   (`AtScopeAndAbove`, `AtScopeAboveAndBelow`); the default, `AtScopeAndBelow`, has only what
//!   is at or below them (2024-04-01 spec, `QueryRequestOptions.authorizationScopeFilter`);
//! - subscription rows of `resourcecontainers` carry `properties.managementGroupAncestorsChain`,
//!   immediate parent first, the tenant root group last;
//! - AML computes and workspace connections are not in `resources` (the "table and resource
//!   type reference" lists neither);
//! - a result without an `id` column cannot page: more rows than `$top` come back cut short,
//!   `resultTruncated: "true"` and no `$skipToken` ("Working with large data sets": "The query
//!   must project the id field in order for pagination to work. If it's missing from the
//!   query, the response won't include the $skipToken").
//!
//! Not here: quota headers and throttling (the emulator adds them).

use serde_json::{json, Map, Value};

use super::{GraphAccess, Sim, DEMO_TENANT_ID};
use pullpath_core::arm::SUBSCRIPTION_TYPE;
use pullpath_core::arm::{ErrorDetail, ErrorResponse, QueryRequest};
use pullpath_core::id::{ResourceId, ScopeLevel};
use pullpath_core::request::{Request, Response};

/// Resource Graph's default and maximum page sizes.
const DEFAULT_TOP: usize = 100;
const MAX_TOP: usize = 1000;
/// Prefix of the simulator's skip tokens; the scanner must treat them as opaque.
const TOKEN_PREFIX: &str = "ppsim1.";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    Resources,
    AuthorizationResources,
    ResourceContainers,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Query {
    table: Table,
    /// Lowercase types to keep; `None` keeps every type of the table.
    types: Option<Vec<String>>,
    project: Option<Vec<String>>,
    summarize: Option<Summarize>,
}

/// `options.authorizationScopeFilter`: which authorization resources relative to the
/// subscriptions queried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ScopeFilter {
    /// `AtScopeAndBelow`, the default.
    AndBelow,
    /// `AtScopeAndAbove`.
    AndAbove,
    /// `AtScopeExact`.
    Exact,
    /// `AtScopeAboveAndBelow`.
    AboveAndBelow,
}

impl ScopeFilter {
    fn parse(value: Option<&str>) -> Result<ScopeFilter, String> {
        Ok(match value {
            None => ScopeFilter::AndBelow,
            Some(v) if v.eq_ignore_ascii_case("AtScopeAndBelow") => ScopeFilter::AndBelow,
            Some(v) if v.eq_ignore_ascii_case("AtScopeAndAbove") => ScopeFilter::AndAbove,
            Some(v) if v.eq_ignore_ascii_case("AtScopeExact") => ScopeFilter::Exact,
            Some(v) if v.eq_ignore_ascii_case("AtScopeAboveAndBelow") => ScopeFilter::AboveAndBelow,
            Some(v) => return Err(format!("authorizationScopeFilter {v:?} is not one of AtScopeAndBelow, AtScopeAndAbove, AtScopeExact, AtScopeAboveAndBelow.")),
        })
    }
    fn above(self) -> bool {
        matches!(self, ScopeFilter::AndAbove | ScopeFilter::AboveAndBelow)
    }
    fn below(self) -> bool {
        matches!(self, ScopeFilter::AndBelow | ScopeFilter::AboveAndBelow)
    }
}

/// Types Resource Graph does not index (see the module comment), lowercase.
const NOT_INDEXED: [&str; 2] = ["microsoft.machinelearningservices/workspaces/computes", "microsoft.machinelearningservices/workspaces/connections"];

/// `summarize {name} = make_list(pack('key', column, ...)) by {by}`: one row per distinct
/// value of the `by` columns, in ascending order of them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Summarize {
    name: String,
    pack: Vec<(String, String)>,
    by: Vec<String>,
}

impl Sim {
    /// Answers a Resource Graph query.
    pub(super) fn resource_graph(&self, req: &Request) -> Response {
        if self.graph == GraphAccess::Forbidden {
            return Response::json(
                403,
                &ErrorResponse::new(
                    "AuthorizationFailed",
                    format!("The client '{0}' with object id '{0}' does not have authorization to perform action 'Microsoft.ResourceGraph/resources/read' over scope '/providers/Microsoft.ResourceGraph' or the scope is invalid.", self.caller),
                ),
            );
        }
        let body: QueryRequest = match req.body.clone().map(serde_json::from_value) {
            Some(Ok(b)) => b,
            Some(Err(e)) => return invalid_query(&format!("The request body is not a QueryRequest: {e}")),
            None => return invalid_query("The request has no body; send a QueryRequest."),
        };
        let query = match parse(&body.query) {
            Ok(q) => q,
            Err(msg) => return invalid_query(&msg),
        };
        if query.summarize.is_some() && self.graph == GraphAccess::RowsOnly {
            return invalid_query("The operator 'summarize' is not supported here.");
        }
        let options = body.options.clone().unwrap_or_default();
        if options.result_format.as_deref().is_some_and(|f| !f.eq_ignore_ascii_case("objectArray")) {
            return invalid_query("The simulator answers only resultFormat 'objectArray'.");
        }
        let subs = match self.graph_subscriptions(&body) {
            Ok(s) => s,
            Err(resp) => return resp,
        };
        let filter = match ScopeFilter::parse(options.authorization_scope_filter.as_deref()) {
            Ok(_) if self.graph_ignores_scope_filter => ScopeFilter::AndBelow,
            Ok(f) => f,
            Err(msg) => return invalid_query(&msg),
        };
        let top = options.top.map(|t| t as usize).unwrap_or(DEFAULT_TOP).clamp(1, MAX_TOP);
        let start = match options.skip_token.as_deref() {
            Some(token) => match token.strip_prefix(TOKEN_PREFIX).and_then(|n| n.parse::<usize>().ok()) {
                Some(n) => n,
                None => return invalid_query("The $skipToken is not one this service issued."),
            },
            None => options.skip.unwrap_or(0) as usize,
        };
        // Only the page sent is built; the matching ids are computed once per query and kept
        // while the client pages through them.
        let (rows_len, data): (usize, Vec<Value>) = if query.table == Table::ResourceContainers {
            let rows = self.graph_rows(&query, &subs, filter);
            (rows.len(), rows.into_iter().skip(start).take(top).map(|r| r.build(&query.project)).collect())
        } else {
            let key = format!("graph|{:?}|{:?}|{filter:?}|{}", query.table, query.types, subs.join(",").to_ascii_lowercase());
            let ids = self.cached(key, || self.graph_rows(&query, &subs, filter).into_iter().filter_map(Row::into_id).collect());
            let rows = ids.iter().filter_map(|id| self.resources.get_key_value(id)).map(|(id, v)| Row::Resource(id, v, id.subscription_id().unwrap_or_default().to_string()));
            match &query.summarize {
                Some(summarize) => {
                    let groups = summarize.group(rows);
                    (groups.len(), groups.into_iter().skip(start).take(top).collect())
                }
                None => {
                    let page = rows.skip(start).take(top);
                    (ids.len(), page.map(|r| r.build(&query.project)).collect())
                }
            }
        };
        let end = (start + top).min(rows_len);
        let more = end < rows_len;
        let pages = query.has_id_column() && !self.graph_cannot_page;
        let mut out = json!({
            "totalRecords": rows_len,
            "count": data.len(),
            "resultTruncated": if more && !pages { "true" } else { "false" },
            "facets": [],
            "data": data,
        });
        if more && pages {
            out["$skipToken"] = json!(format!("{TOKEN_PREFIX}{end}"));
        }
        Response::json(200, &out)
    }

    /// The subscriptions a query covers: those named, those under the management groups named,
    /// or every subscription when neither is given.
    fn graph_subscriptions(&self, body: &QueryRequest) -> Result<Vec<String>, Response> {
        let all = self.subscriptions();
        if !body.management_groups.is_empty() {
            let mut subs = Vec::new();
            for mg in &body.management_groups {
                let Some(members) = self.subscriptions_below(mg) else {
                    return Err(Response::json(
                        404,
                        &ErrorResponse::new("ManagementGroupNotFound", format!("The management group '{mg}' was not found or the caller has no access to it.")),
                    ));
                };
                subs.extend(members);
            }
            return Ok(subs);
        }
        if body.subscriptions.is_empty() {
            return Ok(all);
        }
        Ok(body.subscriptions.iter().filter(|s| all.iter().any(|a| a.eq_ignore_ascii_case(s))).cloned().collect())
    }

    fn graph_rows<'a>(&'a self, query: &Query, subs: &[String], filter: ScopeFilter) -> Vec<Row<'a>> {
        let keep_type = |ty: &str| query.types.as_ref().is_none_or(|ts| ts.iter().any(|t| t.eq_ignore_ascii_case(ty)));
        let mut rows = Vec::new();
        if query.table == Table::ResourceContainers {
            for s in subs {
                if keep_type(SUBSCRIPTION_TYPE) {
                    let mut properties = json!({"state": "Enabled"});
                    let chain: Vec<Value> = self.ancestors_of(s).into_iter().map(|(name, display)| json!({"name": name, "displayName": display})).collect();
                    if !chain.is_empty() {
                        properties["managementGroupAncestorsChain"] = Value::Array(chain);
                    }
                    rows.push(Row::Owned(json!({"id": format!("/subscriptions/{s}"), "name": format!("Subscription {s}"), "type": SUBSCRIPTION_TYPE, "subscriptionId": s, "tenantId": self.tenant_id, "properties": properties})));
                }
            }
            return rows;
        }
        for s in subs {
            let Ok(scope) = ResourceId::subscription(s) else { continue };
            if self.is_forbidden(&scope) {
                continue;
            }
            for (id, v) in self.under(&scope) {
                let ty = id.resource_type();
                let in_table = match query.table {
                    Table::AuthorizationResources => is_authorization(&ty),
                    _ => !is_authorization(&ty) && !NOT_INDEXED.iter().any(|t| t.eq_ignore_ascii_case(&ty)),
                };
                if !in_table || !keep_type(&ty) || self.is_forbidden(id) {
                    continue;
                }
                // Authorization resources below the subscription itself only when asked for.
                if query.table == Table::AuthorizationResources && !filter.below() && id.scope().is_none_or(|at| at != scope) {
                    continue;
                }
                rows.push(Row::Resource(id, v, s.clone()));
            }
        }
        if query.table == Table::AuthorizationResources && filter.above() && keep_type("microsoft.authorization/roleassignments") {
            // Assignments at the tenant root and at management groups over the queried
            // subscriptions have no subscription of their own.
            let above: Vec<String> = subs.iter().flat_map(|s| self.ancestors_of(s)).map(|(n, _)| n).collect();
            let covers = |mg: &str| above.iter().any(|a| a.eq_ignore_ascii_case(mg));
            for (id, v) in self.tenant_level() {
                let above = id.is_type("Microsoft.Authorization/roleAssignments")
                    && id.scope().is_some_and(|at| at.level() == ScopeLevel::Tenant || (at.level() == ScopeLevel::ManagementGroup && covers(at.name())));
                if above {
                    rows.push(Row::Resource(id, v, String::new()));
                }
            }
        }
        rows
    }
}

/// A result row before it is put on a page.
enum Row<'a> {
    Resource(&'a ResourceId, &'a Value, String),
    Owned(Value),
}

impl Row<'_> {
    fn into_id(self) -> Option<ResourceId> {
        match self {
            Row::Resource(id, _, _) => Some(id.clone()),
            Row::Owned(_) => None,
        }
    }

    /// One column of the row, as Resource Graph computes or normalises it.
    fn column(&self, c: &str) -> Value {
        match self {
            Row::Resource(id, v, sub) => match c {
                "type" | "subscriptionId" | "tenantId" | "resourceGroup" => computed_column(id, sub, c),
                _ => v.get(c).cloned().unwrap_or(Value::Null),
            },
            Row::Owned(v) => v.get(c).cloned().unwrap_or(Value::Null),
        }
    }

    fn build(self, cols: &Option<Vec<String>>) -> Value {
        match (self, cols) {
            (row @ Row::Resource(..), Some(cols)) => {
                // Projected: copy only the columns asked for (a page has a thousand rows).
                Value::Object(pullpath_core::sort::collect_object(cols.iter().map(|c| (c.clone(), row.column(c)))))
            }
            (Row::Resource(id, v, sub), None) => graph_row(id, v, &sub),
            (Row::Owned(v), cols) => project(v, cols),
        }
    }
}

impl Query {
    /// Whether the result has an `id` column, which Resource Graph needs to page.
    fn has_id_column(&self) -> bool {
        match (&self.summarize, &self.project) {
            (Some(s), _) => s.by.iter().any(|c| c == "id"),
            (None, Some(cols)) => cols.iter().any(|c| c == "id"),
            (None, None) => true,
        }
    }
}

impl Summarize {
    /// The grouped rows, ordered by the `by` columns (as text, ascending).
    fn group<'a>(&self, rows: impl Iterator<Item = Row<'a>>) -> Vec<Value> {
        let mut groups: std::collections::BTreeMap<Vec<String>, (Vec<Value>, Vec<Value>)> = Default::default();
        for row in rows {
            let keys: Vec<Value> = self.by.iter().map(|c| row.column(c)).collect();
            let text = keys.iter().map(|k| k.as_str().map(str::to_string).unwrap_or_else(|| k.to_string())).collect();
            let packed: Map<String, Value> = self.pack.iter().map(|(k, c)| (k.clone(), row.column(c))).collect();
            groups.entry(text).or_insert_with(|| (keys, Vec::new())).1.push(Value::Object(packed));
        }
        groups
            .into_values()
            .map(|(keys, items)| {
                let mut out: Map<String, Value> = self.by.iter().cloned().zip(keys).collect();
                out.insert(self.name.clone(), Value::Array(items));
                Value::Object(out)
            })
            .collect()
    }
}

fn is_authorization(ty: &str) -> bool {
    ty.eq_ignore_ascii_case("Microsoft.Authorization/roleAssignments") || ty.eq_ignore_ascii_case("Microsoft.Authorization/roleDefinitions")
}

/// A resource as a Resource Graph row.
fn graph_row(id: &ResourceId, v: &Value, sub: &str) -> Value {
    let mut row = v.clone();
    if let Some(obj) = row.as_object_mut() {
        for c in ["type", "subscriptionId", "tenantId", "resourceGroup"] {
            obj.insert(c.into(), computed_column(id, sub, c));
        }
    }
    row
}

/// The columns Resource Graph adds to (or normalises in) a resource.
fn computed_column(id: &ResourceId, sub: &str, column: &str) -> Value {
    match column {
        "type" => json!(id.resource_type().to_lowercase()),
        "subscriptionId" => json!(sub),
        "tenantId" => json!(DEMO_TENANT_ID),
        _ => json!(id.resource_group_name().map(str::to_lowercase).unwrap_or_default()),
    }
}

fn project(row: Value, cols: &Option<Vec<String>>) -> Value {
    let Some(cols) = cols else { return row };
    let mut out = Map::new();
    for c in cols {
        out.insert(c.clone(), row.get(c).cloned().unwrap_or(Value::Null));
    }
    Value::Object(out)
}

/// Resource Graph's answer to a query it cannot run.
fn invalid_query(message: &str) -> Response {
    let detail = ErrorDetail { code: "InvalidQuery".into(), message: format!("Query is invalid. {message}"), ..Default::default() };
    let body = ErrorResponse {
        error: ErrorDetail {
            code: "BadRequest".into(),
            message: "Please provide below info when asking for support: timestamp = 2026-01-01T00:00:00.0000000Z, correlationId = 00000000-0000-0000-0000-000000000000.".into(),
            details: vec![detail],
            ..Default::default()
        },
    };
    Response::json(400, &body)
}

/// Parses the supported KQL subset.
fn parse(text: &str) -> Result<Query, String> {
    let mut parts = text.split('|').map(str::trim);
    let table = match parts.next().unwrap_or_default().to_ascii_lowercase().as_str() {
        "resources" => Table::Resources,
        "authorizationresources" => Table::AuthorizationResources,
        "resourcecontainers" => Table::ResourceContainers,
        other => return Err(format!("The simulator knows the tables resources, authorizationresources and resourcecontainers, not {other:?}.")),
    };
    let mut q = Query { table, types: None, project: None, summarize: None };
    for op in parts {
        let lower = op.to_ascii_lowercase();
        if let Some(s) = &q.summarize {
            // After grouping only an ordering by the group columns is understood (the rows
            // come in that order anyway).
            let wanted: Vec<String> = s.by.iter().map(|c| format!("{c} asc").to_ascii_lowercase()).collect();
            if lower.strip_prefix("order by").is_some_and(|rest| rest.split(',').map(str::trim).eq(wanted.iter().map(String::as_str))) {
                continue;
            }
            return Err(format!("After 'summarize' the simulator supports only 'order by' the grouping columns ascending, not {op:?}."));
        }
        if let Some(rest) = lower.strip_prefix("where type in~") {
            let list = rest.trim().strip_prefix('(').and_then(|r| r.strip_suffix(')')).ok_or_else(|| format!("Expected a parenthesised list in {op:?}."))?;
            let types = list.split(',').map(|t| unquote(t.trim())).collect::<Result<Vec<_>, _>>()?;
            q.types = Some(types);
        } else if let Some(rest) = lower.strip_prefix("where type =~") {
            q.types = Some(vec![unquote(rest.trim())?]);
        } else if let Some(rest) = op.strip_prefix("project ").or_else(|| op.strip_prefix("PROJECT ")) {
            q.project = Some(rest.split(',').map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect());
        } else if lower.replace(' ', "") == "orderbyidasc" {
            // Rows are always in id order.
        } else if lower.starts_with("summarize ") {
            q.summarize = Some(parse_summarize(&op["summarize ".len()..])?);
        } else {
            return Err(format!("The simulator does not support the operator {op:?}."));
        }
    }
    Ok(q)
}

/// `name = make_list(pack('key', column, ...)) by column, ...` (`bag_pack` is `pack`'s newer
/// name).
fn parse_summarize(text: &str) -> Result<Summarize, String> {
    let unsupported = || format!("The simulator supports only 'summarize name = make_list(pack(...)) by columns', not {text:?}.");
    let (aggregate, by) = text.rsplit_once(" by ").ok_or_else(unsupported)?;
    let (name, call) = aggregate.split_once('=').ok_or_else(unsupported)?;
    let inner = call.trim().strip_prefix("make_list(").and_then(|c| c.strip_suffix(')')).ok_or_else(unsupported)?.trim();
    let args = inner.strip_prefix("pack(").or_else(|| inner.strip_prefix("bag_pack(")).and_then(|c| c.strip_suffix(')')).ok_or_else(unsupported)?;
    let args: Vec<&str> = args.split(',').map(str::trim).collect();
    if !args.len().is_multiple_of(2) {
        return Err(format!("pack() takes key and value pairs, got {} arguments.", args.len()));
    }
    let pack = args.chunks(2).map(|kv| Ok((unquote(kv[0])?, column_name(kv[1])?))).collect::<Result<Vec<_>, String>>()?;
    let by = by.split(',').map(|c| column_name(c.trim())).collect::<Result<Vec<_>, _>>()?;
    Ok(Summarize { name: column_name(name.trim())?, pack, by })
}

fn column_name(s: &str) -> Result<String, String> {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(s.to_string())
    } else {
        Err(format!("Expected a column name, found {s:?}."))
    }
}

fn unquote(s: &str) -> Result<String, String> {
    s.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')).map(str::to_string).ok_or_else(|| format!("Expected a single-quoted string, found {s:?}."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_scanner_subset() {
        let q = parse("resources | where type in~ ('microsoft.containerregistry/registries', 'Microsoft.ManagedIdentity/userAssignedIdentities') | project id, name | order by id asc").unwrap();
        assert_eq!(q.table, Table::Resources);
        assert_eq!(q.types.unwrap().len(), 2);
        assert_eq!(q.project.unwrap(), ["id", "name"]);
        for bad in [
            "securityresources",
            "resources | summarize count()",
            "resources | summarize n = make_list(id) by subscriptionId",
            "resources | summarize n = make_list(pack('id')) by subscriptionId",
            "resources | summarize n = make_list(pack('id', id)) by subscriptionId | order by id asc",
            "resources | summarize n = make_list(pack('id', tostring(id))) by subscriptionId",
            "resources | where type == 'x'",
            "resources | where type in~ 'x'",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    fn query(sim: &Sim, query: &str, filter: Option<&str>) -> Value {
        let body = QueryRequest {
            subscriptions: vec![],
            management_groups: vec![],
            query: query.into(),
            options: Some(pullpath_core::arm::QueryRequestOptions { top: Some(1000), authorization_scope_filter: filter.map(str::to_string), ..Default::default() }),
        };
        let resp = sim.resource_graph(&pullpath_core::request::resource_graph(&body));
        assert_eq!(resp.status, 200, "{}", resp.body);
        serde_json::from_str(&resp.body).unwrap()
    }

    /// Management-group and tenant-root assignments only when the filter asks for what is
    /// above the subscriptions; subscription rows carry the ancestors chain.
    #[test]
    fn authorization_scope_filter_decides_what_is_above() {
        let sim = Sim::generated(&crate::generate::TenantSpec::small(11));
        let above = |v: &Value| v["data"].as_array().unwrap().iter().filter(|r| r["id"].as_str().unwrap().starts_with("/providers/")).count();
        let q = "authorizationresources | where type =~ 'microsoft.authorization/roleassignments' | project id, properties";
        let (default, below, both, up, exact) = (query(&sim, q, None), query(&sim, q, Some("AtScopeAndBelow")), query(&sim, q, Some("AtScopeAboveAndBelow")), query(&sim, q, Some("AtScopeAndAbove")), query(&sim, q, Some("AtScopeExact")));
        assert_eq!((above(&default), above(&below), above(&both), above(&up), above(&exact)), (0, 0, 1, 1, 0));
        assert_eq!(default["totalRecords"], below["totalRecords"]);
        assert_eq!(both["totalRecords"].as_u64().unwrap(), below["totalRecords"].as_u64().unwrap() + 1);
        assert!(up["totalRecords"].as_u64().unwrap() < both["totalRecords"].as_u64().unwrap(), "AtScopeAndAbove leaves out what is below the subscriptions");
        let bad = QueryRequest { options: Some(pullpath_core::arm::QueryRequestOptions { authorization_scope_filter: Some("Everything".into()), ..Default::default() }), ..serde_json::from_value(serde_json::json!({"query": q})).unwrap() };
        assert_eq!(sim.resource_graph(&pullpath_core::request::resource_graph(&bad)).status, 400);
        let rows = query(&sim, "resourcecontainers | where type =~ 'microsoft.resources/subscriptions' | project id, properties", None);
        for row in rows["data"].as_array().unwrap() {
            let chain: Vec<&str> = row["properties"]["managementGroupAncestorsChain"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
            assert_eq!(chain.len(), 3, "{chain:?}");
            assert_eq!(chain[2], DEMO_TENANT_ID, "the tenant root group comes last");
            assert!(chain[0] == "mg-platform" || chain[0] == "mg-workloads", "{chain:?}");
        }
        // Resource Graph does not index AML computes.
        let computes = query(&sim, "resources | where type =~ 'microsoft.machinelearningservices/workspaces/computes' | project id", None);
        assert_eq!(computes["totalRecords"], 0);
    }

    #[test]
    fn parses_grouping() {
        let q = parse("authorizationresources | where type in~ ('microsoft.authorization/roleassignments') | summarize items = make_list(pack('id', id, 'properties', properties)) by subscriptionId, resourceGroup | order by subscriptionId asc, resourceGroup asc").unwrap();
        let s = q.summarize.unwrap();
        assert_eq!(s.name, "items");
        assert_eq!(s.pack, [("id".to_string(), "id".to_string()), ("properties".to_string(), "properties".to_string())]);
        assert_eq!(s.by, ["subscriptionId", "resourceGroup"]);
    }
}
