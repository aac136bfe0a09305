//! The scan's Microsoft Graph phase (`scan_directory.rs`) against the simulator's directory:
//! names, transitive members, `$batch`, caps, throttling, refusals and foreign next links.
//! (Integration tests: the simulator is its own crate, which core's unit tests cannot use.)
use std::time::Duration;

use serde_json::json;

use pullpath_core::scan::{Refresh, Scan, ScanConfig, ScanResult, Start};
use pullpath_core::directory_request::is_graph;
use pullpath_core::request::{Request, Response};
use pullpath_sim::{DirectoryAccess, Sim, DEFAULT_GRAPH_ORIGIN, DEFAULT_ORIGIN};

fn config(graph: bool) -> ScanConfig {
    let mut c = ScanConfig::new(DEFAULT_ORIGIN, Start::AllSubscriptions);
    c.directory_origin = graph.then(|| DEFAULT_GRAPH_ORIGIN.to_string());
    c
}

/// Drives with simulated time; returns every request sent.
fn drive(scan: &mut Scan, mut respond: impl FnMut(&Request, Duration) -> Response) -> Vec<Request> {
    let mut sent = Vec::new();
    let mut now = Duration::ZERO;
    for _ in 0..100_000 {
        scan.handle_timeout(now);
        let mut any = false;
        while let Some((id, req)) = scan.poll_request(now) {
            let resp = respond(&req, now);
            sent.push(req);
            scan.handle_response(now, id, Ok(resp));
            any = true;
        }
        if scan.is_done() {
            return sent;
        }
        if !any {
            now = scan.poll_timeout().expect("the scan is stuck").max(now + Duration::from_millis(1));
        }
    }
    panic!("the scan does not finish");
}

/// The demo read through Graph analyses exactly as the demo snapshot does, in one
/// getByIds and one transitiveMembers request per group.
#[test]
fn the_demo_scanned_with_graph_reads_like_its_snapshot() {
    let mut sim = Sim::demo();
    let mut scan = Scan::with_config(config(true));
    let sent = drive(&mut scan, |r, _| sim.handle(r));
    let graph: Vec<&Request> = sent.iter().filter(|r| is_graph(r)).collect();
    assert_eq!(graph.len(), 3, "{graph:?}");
    let result = scan.into_result();
    assert!(result.skipped.is_empty(), "{:?}", result.skipped);
    let (snapshot, _) = pullpath_core::snapshot::parse(pullpath_sim::DEMO_TENANT).unwrap();
    let (a, b) = (pullpath_core::analysis::analyze(&result.inventory), pullpath_core::analysis::analyze(&snapshot));
    // Paths come in the order assignments were read, which differs between the two.
    let rows = |a: &pullpath_core::analysis::Analysis| {
        let mut rows: Vec<String> = a
            .access
            .iter()
            .map(|r| {
                let mut via: Vec<String> = r.via.iter().map(|p| p.explanation.to_string()).collect();
                via.sort();
                let mut why: Vec<&str> = r.why_not.iter().flat_map(|w| w.split("; ")).collect();
                why.sort();
                format!("{} {} {:?} {:?} {:?} {via:?} {why:?}", r.identity, r.registry, r.pull, r.push, r.expected_by)
            })
            .collect();
        rows.sort();
        rows
    };
    let (ra, rb) = (rows(&a), rows(&b));
    let only_a: Vec<&String> = ra.iter().filter(|r| !rb.contains(r)).collect();
    let only_b: Vec<&String> = rb.iter().filter(|r| !ra.contains(r)).collect();
    assert!(only_a.is_empty() && only_b.is_empty(), "scanned only: {only_a:#?}\nsnapshot only: {only_b:#?}");
    assert_eq!(a.identities, b.identities);
}

/// A refresh after an apply keeps what Graph said: it asks Graph only about principals new
/// to the result, and without Graph it does not claim that names were not read.
#[test]
fn a_refresh_keeps_the_names_graph_gave() {
    let mut sim = Sim::demo();
    let mut scan = Scan::with_config(config(true));
    drive(&mut scan, |r, _| sim.handle(r));
    let first = scan.into_result();
    assert!(!first.inventory.directory.is_empty());
    let registry = first.inventory.registries[0].id.clone();
    for graph in [false, true] {
        let mut again = Scan::resume(config(graph), first.clone());
        again.refresh(Refresh::Scope(registry.clone()));
        let sent = drive(&mut again, |r, _| sim.handle(r));
        assert!(!sent.iter().any(is_graph), "graph {graph}: nothing new to ask Graph: {sent:?}");
        let result = again.into_result();
        assert!(!result.diagnostics.iter().any(|d| d.message.contains("were not read from Microsoft Graph")), "graph {graph}: {:?}", result.diagnostics);
        assert_eq!(result.inventory.directory.len(), first.inventory.directory.len());
    }
}

