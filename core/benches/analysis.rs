//! Benchmark: full analysis of a generated large tenant (50 subscriptions, 5,000 identities,
//! 1,000 registries, 50,000 role assignments), and reading it from a snapshot document.
//!
//! The tenant comes from a deterministic generator here (a xorshift stream, no `rand`), so the
//! figure in docs/benchmarks.md is reproducible: `cargo bench -p pullpath-core --bench analysis`.

use criterion::{criterion_group, criterion_main, Criterion};

// The CLI's allocator (see cli/src/main.rs): the analysis is dominated by small allocations.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;
use pullpath_core::access;
use pullpath_core::analysis;
use pullpath_core::inventory::Inventory;
use pullpath_core::snapshot;
use serde_json::{json, Value};

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn percent(&mut self, p: u64) -> bool {
        self.next() % 100 < p
    }
}

const SUBSCRIPTIONS: usize = 50;
const GROUPS_PER_SUBSCRIPTION: usize = 4;
const REGISTRIES: usize = 1_000;
const WORKSPACES: usize = 200;
const COMPUTES_PER_WORKSPACE: usize = 5;
const CLUSTERS: usize = 50;
const USER_ASSIGNED: usize = 2_500;
/// Users, groups and service principals seen only in role assignments.
const OTHER_PRINCIPALS: usize = 5_000 - USER_ASSIGNED - WORKSPACES - WORKSPACES * COMPUTES_PER_WORKSPACE - CLUSTERS;
const ROLE_ASSIGNMENTS: usize = 50_000;

const ACR_PULL: &str = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
const ACR_PUSH: &str = "8311e382-0749-4cb8-b61a-304f252e45ec";
const READER: &str = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
const CONTRIBUTOR: &str = "b24988ac-6180-42a0-ab88-20f7382dd24c";
const OWNER: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
const REPO_READER: &str = "b93aa761-3e63-49ed-ac28-beffa264f7ac";
const MI_OPERATOR: &str = "f1a07417-d97a-45cb-824c-7a7467783830";
const STORAGE_BLOB: &str = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";

fn guid(kind: u32, n: usize) -> String {
    format!("{kind:08x}-0000-4000-8000-{n:012x}")
}

fn group(s: usize, g: usize) -> String {
    format!("/subscriptions/{}/resourceGroups/rg-{g}", guid(0x5b5b5b5b, s))
}

