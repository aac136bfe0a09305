//! The emulator over real HTTP on 127.0.0.1: tokens, CORS, paging, Resource Graph,
//! throttling, faults, long-running operations, and the core scan driven through it. Tokens
//! are signed with a test-only key committed in `tests/keys` (never used anywhere else).

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use pullpath_core::id::ResourceId;
use pullpath_core::request::{self, Method, Request, ResourceKind, Response};
use pullpath_core::scan::{ScanConfig, Start, Strategy};
use pullpath_sim::Sim;
use pullpath_emulator::driver::{run_scan, run_scan_with_graph, send};
use pullpath_emulator::{start, Config, Running};
use serde_json::{json, Value};

const KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/keys");
const ISSUER: &str = "http://127.0.0.1/pullpath-test-issuer";
const AUDIENCE: &str = "https://management.azure.com/";
const SUB: &str = "11111111-1111-1111-1111-111111111111";

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn sign(key_file: &str, kid: &str, claims: Value) -> String {
    let pem = std::fs::read(format!("{KEYS}/{key_file}")).unwrap();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.into());
    encode(&header, &claims, &EncodingKey::from_rsa_pem(&pem).unwrap()).unwrap()
}

fn good_claims() -> Value {
    json!({"iss": ISSUER, "aud": AUDIENCE, "oid": "cccccccc-0000-0000-0000-000000000001", "exp": now() + 3600, "iat": now()})
}

fn token() -> String {
    sign("test-rsa.pem", "pullpath-test-1", good_claims())
}

fn config() -> Config {
    let mut c = Config::for_tests();
    c.jwks_file = Some(format!("{KEYS}/jwks.json"));
    c.issuers = vec![ISSUER.into()];
    c
}

async fn server(c: Config) -> Running {
    start(c).await.expect("the emulator starts")
}

async fn call(r: &Running, req: &Request) -> Response {
    send(&reqwest::Client::new(), &r.base_url, &token(), req).await.expect("an HTTP answer")
}

fn body(r: &Response) -> Value {
    serde_json::from_str(&r.body).unwrap_or(Value::Null)
}

fn registries() -> Request {
    request::list_in_subscription(&ResourceId::subscription(SUB).unwrap(), ResourceKind::Registry)
}

#[tokio::test]
async fn tokens_are_checked_with_arm_401_bodies() {
    let r = server(config()).await;
    let url = registries().url(&r.base_url);
    let client = reqwest::Client::new();
    let expired = {
        let mut c = good_claims();
        c["exp"] = json!(now() - 3600);
        sign("test-rsa.pem", "pullpath-test-1", c)
    };
    let wrong_aud = {
        let mut c = good_claims();
        c["aud"] = json!("https://graph.microsoft.com/");
        sign("test-rsa.pem", "pullpath-test-1", c)
    };
    let wrong_iss = {
        let mut c = good_claims();
        c["iss"] = json!("https://sts.windows.net/someone-else/");
        sign("test-rsa.pem", "pullpath-test-1", c)
    };
    let cases: Vec<(&str, Option<String>, u16, &str)> = vec![
        ("no header", None, 401, "AuthenticationFailed"),
        ("not bearer", Some("Basic dXNlcjpwYXNz".into()), 401, "AuthenticationFailedInvalidHeader"),
        ("not a jwt", Some("Bearer nonsense".into()), 401, "InvalidAuthenticationToken"),
        ("other key, same kid", Some(format!("Bearer {}", sign("other-rsa.pem", "pullpath-test-1", good_claims()))), 401, "InvalidAuthenticationToken"),
        ("unknown kid", Some(format!("Bearer {}", sign("other-rsa.pem", "someone-else", good_claims()))), 401, "InvalidAuthenticationToken"),
        ("expired", Some(format!("Bearer {expired}")), 401, "ExpiredAuthenticationToken"),
        ("wrong audience", Some(format!("Bearer {wrong_aud}")), 401, "InvalidAuthenticationTokenAudience"),
        ("wrong issuer", Some(format!("Bearer {wrong_iss}")), 401, "InvalidAuthenticationTokenTenant"),
        ("valid", Some(format!("Bearer {}", token())), 200, ""),
    ];
    for (name, header, status, code) in cases {
        let mut req = client.get(&url);
        if let Some(h) = header {
            req = req.header("authorization", h);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), status, "{name}");
        if status == 401 {
            assert!(resp.headers().get("www-authenticate").is_some(), "{name}: ARM sends a Bearer challenge");
            let b: Value = resp.json_text().await;
            assert_eq!(b["error"]["code"], code, "{name}: {b}");
            assert!(!b["error"]["message"].as_str().unwrap_or_default().is_empty(), "{name}");
        }
    }
}