/// Without Graph the scan still ends, on ARM data, and says what it did not read.
#[test]
fn without_graph_the_scan_says_what_is_missing() {
    let mut sim = Sim::demo();
    let mut scan = Scan::with_config(config(false));
    let sent = drive(&mut scan, |r, _| sim.handle(r));
    assert!(!sent.iter().any(is_graph));
    let result = scan.into_result();
    let d = result.diagnostics.iter().find(|d| d.message.contains("were not read from Microsoft Graph")).expect("a diagnostic");
    assert!(d.message.contains("3 principal(s)") && d.message.contains("1 group(s)") && d.message.contains("Directory.Read.All"), "{}", d.message);
    assert!(result.inventory.directory.is_empty());
}

/// Graph refusing (no consent): said once, with the permission; nothing more is asked.
#[test]
fn a_refusing_graph_is_reported_once() {
    let mut sim = Sim::demo();
    sim.directory_access = DirectoryAccess::NotConsented;
    let mut scan = Scan::with_config(config(true));
    let sent = drive(&mut scan, |r, _| sim.handle(r));
    assert_eq!(sent.iter().filter(|r| is_graph(r)).count(), 1);
    let result = scan.into_result();
    let said: Vec<_> = result.diagnostics.iter().filter(|d| d.message.contains("Microsoft Graph did not give")).collect();
    assert_eq!(said.len(), 1);
    assert!(said[0].message.contains("Authorization_RequestDenied") && said[0].message.contains("Directory.Read.All"), "{}", said[0].message);
    assert_eq!(result.skipped.len(), 1);
}

/// A Graph token refused mid-scan (401) is said as such, not as a missing permission.
#[test]
fn a_refused_graph_token_is_not_called_a_missing_permission() {
    let mut sim = Sim::demo();
    let mut scan = Scan::with_config(config(true));
    drive(&mut scan, |r, _| if r.path.ends_with("transitiveMembers") { Response::json(401, &json!({"error": {"code": "InvalidAuthenticationToken", "message": "Lifetime validation failed, the token is expired."}})) } else { sim.handle(r) });
    let result = scan.into_result();
    let said: Vec<_> = result.diagnostics.iter().filter(|d| d.message.contains("Microsoft Graph did not give")).collect();
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].message.contains("InvalidAuthenticationToken") && said[0].message.contains("sign in again and rescan") && !said[0].message.contains("Directory.Read.All"), "{}", said[0].message);
    // The names read before stay.
    assert!(result.inventory.directory.iter().any(|o| o.display_name.as_deref() == Some("Dana Whitfield")));
}

/// A 429 from Graph is waited out for its Retry-After, then asked again.
#[test]
fn graph_throttling_obeys_retry_after() {
    let mut sim = Sim::demo();
    let mut scan = Scan::with_config(config(true));
    let mut throttled_at = None;
    let mut retried_at = None;
    drive(&mut scan, |r, now| {
        if is_graph(r) && r.path.ends_with("getByIds") {
            if throttled_at.is_none() {
                throttled_at = Some(now);
                let mut resp = Response::json(429, &json!({"error": {"code": "TooManyRequests", "message": "Too many requests"}}));
                resp.headers.push(("retry-after".into(), "7".into()));
                return resp;
            }
            retried_at.get_or_insert(now);
        }
        sim.handle(r)
    });
    let (t, r) = (throttled_at.unwrap(), retried_at.unwrap());
    assert!(r >= t + Duration::from_secs(7), "retried at {r:?}, throttled at {t:?}");
    assert_eq!(scan.progress().throttled, 1);
    assert_eq!(scan.result().inventory.directory.len(), 4);
}