/// A tenant of ARM resource objects, as a snapshot holds them.
fn generate(seed: u64) -> Vec<Value> {
    let mut rng = XorShift(seed);
    let mut out = Vec::new();
    let groups: Vec<String> = (0..SUBSCRIPTIONS).flat_map(|s| (0..GROUPS_PER_SUBSCRIPTION).map(move |g| group(s, g))).collect();
    let registries: Vec<String> = (0..REGISTRIES).map(|i| format!("{}/providers/Microsoft.ContainerRegistry/registries/acr{i}", groups[i % groups.len()])).collect();
    for (i, id) in registries.iter().enumerate() {
        let mut props = json!({"loginServer": format!("acr{i}.azurecr.io"), "adminUserEnabled": rng.percent(10), "anonymousPullEnabled": rng.percent(2)});
        if rng.percent(20) {
            props["roleAssignmentMode"] = json!("AbacRepositoryPermissions");
        }
        out.push(json!({"id": id, "name": format!("acr{i}"), "type": "Microsoft.ContainerRegistry/registries", "location": "westeurope", "properties": props}));
    }
    let uais: Vec<(String, String)> = (0..USER_ASSIGNED).map(|i| (format!("{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-{i}", groups[i % groups.len()]), guid(0x1d1d1d1d, i))).collect();
    for (i, (id, p)) in uais.iter().enumerate() {
        out.push(json!({"id": id, "name": format!("id-{i}"), "type": "Microsoft.ManagedIdentity/userAssignedIdentities", "location": "westeurope", "properties": {"principalId": p, "clientId": guid(0xc1c1c1c1, i)}}));
    }
    let mut principals: Vec<String> = uais.iter().map(|(_, p)| p.clone()).collect();
    let clusters: Vec<String> = (0..CLUSTERS).map(|i| format!("{}/providers/Microsoft.ContainerService/managedClusters/aks-{i}", groups[(i * 7) % groups.len()])).collect();
    for (i, id) in clusters.iter().enumerate() {
        let kubelet = guid(0x6b6b6b6b, i);
        principals.push(kubelet.clone());
        out.push(json!({"id": id, "name": format!("aks-{i}"), "type": "Microsoft.ContainerService/managedClusters", "location": "westeurope",
            "properties": {"identityProfile": {"kubeletidentity": {"objectId": kubelet, "clientId": guid(0xc2c2c2c2, i)}}}}));
    }
    for w in 0..WORKSPACES {
        let g = &groups[w % groups.len()];
        let ws = format!("{g}/providers/Microsoft.MachineLearningServices/workspaces/mlw-{w}");
        let wp = guid(0x3a3a3a3a, w);
        principals.push(wp.clone());
        out.push(json!({"id": ws, "name": format!("mlw-{w}"), "type": "Microsoft.MachineLearningServices/workspaces", "location": "westeurope",
            "identity": {"type": "SystemAssigned", "principalId": wp}, "properties": {"containerRegistry": registries[w * 5 % REGISTRIES]}}));
        for c in 0..COMPUTES_PER_WORKSPACE {
            let cp = guid(0xc0c0c0c0, w * COMPUTES_PER_WORKSPACE + c);
            principals.push(cp.clone());
            let identity = if rng.percent(95) { json!({"type": "SystemAssigned", "principalId": cp}) } else { json!({"type": "None"}) };
            out.push(json!({"id": format!("{ws}/computes/cpu-{c}"), "name": format!("cpu-{c}"), "type": "Microsoft.MachineLearningServices/workspaces/computes", "identity": identity, "properties": {"computeType": "AmlCompute"}}));
        }
        if w < CLUSTERS {
            out.push(json!({"id": format!("{ws}/computes/aks"), "name": "aks", "type": "Microsoft.MachineLearningServices/workspaces/computes", "properties": {"computeType": "Kubernetes", "resourceId": clusters[w]}}));
        }
        let (uai, _) = &uais[rng.below(USER_ASSIGNED)];
        out.push(json!({"id": format!("{ws}/connections/base"), "name": "base", "type": "Microsoft.MachineLearningServices/workspaces/connections",
            "properties": {"category": "ContainerRegistry", "authType": "ManagedIdentity", "target": format!("acr{}.azurecr.io", rng.below(REGISTRIES)), "credentials": {"resourceId": uai}}}));
    }
    principals.extend((0..OTHER_PRINCIPALS).map(|i| guid(0x0e0e0e0e, i)));
    assert_eq!(principals.len(), 5_000);
    for n in 0..ROLE_ASSIGNMENTS {
        let principal = &principals[rng.below(principals.len())];
        // 60% at a registry, 15% at a resource group, 2% at a subscription, the rest on other
        // resources (identities, storage): mostly irrelevant to pulls, as in real tenants.
        let roll = rng.below(100);
        let (scope, role) = if roll < 60 {
            let role = [ACR_PULL, ACR_PULL, ACR_PULL, ACR_PUSH, REPO_READER, CONTRIBUTOR][rng.below(6)];
            (registries[rng.below(REGISTRIES)].clone(), role)
        } else if roll < 75 {
            (groups[rng.below(groups.len())].clone(), [READER, CONTRIBUTOR, ACR_PULL, STORAGE_BLOB][rng.below(4)])
        } else if roll < 77 {
            (format!("/subscriptions/{}", guid(0x5b5b5b5b, rng.below(SUBSCRIPTIONS))), [READER, OWNER][rng.below(2)])
        } else if roll < 90 {
            (uais[rng.below(USER_ASSIGNED)].0.clone(), MI_OPERATOR)
        } else {
            (format!("{}/providers/Microsoft.Storage/storageAccounts/st{}", groups[rng.below(groups.len())], rng.below(500)), STORAGE_BLOB)
        };
        let name = guid(0x7a7a7a7a, n);
        out.push(json!({"id": format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{name}"), "name": name, "type": "Microsoft.Authorization/roleAssignments",
            "properties": {"roleDefinitionId": format!("/providers/Microsoft.Authorization/roleDefinitions/{role}"), "principalId": principal, "principalType": "ServicePrincipal", "scope": scope}}));
    }
    network(seed, &mut out);
    out
}