/// reqwest is built without its `json` feature; parse the text.
trait JsonText {
    async fn json_text(self) -> Value;
}
impl JsonText for reqwest::Response {
    async fn json_text(self) -> Value {
        serde_json::from_str(&self.text().await.unwrap()).unwrap()
    }
}

#[tokio::test]
async fn every_configured_tenant_issuer_is_accepted_and_its_directory_listed() {
    // Tenant switching: the user's token for the other tenant has that tenant's issuer.
    let other = "http://127.0.0.1/pullpath-test-issuer-2";
    let mut c = config();
    c.issuers.push(other.into());
    c.directories.push(("3b1e0c4a-0000-4000-8000-000000000002".into(), "Fabrikam".into()));
    let r = server(c).await;
    let mut claims = good_claims();
    claims["iss"] = json!(other);
    let t = sign("test-rsa.pem", "pullpath-test-1", claims);
    let resp = send(&reqwest::Client::new(), &r.base_url, &t, &request::list_tenants()).await.unwrap();
    assert_eq!(resp.status, 200, "{}", resp.body);
    let names: Vec<String> = body(&resp)["value"].as_array().unwrap().iter().map(|t| t["displayName"].as_str().unwrap().to_string()).collect();
    assert_eq!(names, ["Contoso", "Fabrikam"]);
    // A third issuer is still refused.
    let mut claims = good_claims();
    claims["iss"] = json!("http://127.0.0.1/someone-else");
    let t = sign("test-rsa.pem", "pullpath-test-1", claims);
    let resp = send(&reqwest::Client::new(), &r.base_url, &t, &registries()).await.unwrap();
    assert_eq!(resp.status, 401);
    assert_eq!(body(&resp)["error"]["code"], "InvalidAuthenticationTokenTenant");
}

#[tokio::test]
async fn jwks_is_fetched_from_a_url() {
    // A stand-in OIDC server serving the JWKS on 127.0.0.1.
    let jwks = std::fs::read_to_string(format!("{KEYS}/jwks.json")).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route("/jwks", axum::routing::get(move || async move { jwks }));
    let oidc = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let mut c = config();
    c.jwks_file = None;
    c.jwks_url = Some(format!("http://{addr}/jwks"));
    let r = server(c).await;
    assert_eq!(call(&r, &registries()).await.status, 200);
    oidc.abort();

    let mut c = config();
    c.jwks_file = None;
    c.jwks_url = Some(format!("http://{addr}/jwks"));
    let err = start(c).await.err().expect("no OIDC server any more").to_string();
    assert!(err.contains("could not fetch the JWKS"), "{err}");
    let mut c = Config::for_tests();
    c.issuers = Vec::new();
    assert!(start(c).await.err().unwrap().to_string().contains("--insecure-accept-any-token"), "no token check is never the default");
}

#[tokio::test]
async fn cors_like_arm() {
    let r = server(config()).await;
    let client = reqwest::Client::new();
    let url = registries().url(&r.base_url);
    let pre = client
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "http://127.0.0.1:8080")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization,x-ms-client-request-id")
        .send()
        .await
        .unwrap();
    assert_eq!(pre.status().as_u16(), 200, "preflight needs no token");
    let h = pre.headers();
    assert_eq!(h["access-control-allow-origin"], "http://127.0.0.1:8080");
    assert_eq!(h["access-control-allow-headers"], "authorization,x-ms-client-request-id");
    assert!(h["access-control-allow-methods"].to_str().unwrap().contains("PATCH"));
    let get = client.get(&url).header("origin", "http://127.0.0.1:8080").header("authorization", format!("Bearer {}", token())).send().await.unwrap();
    let exposed = get.headers()["access-control-expose-headers"].to_str().unwrap().to_ascii_lowercase();
    for h in ["x-ms-request-id", "x-ms-ratelimit-remaining-subscription-reads", "retry-after", "azure-asyncoperation", "location"] {
        assert!(exposed.contains(h), "{h} exposed");
    }
    assert_eq!(get.headers()["access-control-allow-origin"], "http://127.0.0.1:8080");
}

