//! Discovery (`scan.rs`) against the simulator: the demo tenant with paging on both
//! strategies, grouped against plain Resource Graph rows, management-group assignments, the
//! tenant root group of a per-provider scan, and a next link off the ARM origin.
//! (Integration tests: the simulator is its own crate, which core's unit tests cannot use.)

use std::time::Duration;

use pullpath_core::id::ScopeLevel;
use pullpath_core::request::Method;
use pullpath_core::scan::{Scan, ScanConfig, ScanResult, Start, Strategy};
use pullpath_sim::generate::{TenantSpec, GENERATED_PLATFORM_GROUP};
use pullpath_sim::{drive, GraphAccess, Sim, DEFAULT_ORIGIN};

#[test]
fn scans_the_demo_tenant_with_paging() {
    for strategy in [Strategy::ResourceGraph, Strategy::PerProvider] {
        let mut sim = Sim::demo();
        sim.page_size = 2;
        let mut config = ScanConfig::new(DEFAULT_ORIGIN, Start::AllSubscriptions);
        config.strategy = strategy;
        config.graph_page_size = 2;
        let mut scan = Scan::with_config(config);
        drive(&mut scan, Duration::ZERO, 100_000, |r| Ok(sim.handle(r))).expect("the scan finishes");
        assert!(scan.is_done());
        let r = scan.into_result();
        assert_eq!(r.subscriptions.len(), 1);
        assert_eq!(r.inventory.registries.len(), 7, "{strategy:?}");
        assert_eq!((r.inventory.environments.len(), r.inventory.environment_versions.len()), (2, 2), "{strategy:?}");
        assert_eq!(r.inventory.workspaces.len(), 2);
        assert_eq!(r.inventory.computes.len(), 5);
        assert_eq!(r.inventory.connections.len(), 1);
        assert_eq!(r.inventory.managed_clusters.len(), 1);
        assert_eq!(r.inventory.identities.len(), 3);
        assert_eq!(r.inventory.online_endpoints.len(), 2, "{strategy:?}");
        assert_eq!(r.inventory.container_groups.len(), 1, "{strategy:?}");
        // The demo's group holds AcrPull on acrbaseimages.
        assert_eq!(r.inventory.role_assignments.len(), 13);
        assert!(r.skipped.is_empty(), "{:?}", r.skipped);
    }
}

/// Grouped Resource Graph rows give exactly the inventory plain rows give; a Resource
/// Graph that cannot group is asked for plain rows, once per batch and table, and the
/// user is told once. So is one whose grouped answer is cut short: grouped rows have no
/// `id` column, so Resource Graph cannot page them (`resultTruncated`, no `$skipToken`).
#[test]
fn grouped_rows_read_the_same_inventory_as_plain_rows() {
    let canonical = |r: &ScanResult| {
        let inv = &r.inventory;
        let mut all: Vec<String> = Vec::new();
        macro_rules! each {
            ($($field:ident),*) => { $( all.extend(inv.$field.iter().map(|x| format!("{}:{}", stringify!($field), serde_json::to_string(x).unwrap()))); )* };
        }
        each!(registries, workspaces, computes, connections, managed_clusters, identities, online_endpoints, container_groups, role_assignments, role_definitions, subscriptions);
        all.sort();
        all
    };
    let run = |access: GraphAccess, page_size: u32| {
        let mut sim = Sim::generated(&TenantSpec::small(4));
        sim.graph = access;
        let mut config = ScanConfig::new(DEFAULT_ORIGIN, Start::AllSubscriptions);
        config.graph_page_size = page_size;
        let mut scan = Scan::with_config(config);
        let mut graph_queries = Vec::new();
        drive(&mut scan, Duration::ZERO, 100_000, |req| {
            if req.method == Method::Post {
                graph_queries.push(req.body.as_ref().and_then(|b| b["query"].as_str()).unwrap_or_default().to_string());
            }
            Ok(sim.handle(req))
        })
        .expect("the scan finishes");
        let mut result = scan.into_result();
        // What a scan without Microsoft Graph does not know (names, group members) is not
        // what this test is about.
        result.diagnostics.retain(|d| !d.at.starts_with("/v1.0/"));
        (result, graph_queries)
    };
    let (grouped, grouped_queries) = run(GraphAccess::Allowed, 1000);
    let (plain, plain_queries) = run(GraphAccess::RowsOnly, 3);
    let (cut, _) = run(GraphAccess::Allowed, 3);
    assert!(grouped.diagnostics.is_empty(), "{:?}", grouped.diagnostics);
    assert!(grouped_queries.iter().filter(|q| !q.starts_with("resourcecontainers")).all(|q| q.contains("summarize items = make_list(pack(")), "{grouped_queries:?}");
    assert_eq!(canonical(&cut), canonical(&grouped));
    assert_eq!(cut.diagnostics.len(), 1, "{:?}", cut.diagnostics);
    assert!(cut.diagnostics[0].message.contains("resultTruncated") && cut.diagnostics[0].message.contains("one by one"), "{}", cut.diagnostics[0].message);
    assert!(grouped.inventory.role_assignments.len() > 30 && !grouped.inventory.identities.is_empty());
    assert_eq!(canonical(&grouped), canonical(&plain));
    assert_eq!(plain.diagnostics.len(), 1, "{:?}", plain.diagnostics);
    assert!(plain.diagnostics[0].message.contains("reading its rows one by one"), "{}", plain.diagnostics[0].message);
    // Plain rows need more pages than groups: 3 rows a page.
    assert!(plain_queries.len() > 2 * grouped_queries.len(), "{} vs {}", plain_queries.len(), grouped_queries.len());
    assert!(plain.skipped.is_empty() && grouped.skipped.is_empty());
}