/// The network half (issue #19), from its own sequence so the rest is as before: a third of
/// the registries private (public access off, or a firewall denying by default), most with a
/// private endpoint in their subscription's hub network; 70 % of the clusters in a spoke
/// network per workspace, nine in ten spokes peered with the hub. A version of pullpath that
/// does not read the network skips these resources and fields, so the same tenant measures
/// both versions.
fn network(seed: u64, out: &mut Vec<Value>) {
    let mut rng = XorShift(seed ^ 0x6e65_7477_6f72_6b21);
    let sub_of = |id: &str| id.split('/').nth(2).unwrap_or_default().to_string();
    let vnet = |sub: &str, name: &str| format!("/subscriptions/{sub}/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/{name}");
    let mut extra = Vec::new();
    let mut spokes: Vec<(String, bool)> = Vec::new();
    for v in out.iter_mut() {
        let id = v["id"].as_str().unwrap_or_default().to_string();
        let sub = sub_of(&id);
        if v["type"] == "Microsoft.ContainerRegistry/registries" && rng.percent(33) {
            if rng.percent(66) {
                v["properties"]["publicNetworkAccess"] = json!("Disabled");
            } else {
                v["properties"]["networkRuleSet"] = json!({"defaultAction": "Deny", "ipRules": [{"action": "Allow", "value": "203.0.113.7/32"}]});
            }
            if rng.percent(85) {
                let pe = format!("/subscriptions/{sub}/resourceGroups/rg-network/providers/Microsoft.Network/privateEndpoints/pe-{}", v["name"].as_str().unwrap_or_default());
                extra.push(json!({"id": pe, "name": pe.rsplit('/').next(), "type": "Microsoft.Network/privateEndpoints", "location": "westeurope",
                    "properties": {"subnet": {"id": format!("{}/subnets/snet-pe", vnet(&sub, "vnet-hub"))},
                        "privateLinkServiceConnections": [{"name": "registry", "properties": {"privateLinkServiceId": id, "groupIds": ["registry"], "privateLinkServiceConnectionState": {"status": "Approved"}}}]}}));
            }
        } else if v["type"] == "Microsoft.MachineLearningServices/workspaces/computes" && v["properties"]["computeType"] == "AmlCompute" && rng.percent(70) {
            let ws = id.split("/computes/").next().unwrap_or_default().rsplit('/').next().unwrap_or_default().to_string();
            let spoke = vnet(&sub, &format!("vnet-{ws}"));
            v["properties"]["properties"] = json!({"subnet": {"id": format!("{spoke}/subnets/snet-train")}});
            if !spokes.iter().any(|(s, _)| *s == spoke) {
                spokes.push((spoke, rng.percent(90)));
            }
        }
    }
    let mut hubs: Vec<(String, Vec<Value>)> = (0..SUBSCRIPTIONS).map(|s| (vnet(&guid(0x5b5b5b5b, s), "vnet-hub"), Vec::new())).collect();
    for (spoke, peered) in &spokes {
        let hub = vnet(&sub_of(spoke), "vnet-hub");
        let peer = |to: &str| json!({"name": "peer", "properties": {"remoteVirtualNetwork": {"id": to}, "peeringState": "Connected"}});
        let peers = if *peered { vec![peer(&hub)] } else { Vec::new() };
        if *peered {
            if let Some((_, p)) = hubs.iter_mut().find(|(h, _)| *h == hub) {
                p.push(peer(spoke));
            }
        }
        extra.push(json!({"id": spoke, "name": spoke.rsplit('/').next(), "type": "Microsoft.Network/virtualNetworks", "location": "westeurope",
            "properties": {"subnets": [{"id": format!("{spoke}/subnets/snet-train"), "name": "snet-train"}], "virtualNetworkPeerings": peers}}));
    }
    for (hub, peers) in hubs {
        extra.push(json!({"id": hub, "name": "vnet-hub", "type": "Microsoft.Network/virtualNetworks", "location": "westeurope",
            "properties": {"subnets": [{"id": format!("{hub}/subnets/snet-pe"), "name": "snet-pe"}], "virtualNetworkPeerings": peers}}));
    }
    out.extend(extra);
}

/// Peak resident memory of this process so far (Linux), for docs/benchmarks.md.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Current resident memory, after resetting the peak counter so the next reading covers only
/// what follows (writing 5 to clear_refs resets VmHWM on Linux).
fn reset_peak_rss_mb() -> Option<f64> {
    std::fs::write("/proc/self/clear_refs", "5").ok()?;
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Nanoseconds this thread has spent on a CPU: the machine running the benchmark may be shared,
/// and on-CPU time is what "on one core" means.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat").ok().and_then(|s| s.split_whitespace().next()?.parse().ok()).unwrap_or(0)
}

/// On-CPU time of each phase of one analysis, averaged over a few runs.
fn phases(inv: &Inventory) {
    const RUNS: u64 = 5;
    let mut t = [0u64; 5];
    for _ in 0..RUNS {
        let t0 = cpu_ns();
        let ctx = access::Context::new(inv);
        let t1 = cpu_ns();
        let (expected, _) = access::expectations(&ctx);
        let t2 = cpu_ns();
        let (rows, _) = access::compute(&ctx, &expected);
        let t3 = cpu_ns();
        let findings = pullpath_core::findings::find(&ctx, &rows, &expected);
        let t4 = cpu_ns();
        drop((findings, rows, expected, ctx));
        let t5 = cpu_ns();
        for (acc, d) in t.iter_mut().zip([t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4]) {
            *acc += d;
        }
    }
    let ms = |ns: u64| ns as f64 / RUNS as f64 / 1e6;
    eprintln!(
        "on-CPU per analysis: index {:.0} ms, expectations {:.0} ms, access {:.0} ms, findings {:.0} ms, drop {:.0} ms; total {:.0} ms",
        ms(t[0]),
        ms(t[1]),
        ms(t[2]),
        ms(t[3]),
        ms(t[4]),
        ms(t.iter().sum())
    );
}