/// A group larger than the cap is read up to it, and the scan says what it did.
#[test]
fn huge_groups_are_capped_and_said() {
    let members: Vec<_> = (0..251).map(|i| json!({"@odata.type": "#microsoft.graph.user", "id": format!("00000000-0000-4000-8000-{i:012}"), "displayName": format!("user {i}")})).collect();
    let mut sim = Sim::from_resources([
        json!({"id": "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr", "name": "acr", "type": "Microsoft.ContainerRegistry/registries", "properties": {}}),
        json!({"id": "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr/providers/Microsoft.Authorization/roleAssignments/a1", "name": "a1", "type": "Microsoft.Authorization/roleAssignments",
            "properties": {"roleDefinitionId": "/subscriptions/s1/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d", "principalId": "cccccccc-0000-4000-8000-000000000001", "principalType": "Group", "scope": "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr"}}),
        json!({"@odata.type": "#microsoft.graph.group", "id": "cccccccc-0000-4000-8000-000000000001", "displayName": "everyone", "transitiveMembers": members}),
    ]);
    let mut c = config(true);
    c.max_group_members = 150;
    let mut scan = Scan::with_config(c);
    let sent = drive(&mut scan, |r, _| sim.handle(r));
    assert_eq!(sent.iter().filter(|r| r.path.ends_with("transitiveMembers")).count(), 2);
    let result = scan.into_result();
    let group = result.inventory.directory.iter().find(|o| o.id == "cccccccc-0000-4000-8000-000000000001").unwrap();
    assert_eq!(group.transitive_members.as_ref().map(Vec::len), Some(150));
    assert!(result.diagnostics.iter().any(|d| d.message.contains("group everyone has more than 150 transitive members: the scan read the first 150")), "{:?}", result.diagnostics);
}

/// A tenant of `groups` groups holding AcrPull on one registry, each with `members` users.
fn many_groups(groups: usize, members: usize) -> Sim {
    let acr = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr";
    let mut items = vec![json!({"id": acr, "name": "acr", "type": "Microsoft.ContainerRegistry/registries", "location": "westeurope", "properties": {}})];
    for g in 0..groups {
        let id = format!("cccccccc-0000-4000-8000-{g:012}");
        items.push(json!({"id": format!("{acr}/providers/Microsoft.Authorization/roleAssignments/a{g}"), "name": format!("a{g}"), "type": "Microsoft.Authorization/roleAssignments",
            "properties": {"roleDefinitionId": "/subscriptions/s1/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d", "principalId": id, "principalType": "Group", "scope": acr}}));
        let users: Vec<_> = (0..members).map(|m| json!({"@odata.type": "#microsoft.graph.user", "id": format!("00000000-{g:04}-4000-8000-{m:012}"), "displayName": format!("user {g}.{m}")})).collect();
        items.push(json!({"@odata.type": "#microsoft.graph.group", "id": id, "displayName": format!("group {g}"), "transitiveMembers": users}));
    }
    Sim::from_resources(items)
}

/// Members, by group, as the scan read them.
fn members(result: &ScanResult) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = result.inventory.directory.iter().filter_map(|o| Some((o.id.clone(), o.transitive_members.as_ref()?.iter().map(|m| m.id.clone()).collect()))).collect();
    out.sort();
    out
}

/// Member reads waiting together go in `$batch`es of at most 20, next pages too (each
/// item's `@odata.nextLink` followed on the Graph origin): 45 groups of 2 pages cost 6
/// batches instead of 90 reads, and read exactly the same members.
#[test]
fn member_reads_go_in_batches_of_twenty() {
    let mut plain = config(true);
    plain.directory_batch = 1;
    let mut one = Scan::with_config(plain);
    let mut sim = many_groups(45, 150);
    let alone = drive(&mut one, |r, _| sim.handle(r));
    let mut batched = Scan::with_config(config(true));
    let mut sim = many_groups(45, 150);
    let sent = drive(&mut batched, |r, _| sim.handle(r));
    let graph = |sent: &[Request]| sent.iter().filter(|r| is_graph(r)).map(|r| r.path.clone()).collect::<Vec<_>>();
    assert_eq!(graph(&alone).len(), 1 + 90);
    let g = graph(&sent);
    assert_eq!(g.len(), 1 + 6, "{g:?}");
    assert!(g[1..].iter().all(|p| p == "/v1.0/$batch"));
    let sizes: Vec<usize> = sent.iter().filter(|r| r.path == "/v1.0/$batch").map(|r| r.body.as_ref().unwrap()["requests"].as_array().unwrap().len()).collect();
    assert_eq!(sizes, [20, 20, 5, 20, 20, 5]);
    let (a, b) = (one.into_result(), batched.into_result());
    assert!(b.skipped.is_empty() && b.diagnostics.is_empty(), "{:?} {:?}", b.skipped, b.diagnostics);
    assert_eq!(members(&a), members(&b));
    assert_eq!(members(&b).iter().map(|(_, m)| m.len()).sum::<usize>(), 45 * 150);
}