#[tokio::test]
async fn paging_links_point_at_the_emulator_and_errors_are_arm_shaped() {
    let mut c = config();
    c.page_size = 1;
    let r = server(c).await;
    let first = call(&r, &registries()).await;
    let next = body(&first)["nextLink"].as_str().unwrap().to_string();
    assert!(next.starts_with(&format!("{}/subscriptions/{SUB}/", r.base_url)), "{next}");
    let page2 = reqwest::Client::new().get(&next).header("authorization", format!("Bearer {}", token())).send().await.unwrap();
    assert_eq!(page2.status().as_u16(), 200);
    let mut no_version = registries();
    no_version.query.clear();
    let resp = call(&r, &no_version).await;
    assert_eq!((resp.status, body(&resp)["error"]["code"].as_str()), (400, Some("MissingApiVersionParameter")));
    assert!(resp.header("x-ms-request-id").is_some());
    // A path that does not decode to text is refused, not guessed at.
    let odd = reqwest::Client::new().get(format!("{}/subscriptions/%E9%zz?api-version=2022-12-01", r.base_url)).header("authorization", format!("Bearer {}", token())).send().await.unwrap();
    assert_eq!(odd.status().as_u16(), 400);
    assert_eq!(odd.json_text().await["error"]["code"], "InvalidRequestUri");
}

#[tokio::test]
async fn forbidden_scope_is_403_authorization_failed() {
    let mut c = config();
    c.forbidden = vec![format!("/subscriptions/{SUB}/resourceGroups/rg-ml-prod")];
    let r = server(c).await;
    let ws = ResourceId::parse(&format!("/subscriptions/{SUB}/resourceGroups/rg-ml-prod/providers/Microsoft.MachineLearningServices/workspaces/mlw-prod")).unwrap();
    let resp = call(&r, &request::list_children(&ws, ResourceKind::Compute)).await;
    assert_eq!(resp.status, 403);
    assert_eq!(body(&resp)["error"]["code"], "AuthorizationFailed");
}

#[tokio::test]
async fn read_bucket_throttles_with_retry_after() {
    let mut c = config();
    c.read_bucket = 3;
    c.read_refill = 1;
    let r = server(c).await;
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let resp = call(&r, &registries()).await;
        assert_eq!(resp.status, 200);
        remaining.push(resp.header("x-ms-ratelimit-remaining-subscription-reads").unwrap().to_string());
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let throttled = call(&r, &registries()).await;
    assert_eq!(throttled.status, 429);
    assert_eq!(body(&throttled)["error"]["code"], "SubscriptionRequestsThrottled");
    assert_eq!(throttled.header("retry-after"), Some("1"));
    assert!(r.log().iter().any(|e| e.status == 429 && e.note == "throttled"), "every request is logged");
}

#[tokio::test]
async fn resource_graph_answers_with_quota_headers() {
    let r = server(config()).await;
    let q = pullpath_core::arm::QueryRequest {
        subscriptions: vec![SUB.into()],
        management_groups: vec![],
        query: "resources | where type =~ 'microsoft.containerregistry/registries' | project id, type".into(),
        options: Some(pullpath_core::arm::QueryRequestOptions { top: Some(2), skip: None, skip_token: None, result_format: Some("objectArray".into()), ..Default::default() }),
    };
    let resp = call(&r, &request::resource_graph(&q)).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    let b = body(&resp);
    assert_eq!((b["totalRecords"].as_u64(), b["count"].as_u64()), (Some(7), Some(2)));
    assert!(b["$skipToken"].is_string());
    assert_eq!(resp.header("x-ms-user-quota-remaining"), Some("14"));
    assert_eq!(resp.header("x-ms-user-quota-resets-after"), Some("00:00:05"));
}

#[tokio::test]
async fn faults_from_the_flag_503_then_reset_then_success() {
    let mut c = config();
    c.faults = Some(
        json!([
            {"method": "GET", "pathContains": "registries", "fault": {"kind": "serverError", "status": 503}, "times": 1},
            {"method": "GET", "pathContains": "registries", "fault": {"kind": "reset"}, "times": 1, "skip": 1}
        ])
        .to_string(),
    );
    let r = server(c).await;
    assert_eq!(call(&r, &registries()).await.status, 503);
    let reset = send(&reqwest::Client::new(), &r.base_url, &token(), &registries()).await;
    assert!(reset.is_err(), "the connection is dropped: {reset:?}");
    assert_eq!(call(&r, &registries()).await.status, 200);
}