fn bench(c: &mut Criterion) {
    let resources = generate(0x5eed_1234_abcd_0001);
    // `PULLPATH_BENCH_ONCE=1`: one analysis and nothing else, for instruction counts under
    // `valgrind --tool=callgrind --toggle-collect=*access*analyze*` (stable on a shared
    // machine, where wall and even on-CPU times are not).
    // `PULLPATH_BENCH_ONCE=parse` (or `parse-sorted`): one snapshot parse, for
    // `valgrind --tool=callgrind --toggle-collect=*parse_once*`.
    let once_env = std::env::var("PULLPATH_BENCH_ONCE");
    if let Ok(which @ ("parse" | "parse-sorted")) = once_env.as_deref() {
        let document = if which == "parse" { arm_order(&resources) } else { json!({ "resources": resources }).to_string() };
        eprintln!("{} resources read from {} bytes", parse_once(&document), document.len());
        return;
    }
    if std::env::var_os("PULLPATH_BENCH_ONCE").is_some() {
        let (inv, _) = Inventory::from_resources(resources);
        let (rows, findings) = once(&inv);
        eprintln!("{rows} access rows, {findings} findings");
        return;
    }
    let document = arm_order(&resources);
    let sorted = json!({ "resources": resources }).to_string();
    let (inv, diags): (Inventory, _) = Inventory::from_resources(resources);
    assert!(diags.is_empty(), "{diags:?}");
    let before = reset_peak_rss_mb();
    let analysis = analysis::analyze(&inv);
    eprintln!(
        "large tenant: {} resources, {} access rows, {} findings, {} diagnostics; snapshot {:.1} MB; RSS before analysis {:.0} MB (inventory and document held), peak during analysis {:.0} MB",
        inv.len(),
        analysis.access.len(),
        analysis.findings.len(),
        analysis.diagnostics.len(),
        document.len() as f64 / 1e6,
        before.unwrap_or(f64::NAN),
        peak_rss_mb().unwrap_or(f64::NAN)
    );
    drop(analysis);
    phases(&inv);
    parse_rate("ARM's order", &document);
    parse_rate("keys sorted", &sorted);
    let mut group = c.benchmark_group("large tenant");
    group.sample_size(10);
    group.bench_function("analyze", |b| b.iter(|| analysis::analyze(std::hint::black_box(&inv))));
    group.finish();
    let mut group = c.benchmark_group("snapshot");
    group.sample_size(10);
    group.throughput(criterion::Throughput::Bytes(document.len() as u64));
    group.bench_function("parse", |b| b.iter(|| snapshot::parse(std::hint::black_box(&document)).map(|(i, _)| i.len())));
    group.finish();
}

/// On-CPU time and rate of reading the snapshot document (the inventory dropped included, as
/// a reader that replaces it pays).
fn parse_rate(what: &str, document: &str) {
    const RUNS: u32 = 5;
    let t0 = cpu_ns();
    for _ in 0..RUNS {
        std::hint::black_box(parse_once(document));
    }
    let ms = (cpu_ns() - t0) as f64 / f64::from(RUNS) / 1e6;
    eprintln!("on-CPU per snapshot parse ({what}): {ms:.0} ms for {:.1} MB, {:.0} MB/s", document.len() as f64 / 1e6, document.len() as f64 / 1e3 / ms);
}

/// The snapshot document compact, each resource's keys in the order ARM and `az` write them
/// (`id`, `name`, `type` first), as pullpath saves snapshots; a `Value`'s own text would sort
/// `type` near the end.
fn arm_order(resources: &[Value]) -> String {
    snapshot::resources_text(resources, false)
}

/// Kept out of line so callgrind can count exactly one parse, drop included.
#[inline(never)]
fn parse_once(document: &str) -> usize {
    snapshot::parse(std::hint::black_box(document)).map(|(inv, _)| inv.len()).unwrap_or(0)
}

/// Kept out of line so callgrind can count exactly the analysis, drop included.
#[inline(never)]
fn once(inv: &Inventory) -> (usize, usize) {
    let analysis = analysis::analyze(std::hint::black_box(inv));
    (analysis.access.len(), analysis.findings.len())
}

criterion_group!(benches, bench);
criterion_main!(benches);