/// Inside a `$batch`, each item is answered on its own: a throttled item waits for its own
/// `Retry-After` and goes again, an item refused is said, a foreign next link is not
/// followed, and a Graph that refuses `$batch` gets the reads one by one.
#[test]
fn batch_items_are_answered_one_by_one() {
    let reference = {
        let mut sim = many_groups(3, 150);
        let mut scan = Scan::with_config(config(true));
        drive(&mut scan, |r, _| sim.handle(r));
        members(&scan.into_result())
    };
    // Item 1 of the first batch: 429 with Retry-After 5.
    let mut sim = many_groups(3, 150);
    let mut scan = Scan::with_config(config(true));
    let (mut throttled_at, mut again_at) = (None, None);
    drive(&mut scan, |r, now| {
        let mut resp = sim.handle(r);
        if r.path == "/v1.0/$batch" {
            let mut v: serde_json::Value = serde_json::from_str(&resp.body).unwrap();
            let urls: Vec<String> = r.body.as_ref().unwrap()["requests"].as_array().unwrap().iter().map(|i| i["url"].as_str().unwrap().to_string()).collect();
            let target = "/groups/cccccccc-0000-4000-8000-000000000001/transitiveMembers";
            if let Some(i) = urls.iter().position(|u| u == target) {
                if throttled_at.is_none() {
                    throttled_at = Some(now);
                    v["responses"][i] = json!({"id": i.to_string(), "status": 429, "headers": {"Retry-After": "5"}, "body": {"error": {"code": "TooManyRequests", "message": "Too many requests"}}});
                    resp.body = v.to_string();
                } else {
                    again_at.get_or_insert(now);
                }
            }
        }
        resp
    });
    let (t, a) = (throttled_at.unwrap(), again_at.expect("the throttled item is sent again"));
    assert!(a >= t + Duration::from_secs(5), "again at {a:?}, throttled at {t:?}");
    assert_eq!(scan.progress().throttled, 1);
    let result = scan.into_result();
    assert!(result.skipped.is_empty(), "{:?}", result.skipped);
    assert_eq!(members(&result), reference);

    // Item 0 refused (403), item 2's next link off the Graph origin.
    let mut sim = many_groups(3, 150);
    let mut scan = Scan::with_config(config(true));
    let mut first = true;
    drive(&mut scan, |r, _| {
        let mut resp = sim.handle(r);
        if r.path == "/v1.0/$batch" && std::mem::take(&mut first) {
            let mut v: serde_json::Value = serde_json::from_str(&resp.body).unwrap();
            v["responses"][0] = json!({"id": "0", "status": 403, "body": {"error": {"code": "Authorization_RequestDenied", "message": "Insufficient privileges to complete the operation."}}});
            v["responses"][2]["body"]["@odata.nextLink"] = json!(format!("{DEFAULT_ORIGIN}/v1.0/groups/x/transitiveMembers?$skiptoken=1"));
            resp.body = v.to_string();
        }
        resp
    });
    let result = scan.into_result();
    assert!(result.diagnostics.iter().any(|d| d.message.contains("Authorization_RequestDenied") && d.message.contains("Directory.Read.All")), "{:?}", result.diagnostics);
    assert!(result.skipped.iter().any(|s| s.reason.contains("does not point at https://graph.microsoft.com")), "{:?}", result.skipped);

    // A Graph without `$batch`: 400, then every read alone, with the same members.
    let mut sim = many_groups(3, 150);
    let mut scan = Scan::with_config(config(true));
    let sent = drive(&mut scan, |r, _| if r.path == "/v1.0/$batch" { Response::json(400, &json!({"error": {"code": "BadRequest", "message": "Invalid batch payload."}})) } else { sim.handle(r) });
    assert_eq!(sent.iter().filter(|r| r.path.ends_with("transitiveMembers")).count(), 6);
    assert_eq!(members(&scan.into_result()), reference);
}