#[tokio::test]
async fn long_running_operation_is_polled_through_azure_async_operation() {
    let r = server(config()).await;
    let acr = ResourceId::parse(&format!("/subscriptions/{SUB}/resourceGroups/rg-ml-prod/providers/Microsoft.ContainerRegistry/registries/acrmlprod")).unwrap();
    let patch = request::patch_registry(&acr, &pullpath_core::arm::RegistryUpdate { properties: Some(pullpath_core::arm::RegistryUpdateProperties { admin_user_enabled: Some(false), anonymous_pull_enabled: None }) });
    let started = call(&r, &patch).await;
    assert!((200..=202).contains(&started.status), "{} {}", started.status, started.body);
    let monitor = started.header("azure-asyncoperation").expect("an Azure-AsyncOperation monitor").to_string();
    assert!(monitor.starts_with(&r.base_url), "{monitor}");
    let mut status = String::new();
    for _ in 0..5 {
        let poll = reqwest::Client::new().get(&monitor).header("authorization", format!("Bearer {}", token())).send().await.unwrap();
        status = poll.json_text().await["status"].as_str().unwrap_or_default().to_string();
        if status != "InProgress" {
            break;
        }
    }
    assert_eq!(status, "Succeeded");
    let after = call(&r, &request::get(&acr).unwrap()).await;
    assert_eq!(body(&after)["properties"]["adminUserEnabled"], false);
}

#[tokio::test]
async fn scan_over_http_matches_the_in_memory_scan() {
    // (strategy, Resource Graph refuses the grouped query)
    for (strategy, rows_only) in [(Strategy::ResourceGraph, false), (Strategy::ResourceGraph, true), (Strategy::PerProvider, false)] {
        let mut c = config();
        c.scenario = "small".into();
        c.seed = 4;
        c.page_size = 5;
        c.graph_rows_only = rows_only;
        let r = server(c).await;
        let mut sc = ScanConfig::new(&r.base_url, Start::AllSubscriptions);
        sc.strategy = strategy;
        sc.graph_page_size = 10;
        // Microsoft Graph too, each token to its own service.
        sc.directory_origin = Some(r.base_url.clone());
        let report = run_scan_with_graph(&r.base_url, &token(), Some(&graph_token()), sc).await.unwrap();
        let inv = &report.result.inventory;
        let sim = Sim::generated(&pullpath_sim::generate::TenantSpec::small(4));
        assert!(!inv.directory.is_empty() && inv.directory.iter().all(|o| o.display_name.is_some()), "{:?}", inv.directory);
        let count = |ty: &str| sim.resources().filter(|v| v["type"] == ty).count();
        assert_eq!(inv.registries.len(), count("Microsoft.ContainerRegistry/registries"), "{strategy:?}");
        assert_eq!(inv.identities.len(), count("Microsoft.ManagedIdentity/userAssignedIdentities"));
        assert_eq!(inv.computes.len(), count("Microsoft.MachineLearningServices/workspaces/computes"));
        assert_eq!(inv.connections.len(), count("Microsoft.MachineLearningServices/workspaces/connections"));
        assert_eq!(inv.role_assignments.len(), count("Microsoft.Authorization/roleAssignments"));
        assert!(report.result.skipped.is_empty(), "{:?}", report.result.skipped);
        assert_eq!(report.by_status.get(&429), None, "no throttling under ARM's limits");
        assert!(report.max_in_flight <= 8);
        assert_eq!(r.log().len(), report.requests);
        let refused = r.log().iter().filter(|e| e.status == 400 && e.target.contains("ResourceGraph")).count();
        let notes = report.result.diagnostics.iter().filter(|d| d.message.contains("reading its rows one by one")).count();
        match (strategy, rows_only) {
            (Strategy::ResourceGraph, true) => assert!(refused > 0 && notes == 1, "{refused} refused, {notes} notes"),
            _ => assert!(refused == 0 && report.result.diagnostics.is_empty(), "{:?}", report.result.diagnostics),
        }
    }
}