/// The generated tenant's AcrPull at management group mg-platform reaches the same
/// registries — exactly those in the platform subscriptions — whether the scan learned the
/// hierarchy from Resource Graph's chains or from the subscriptions' role-assignment lists.
#[test]
fn management_group_assignments_reach_the_same_registries_either_way() {
    let spec = TenantSpec::small(11);
    let platform: Vec<String> = Sim::generated(&spec).management_groups[GENERATED_PLATFORM_GROUP].subscriptions.clone();
    let reach = |strategy: Strategy| {
        let mut sim = Sim::generated(&spec);
        let mut config = ScanConfig::new(DEFAULT_ORIGIN, Start::AllSubscriptions);
        config.strategy = strategy;
        let mut scan = Scan::with_config(config);
        drive(&mut scan, Duration::ZERO, 100_000, |r| Ok(sim.handle(r))).expect("the scan finishes");
        let inv = scan.into_result().inventory;
        let mg_assignment = inv.role_assignments.iter().find(|ra| ra.scope().level() == ScopeLevel::ManagementGroup && ra.scope().name() == GENERATED_PLATFORM_GROUP).expect("the MG-level AcrPull is read").clone();
        let analysis = pullpath_core::analysis::analyze(&inv);
        assert!(!analysis.diagnostics.iter().any(|d| d.message.contains("unknown hierarchy")), "{:?}", analysis.diagnostics);
        let mut regs: Vec<String> = analysis
            .access
            .iter()
            .filter(|r| r.via.iter().any(|p| p.assignment.as_deref() == Some(mg_assignment.id.as_str())))
            .map(|r| r.registry.to_string())
            .collect();
        regs.sort();
        regs
    };
    let by_graph = reach(Strategy::ResourceGraph);
    assert!(!by_graph.is_empty());
    assert!(by_graph.iter().all(|r| platform.iter().any(|s| r.starts_with(&format!("/subscriptions/{s}/")))), "{by_graph:?} outside {platform:?}");
    assert_eq!(by_graph, reach(Strategy::PerProvider));
}

/// A per-provider scan has no ancestors chain, so it knows the tenant root group by the
/// subscriptions' `tenantId` from `GET /subscriptions`: the group of that id.
#[test]
fn per_provider_scan_knows_the_tenant_root_group_by_the_tenant_id() {
    let tenant = "33333333-0000-4000-8000-0000000000aa";
    let root = format!("/providers/Microsoft.Management/managementGroups/{tenant}");
    let resources = vec![
        serde_json::json!({"id": "/subscriptions/s1", "type": "microsoft.resources/subscriptions", "subscriptionId": "s1", "tenantId": tenant,
            "properties": {"managementGroupAncestorsChain": [{"name": "mg-a", "displayName": "A"}, {"name": tenant, "displayName": "Tenant Root Group"}]}}),
        serde_json::json!({"id": "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr", "name": "acr", "type": "Microsoft.ContainerRegistry/registries", "location": "westeurope", "properties": {"loginServer": "acr.azurecr.io"}}),
        serde_json::json!({"id": format!("{root}/providers/Microsoft.Authorization/roleAssignments/00000000-0000-4000-8000-000000000002"), "type": "Microsoft.Authorization/roleAssignments",
            "properties": {"scope": root, "principalId": "p1", "principalType": "ServicePrincipal", "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d"}}),
    ];
    let mut sim = Sim::from_resources(resources);
    let mut config = ScanConfig::new(DEFAULT_ORIGIN, Start::AllSubscriptions);
    config.strategy = Strategy::PerProvider;
    let mut scan = Scan::with_config(config);
    drive(&mut scan, Duration::ZERO, 100_000, |r| Ok(sim.handle(r))).expect("the scan finishes");
    let inv = scan.into_result().inventory;
    let row = inv.subscriptions.iter().find(|c| c.subscription().eq_ignore_ascii_case("s1")).expect("the role-assignment list places s1");
    assert!(row.properties.management_group_ancestors_chain.is_none(), "a per-provider scan reads no chain");
    assert_eq!(row.tenant_id.as_deref(), Some(tenant), "the directory comes from GET /subscriptions");
    let analysis = pullpath_core::analysis::analyze(&inv);
    let access = analysis.access.iter().find(|r| r.principal_id.as_ref() == "p1").expect("the root group's AcrPull reaches acr");
    assert!(access.via.iter().any(|p| p.explanation.contains("the tenant root group")), "{:?}", access.via);
}

#[test]
fn foreign_next_link_is_not_followed() {
    let mut sim = Sim::demo();
    sim.page_size = 1;
    sim.origin = "https://evil.example".into();
    let mut config = ScanConfig::new(DEFAULT_ORIGIN, Start::Subscriptions(vec!["11111111-1111-1111-1111-111111111111".into()]));
    config.strategy = Strategy::PerProvider;
    let mut scan = Scan::with_config(config);
    let mut sent = Vec::new();
    drive(&mut scan, Duration::ZERO, 100_000, |req| {
        sent.push(req.url(DEFAULT_ORIGIN));
        Ok(sim.handle(req))
    })
    .expect("the scan finishes");
    assert!(sent.iter().all(|u| u.starts_with(DEFAULT_ORIGIN)));
    assert!(scan.result().skipped.iter().any(|s| s.reason.contains("evil.example")));
}