/// A cluster that pulls with a service principal no assignment names: the scan asks Graph
/// for the principal of its application id, so its missing pull is found.
#[test]
fn a_clusters_service_principal_is_found_by_its_app_id() {
    let sub = "/subscriptions/11111111-1111-4111-8111-111111111111/resourceGroups/rg/providers";
    let mut sim = Sim::from_resources([
        json!({"id": format!("{sub}/Microsoft.ContainerRegistry/registries/acr"), "name": "acr", "type": "Microsoft.ContainerRegistry/registries", "location": "westeurope", "properties": {}}),
        json!({"id": format!("{sub}/Microsoft.MachineLearningServices/workspaces/w"), "name": "w", "type": "Microsoft.MachineLearningServices/workspaces", "location": "westeurope", "properties": {"containerRegistry": format!("{sub}/Microsoft.ContainerRegistry/registries/acr")}}),
        json!({"id": format!("{sub}/Microsoft.MachineLearningServices/workspaces/w/computes/k"), "name": "k", "type": "Microsoft.MachineLearningServices/workspaces/computes", "location": "westeurope",
            "properties": {"computeType": "Kubernetes", "resourceId": format!("{sub}/Microsoft.ContainerService/managedClusters/aks")}}),
        json!({"id": format!("{sub}/Microsoft.ContainerService/managedClusters/aks"), "name": "aks", "type": "Microsoft.ContainerService/managedClusters", "location": "westeurope",
            "properties": {"servicePrincipalProfile": {"clientId": "eeeeeeee-0000-4000-8000-000000000001"}}}),
        json!({"@odata.type": "#microsoft.graph.servicePrincipal", "id": "aaaaaaaa-0000-4000-8000-0000000000a5", "displayName": "aks-puller", "appId": "eeeeeeee-0000-4000-8000-000000000001", "servicePrincipalType": "Application"}),
    ]);
    let mut scan = Scan::with_config(config(true));
    let sent = drive(&mut scan, |r, _| sim.handle(r));
    assert_eq!(sent.iter().filter(|r| r.path == "/v1.0/servicePrincipals").count(), 1);
    let a = pullpath_core::analysis::analyze(&scan.into_result().inventory);
    let f = a.findings.iter().find(|f| f.id == pullpath_core::findings::ids::AKS_KUBELET_CANNOT_PULL).expect("the cluster's principal cannot pull");
    assert!(f.message.contains("aks-puller"), "{}", f.message);
}

/// Graph's own documented answer of `transitiveMembers` (Example 1 of
/// https://learn.microsoft.com/graph/api/group-list-transitivemembers, verbatim: a user
/// with `@odata.type`, `id` and `mail`, no name) is read: the member holds the group's role.
#[test]
fn the_documented_transitive_members_answer_is_read() {
    const DOC_EXAMPLE: &str = r##"{
  "value": [
{
  "@odata.type": "#microsoft.graph.user",
  "id": "11111111-2222-3333-4444-555555555555",
  "mail": "group1@contoso.com"
}
  ]
}"##;
    let mut sim = Sim::demo();
    let mut scan = Scan::with_config(config(true));
    drive(&mut scan, |r, _| {
        if r.path == "/v1.0/groups/dddddddd-0000-0000-0000-000000000001/transitiveMembers" {
            return Response { status: 200, headers: vec![("content-type".into(), "application/json".into())], body: DOC_EXAMPLE.into() };
        }
        sim.handle(r)
    });
    let inv = scan.into_result().inventory;
    let group = inv.directory.iter().find(|o| o.id == "dddddddd-0000-0000-0000-000000000001").unwrap();
    let members: Vec<&str> = group.transitive_members.iter().flatten().map(|m| m.id.as_str()).collect();
    assert_eq!(members, ["11111111-2222-3333-4444-555555555555"]);
    let a = pullpath_core::analysis::analyze(&inv);
    let row = a.access.iter().find(|r| r.principal_id.as_ref() == "11111111-2222-3333-4444-555555555555" && r.registry.name() == "acrbaseimages").expect("the member's row");
    assert_eq!(row.pull, pullpath_core::access::Level::Yes);
    assert_eq!(row.identity, "user 11111111-2222-3333-4444-555555555555");
}

/// An `@odata.nextLink` off the Graph origin (ARM's included) is never followed.
#[test]
fn a_foreign_graph_next_link_is_not_followed() {
    let mut sim = Sim::demo();
    let mut scan = Scan::with_config(config(true));
    let sent = drive(&mut scan, |r, _| {
        let mut resp = sim.handle(r);
        if r.path.ends_with("transitiveMembers") {
            let mut v: serde_json::Value = serde_json::from_str(&resp.body).unwrap();
            v["@odata.nextLink"] = json!(format!("{DEFAULT_ORIGIN}/v1.0/groups/x/transitiveMembers?$skiptoken=1"));
            resp.body = v.to_string();
        }
        resp
    });
    assert_eq!(sent.iter().filter(|r| r.path.ends_with("transitiveMembers")).count(), 2);
    assert!(scan.result().skipped.iter().any(|s| s.reason.contains("does not point at https://graph.microsoft.com")), "{:?}", scan.result().skipped);
}