#[tokio::test]
async fn scan_survives_faults_and_tight_buckets_over_http() {
    let mut c = config();
    c.scenario = "small".into();
    c.page_size = 3;
    c.read_bucket = 12;
    c.read_refill = 25;
    c.faults = Some(
        json!([
            {"method": "GET", "pathContains": "userAssignedIdentities", "fault": {"kind": "tooManyRequests", "retryAfter": "1"}, "times": 1},
            {"method": "GET", "pathContains": "managedClusters", "fault": {"kind": "serverError", "status": 500}, "times": 2},
            {"method": "GET", "pathContains": "/computes", "fault": {"kind": "reset"}, "times": 1}
        ])
        .to_string(),
    );
    let r = server(c).await;
    let mut sc = ScanConfig::new(&r.base_url, Start::AllSubscriptions);
    sc.strategy = Strategy::PerProvider;
    sc.read_reserve = 2;
    let report = run_scan(&r.base_url, &token(), sc).await.unwrap();
    assert!(report.result.skipped.is_empty(), "{:?}", report.result.skipped);
    assert_eq!(report.result.inventory.identities.len(), 10);
    assert_eq!(report.result.inventory.managed_clusters.len(), 1);
    assert!(report.progress.retries >= 4, "{:?}", report.progress);
    assert_eq!(report.by_status.get(&429).copied().unwrap_or(0), 1, "only the injected 429: the scan holds back before the bucket runs dry");
}

#[tokio::test]
async fn responses_match_the_official_specs() {
    let spec = pullpath_contract_tests::Spec::shared();
    let mut c = config();
    c.scenario = "small".into();
    c.seed = 9;
    let r = server(c).await;
    let sub = ResourceId::subscription(&r.with_sim(|s| s.subscriptions()[0].clone())).unwrap();
    let mut requests = vec![request::list_role_definitions(&sub)];
    for kind in [
        ResourceKind::Registry,
        ResourceKind::Workspace,
        ResourceKind::ManagedCluster,
        ResourceKind::UserAssignedIdentity,
        ResourceKind::ContainerGroup,
        ResourceKind::PrivateEndpoint,
        ResourceKind::VirtualNetwork,
        ResourceKind::RoleAssignment,
    ] {
        requests.push(request::list_in_subscription(&sub, kind));
    }
    let ws: Vec<ResourceId> = r.with_sim(|s| s.resources().filter(|v| v["type"] == "Microsoft.MachineLearningServices/workspaces").filter_map(|v| ResourceId::parse(v["id"].as_str()?).ok()).collect());
    for w in &ws {
        requests.push(request::list_children(w, ResourceKind::Compute));
        requests.push(request::list_children(w, ResourceKind::Connection));
        requests.push(request::list_children(w, ResourceKind::OnlineEndpoint));
        requests.push(request::get(w).unwrap());
    }
    // Each registry as GET returns it, checked against the 2025-11-01 Registry schema
    // (roleAssignmentMode, anonymousPullEnabled).
    let registries: Vec<ResourceId> = r.with_sim(|s| s.resources().filter(|v| v["type"] == "Microsoft.ContainerRegistry/registries").filter_map(|v| ResourceId::parse(v["id"].as_str()?).ok()).collect());
    assert!(!registries.is_empty());
    for reg in &registries {
        requests.push(request::get(reg).unwrap());
    }
    // Online endpoints and container groups as GET returns them (2024-10-01 and 2026-07-01).
    let workloads: Vec<ResourceId> = r.with_sim(|s| {
        s.resources()
            .filter(|v| v["type"] == "Microsoft.MachineLearningServices/workspaces/onlineEndpoints" || v["type"] == "Microsoft.ContainerInstance/containerGroups")
            .filter_map(|v| ResourceId::parse(v["id"].as_str()?).ok())
            .collect()
    });
    assert!(workloads.iter().any(|w| w.is_type("Microsoft.ContainerInstance/containerGroups")), "the small tenant has a container group");
    for w in &workloads {
        requests.push(request::get(w).unwrap());
    }
    // Private endpoints and virtual networks (with embedded subnets and peerings) as GET
    // returns them (Microsoft.Network 2024-07-01).
    let network: Vec<ResourceId> = r.with_sim(|s| {
        s.resources()
            .filter(|v| v["type"] == "Microsoft.Network/privateEndpoints" || v["type"] == "Microsoft.Network/virtualNetworks")
            .filter_map(|v| ResourceId::parse(v["id"].as_str()?).ok())
            .collect()
    });
    assert!(network.iter().any(|w| w.is_type("Microsoft.Network/privateEndpoints")), "the small tenant has a private endpoint");
    assert!(network.iter().any(|w| w.is_type("Microsoft.Network/virtualNetworks")), "the small tenant has a virtual network");
    for n in &network {
        requests.push(request::get(n).unwrap());
    }
    let rg = r.with_sim(|s| s.resources().filter_map(|v| ResourceId::parse(v["id"].as_str()?).ok()).find(|id| id.resource_group_name().is_some()).and_then(|id| id.ancestors().find(|a| a.level() == pullpath_core::id::ScopeLevel::ResourceGroup)).unwrap());
    requests.push(request::list_permissions(&rg));
    requests.push(request::resource_graph(&pullpath_core::arm::QueryRequest {
        subscriptions: vec![sub.name().into()],
        management_groups: vec![],
        query: "resources | where type =~ 'microsoft.containerregistry/registries'".into(),
        options: Some(pullpath_core::arm::QueryRequestOptions { top: Some(5), skip: None, skip_token: None, result_format: Some("objectArray".into()), ..Default::default() }),
    }));
    // The scan's own Resource Graph queries (grouped rows), as it sends them.
    let mut scan = pullpath_core::scan::Scan::new(&r.base_url, Start::Subscriptions(vec![sub.name().into()]));
    while let Some((_, req)) = scan.poll_request(std::time::Duration::ZERO) {
        if req.method == Method::Post {
            requests.push(req);
        }
    }
    assert_eq!(requests.iter().filter(|q| q.method == Method::Post).count(), 4, "the plain query, the scan's two grouped ones and its resourcecontainers query");
    let mut problems = Vec::new();
    for req in &requests {
        let resp = call(&r, req).await;
        assert_eq!(resp.status, 200, "{} {}", req.path, resp.body);
        if let Err(p) = spec.validate_response(req, resp.status, Some(&body(&resp))) {
            problems.push(format!("{} {}: {p:?}", req.method.as_str(), req.path));
        }
    }
    // Error bodies: ARM's CloudError shape, as every operation's `default` response declares.
    let missing = Request { method: Method::Get, path: format!("{}/resourceGroups/nope/providers/Microsoft.ContainerRegistry/registries/nope", sub), query: vec![("api-version".into(), ResourceKind::Registry.api_version().into())], body: None };
    let resp = call(&r, &missing).await;
    assert_eq!(resp.status, 404);
    if let Err(p) = spec.validate_response(&missing, resp.status, Some(&body(&resp))) {
        problems.push(format!("404 body: {p:?}"));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The check can fail: a list whose items lack their required shape is refused.
    assert!(spec.validate_response(&requests[1], 200, Some(&json!({"value": [{"properties": "not an object"}]}))).is_err());
}

#[tokio::test]
async fn scan_falls_back_when_resource_graph_is_forbidden_over_http() {
    let mut c = config();
    c.scenario = "small".into();
    c.graph_forbidden = true;
    let r = server(c).await;
    let report = run_scan(&r.base_url, &token(), ScanConfig::new(&r.base_url, Start::AllSubscriptions)).await.unwrap();
    assert_eq!(report.result.inventory.role_assignments.len(), 60);
    assert_eq!(report.result.inventory.registries.len(), 6);
    assert!(report.result.diagnostics.iter().any(|d| d.message.contains("Resource Graph is not available")), "{:?}", report.result.diagnostics);
    assert!(r.log().iter().any(|e| e.status == 403 && e.target.contains("ResourceGraph")));
}

/// Over HTTP too: assignments at management groups come from `authorizationresources` only
/// when `authorizationScopeFilter` asks for what is above the subscriptions, subscription rows
/// carry their ancestors chain, and the scan gets both.
#[tokio::test]
async fn resource_graph_returns_management_group_assignments_only_when_asked() {
    let mut c = config();
    c.scenario = "small".into();
    let r = server(c).await;
    let query = |filter: Option<&str>| pullpath_core::arm::QueryRequest {
        subscriptions: vec![],
        management_groups: vec![],
        query: "authorizationresources | where type =~ 'microsoft.authorization/roleassignments' | project id".into(),
        options: Some(pullpath_core::arm::QueryRequestOptions { top: Some(1000), authorization_scope_filter: filter.map(str::to_string), ..Default::default() }),
    };
    let at_groups = |b: &Value| b["data"].as_array().unwrap().iter().filter(|row| row["id"].as_str().unwrap().starts_with("/providers/Microsoft.Management/")).count();
    let plain = body(&call(&r, &request::resource_graph(&query(None))).await);
    let above = body(&call(&r, &request::resource_graph(&query(Some("AtScopeAboveAndBelow")))).await);
    assert_eq!(at_groups(&plain), 0, "the default, AtScopeAndBelow, has nothing above the subscriptions");
    assert!(at_groups(&above) > 0, "{above}");
    let report = run_scan(&r.base_url, &token(), ScanConfig::new(&r.base_url, Start::AllSubscriptions)).await.unwrap();
    let inv = &report.result.inventory;
    assert_eq!(inv.role_assignments.iter().filter(|ra| ra.scope().level() == pullpath_core::id::ScopeLevel::ManagementGroup).count(), at_groups(&above));
    assert_eq!(inv.subscriptions.len(), 3);
    assert!(inv.subscriptions.iter().all(|s| s.properties.management_group_ancestors_chain.as_ref().is_some_and(|c| c.len() == 3)), "{:?}", inv.subscriptions);
}

/// The one documented command starts the binary; it prints where it listens.
#[tokio::test]
async fn the_documented_command_starts_the_binary() {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_pullpath-emulator"))
        .args(["--scenario", "demo", "--port", "0", "--insecure-accept-any-token", "--quiet"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let line = lines.next_line().await.unwrap().expect("a startup line");
    let base = line.split_whitespace().find(|w| w.starts_with("http://127.0.0.1:")).expect("the URL").to_string();
    let resp = send(&reqwest::Client::new(), &base, "any-token", &request::list_subscriptions()).await.unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(body(&resp)["value"][0]["subscriptionId"], SUB);
    child.kill().await.unwrap();
}

fn graph_token() -> String {
    let mut c = good_claims();
    c["aud"] = json!("https://graph.microsoft.com");
    sign("test-rsa.pem", "pullpath-test-1", c)
}

/// Microsoft Graph on the emulator: a Graph token is refused by ARM and an ARM token by Graph,
/// each in its service's words; with both, a scan reads names and group members over HTTP,
/// paged on the emulator's origin.
#[tokio::test]
async fn graph_takes_only_graph_tokens_and_a_scan_reads_people_and_groups() {
    let mut c = config();
    c.page_size = 2;
    let r = server(c).await;
    r.with_sim(|sim| sim.directory_page_size = 2);
    let client = reqwest::Client::new();
    let names = pullpath_core::directory_request::get_by_ids(&["bbbbbbbb-0000-0000-0000-000000000001".into()]).unwrap();
    let arm_on_graph = send(&client, &r.base_url, &token(), &names).await.unwrap();
    assert_eq!(arm_on_graph.status, 401);
    assert_eq!(body(&arm_on_graph)["error"]["code"], "InvalidAuthenticationToken");
    let graph_on_arm = send(&client, &r.base_url, &graph_token(), &registries()).await.unwrap();
    assert_eq!(graph_on_arm.status, 401);
    assert_eq!(body(&graph_on_arm)["error"]["code"], "InvalidAuthenticationTokenAudience");
    let ok = send(&client, &r.base_url, &graph_token(), &names).await.unwrap();
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(body(&ok)["value"][0]["displayName"], "Dana Whitfield");

    let mut sc = ScanConfig::new(&r.base_url, Start::AllSubscriptions);
    sc.directory_origin = Some(r.base_url.clone());
    let report = run_scan_with_graph(&r.base_url, &token(), Some(&graph_token()), sc).await.unwrap();
    assert!(report.result.skipped.is_empty(), "{:?}", report.result.skipped);
    let dir = &report.result.inventory.directory;
    assert_eq!(dir.len(), 4, "{dir:?}");
    let outer = dir.iter().find(|o| o.display_name.as_deref() == Some("ml-image-pullers")).unwrap();
    // Four members at two a page: the @odata.nextLink was followed on the emulator's origin.
    assert_eq!(outer.transitive_members.as_ref().map(Vec::len), Some(4));
    let graph_requests = r.log().iter().filter(|e| e.target.starts_with("/v1.0/")).count();
    assert!(graph_requests >= 4, "{graph_requests}");
}

/// Without consent to Graph, the scan still reads ARM and says what is missing.
#[tokio::test]
async fn without_graph_consent_the_scan_says_what_is_missing() {
    let mut c = config();
    c.graph_not_consented = true;
    let r = server(c).await;
    let mut sc = ScanConfig::new(&r.base_url, Start::AllSubscriptions);
    sc.directory_origin = Some(r.base_url.clone());
    let report = run_scan_with_graph(&r.base_url, &token(), Some(&graph_token()), sc).await.unwrap();
    assert_eq!(report.result.inventory.registries.len(), 7);
    assert!(report.result.inventory.directory.is_empty());
    assert!(report.result.diagnostics.iter().any(|d| d.message.contains("Authorization_RequestDenied") && d.message.contains("Directory.Read.All")), "{:?}", report.result.diagnostics);
}

/// Microsoft Graph's throttling on the emulator (`--directory-quota`): requests and `$batch`
/// items over the principal's quota get 429 with `Retry-After` and Graph's error body; the
/// scan waits them out and ends with exactly what an unthrottled scan reads.
#[tokio::test]
async fn graph_throttling_is_obeyed_and_the_scan_reads_the_same() {
    async fn scan(quota: u32) -> (pullpath_emulator::driver::DriveReport, Vec<pullpath_emulator::server::LogEntry>) {
        let mut c = config();
        c.scenario = "small".into();
        c.directory_quota = quota;
        c.directory_window_secs = 1;
        let r = server(c).await;
        r.with_sim(|sim| sim.directory_page_size = 3);
        let mut sc = ScanConfig::new(&r.base_url, Start::AllSubscriptions);
        sc.directory_origin = Some(r.base_url.clone());
        let report = run_scan_with_graph(&r.base_url, &token(), Some(&graph_token()), sc).await.unwrap();
        (report, r.log())
    }
    let members = |report: &pullpath_emulator::driver::DriveReport| {
        let mut m: Vec<(String, Vec<String>)> = report.result.inventory.directory.iter().map(|o| (o.id.clone(), o.transitive_members.iter().flatten().map(|m| m.id.clone()).collect())).collect();
        m.sort();
        m
    };
    let (free, _) = scan(0).await;
    // One Graph request a second: every read after the first waits for the window.
    let (tight, log) = scan(1).await;
    assert!(tight.result.skipped.is_empty(), "{:?}", tight.result.skipped);
    assert!(tight.progress.throttled > 0, "the quota throttled nothing: {:?}", tight.progress);
    let read = members(&free);
    assert!(read.iter().any(|(_, m)| m.len() > 3), "a group pages: {read:?}");
    assert_eq!(members(&tight), read);
    // Throttled answers are Graph's: plain ones and items inside a batch.
    assert!(log.iter().any(|e| e.target.starts_with("/v1.0/") && (e.note == "throttled" || e.note.contains(" throttled"))), "{log:?}");
    let client = reqwest::Client::new();
    let mut c = config();
    c.directory_quota = 1;
    c.directory_window_secs = 60;
    let r = server(c).await;
    let names = pullpath_core::directory_request::get_by_ids(&["bbbbbbbb-0000-0000-0000-000000000001".into()]).unwrap();
    assert_eq!(send(&client, &r.base_url, &graph_token(), &names).await.unwrap().status, 200);
    let refused = send(&client, &r.base_url, &graph_token(), &names).await.unwrap();
    assert_eq!(refused.status, 429);
    let after: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&after), "{after}");
    let e = &body(&refused)["error"];
    assert_eq!(e["code"], "TooManyRequests");
    assert!(e["innerError"]["date"].as_str().is_some_and(|d| d.len() == 19 && d.as_bytes()[10] == b'T'), "{e}");
    assert!(e["innerError"]["request-id"].is_string() && e["innerError"]["client-request-id"].is_string(), "{e}");
    let batch = pullpath_core::directory_request::batch(&[
        ("a".into(), pullpath_core::directory_request::list_transitive_members("dddddddd-0000-0000-0000-000000000001").unwrap()),
        ("b".into(), pullpath_core::directory_request::list_transitive_members("dddddddd-0000-0000-0000-000000000002").unwrap()),
    ])
    .unwrap();
    let answered = send(&client, &r.base_url, &graph_token(), &batch).await.unwrap();
    assert_eq!(answered.status, 200);
    let items = body(&answered)["responses"].as_array().unwrap().clone();
    assert!(items.iter().all(|i| i["status"] == 429 && i["headers"]["Retry-After"].is_string() && i["body"]["error"]["code"] == "TooManyRequests"), "{items:?}");
}
