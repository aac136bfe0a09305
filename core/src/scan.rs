//! Discovery of a tenant's inventory as a sans-IO state machine.
//!
//! The scan hands out requests ([`Scan::poll_request`]) and takes their outcomes
//! ([`Scan::handle_response`]); the host sends them with whatever executor it has and tells
//! the scan what time it is ([`Scan::handle_timeout`]) — it never blocks, sleeps or reads a
//! clock. Like quinn's connection, it says when it next wants to be woken
//! ([`Scan::poll_timeout`]).
//!
//! Strategies: Azure Resource Graph first (one paged query for the resource types and one
//! for role assignments and custom roles — at, above and below the subscriptions, so those at
//! management groups come too — per batch of < 300 subscriptions, and one for where the
//! subscriptions sit under management groups), falling back to per-provider lists for a batch
//! when Resource Graph refuses or cuts an answer short (`resultTruncated` without a
//! `$skipToken`); per-provider lists alone (one list per type per subscription, computes and
//! connections per workspace; a subscription's role-assignment list also tells which
//! management groups above it hold assignments); and, for
//! comparison only, the per-resource strategy other tools use (one role-assignment list per
//! resource). `nextLink`s are followed only on the configured ARM origin ([`link::follow`]),
//! at most [`ScanConfig::max_pages_per_list`] pages a list and never back to a page already
//! read: a list cut off is reported as skipped, with a diagnostic. Requests are
//! limited in number in flight and per throttling bucket: the scan reads ARM's
//! `x-ms-ratelimit-remaining-*` and Resource Graph's `x-ms-user-quota-*` headers and holds
//! requests back before a bucket runs dry, and honours `Retry-After` on 429. A 403 marks the
//! scope skipped and the scan goes on. After a scan, [`Scan::refresh`] re-reads one resource
//! or one scope's role assignments without a full rescan.
//!
//! Last, when a Microsoft Graph origin is configured, the names of the principals in role
//! assignments and the members of groups ([`directory`](self::directory), in
//! `scan_directory.rs`); without one, the scan says what it did not read.
//!
//! Not here: sending requests, tokens, the clock (the host's executor and driver).

#[path = "scan_directory.rs"]
mod directory;
#[path = "scan_demand.rs"]
mod demand;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::engine::Engine;
use crate::arm::{ErrorResponse, ListPage, QueryRequest, QueryRequestOptions, QueryResponse, Subscription, SubscriptionContainer, SubscriptionContainerProperties, Tenant, AT_SCOPE_ABOVE_AND_BELOW, SUBSCRIPTION_TYPE};
use crate::executor::TransportError;
use crate::id::{ResourceId, ScopeLevel};
use crate::inventory::{Diagnostic, Inventory};
use crate::link::{self, LinkError, Pages};
use crate::request::{self, Method, Request, ResourceKind, Response};

pub use crate::engine::RequestId;

/// A scope the scan could not read, and why (shown to the user).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub scope: String,
    pub what: String,
    pub reason: String,
}

/// Counters for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Progress {
    /// Requests answered (including retried ones).
    pub requests_done: usize,
    /// Requests known so far; grows as pages and child lists are discovered.
    pub requests_planned: usize,
    /// Distinct resources found.
    pub items_found: usize,
    /// Requests sent again after a 429, a 5xx or a dropped connection.
    pub retries: usize,
    /// 429 answers received.
    pub throttled: usize,
}

/// What the scan found.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ScanResult {
    pub subscriptions: Vec<String>,
    pub inventory: Inventory,
    pub skipped: Vec<Skipped>,
    pub diagnostics: Vec<Diagnostic>,
    /// What `GET /subscriptions` listed (each once), when the scan read it: names and states
    /// for the subscription picker.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub listed: Vec<Subscription>,
    /// What `GET /tenants` listed ([`Start::Choices`] only): the directories to switch to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tenants: Vec<Tenant>,
    /// What happened to the subscription list, recorded where it happened (not read back from
    /// the words of `skipped`): see [`ScanResult::listing_problem`].
    #[serde(skip)]
    listing: Option<Listing>,
}

/// Why [`ScanResult::listed`] may not be the whole subscription list.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Listing {
    /// A request of the list was refused or failed.
    NotRead(String),
    /// A later page was not followed (a link off the origin, a loop, the page cap).
    Cut(String),
}

impl ScanResult {
    /// A result that no scan read: a snapshot file's inventory and what parsing it said.
    pub fn of_snapshot(inventory: Inventory, diagnostics: Vec<Diagnostic>) -> ScanResult {
        ScanResult { inventory, diagnostics, ..Default::default() }
    }

    /// What keeps [`ScanResult::listed`] from being the whole subscription list, in words for
    /// the picker: the list was refused or failed, or a later page could not be read. The
    /// directory list is not judged: without it the picker takes a directory by name.
    pub fn listing_problem(&self) -> Option<String> {
        match self.listing.as_ref()? {
            Listing::NotRead(why) => Some(format!("The subscription list could not be read: {why}")),
            Listing::Cut(why) => Some(format!("The subscription list may be incomplete: {why}")),
        }
    }
}

/// Where the scan starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// Every subscription the caller can see (`GET /subscriptions`).
    AllSubscriptions,
    /// Only these subscription ids.
    Subscriptions(Vec<String>),
    /// The subscriptions below a management group (resolved through Resource Graph).
    ManagementGroup(String),
    /// Nothing but the subscriptions and directories the caller can see (`GET /subscriptions`,
    /// `GET /tenants`, both paged), for choosing what to scan: [`ScanResult::listed`] and
    /// [`ScanResult::tenants`]. A directory list that fails is only skipped (the picker can
    /// take a directory by name).
    Choices,
}

/// How the scan reads the tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Strategy {
    /// Resource Graph queries; per-provider lists where Resource Graph is refused.
    ResourceGraph,
    /// One list per resource type per subscription (computes and connections per workspace).
    PerProvider,
    /// Per-provider lists for resources, then one role-assignment list per resource: what
    /// other tools do. Kept to measure against, not to use.
    PerResource,
}

/// Tuning. [`ScanConfig::new`] gives the defaults the product uses.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanConfig {
    /// The ARM origin (`https://management.azure.com`) that `nextLink`s must point at.
    pub origin: String,
    pub start: Start,
    pub strategy: Strategy,
    /// Requests in flight at once.
    pub max_in_flight: usize,
    /// Sends of one request before it is given up (counting the first).
    pub max_attempts: u32,
    /// Subscriptions per Resource Graph query (Resource Graph takes fewer than 300).
    pub graph_batch: usize,
    /// Split the subscriptions into at least this many batches (when there are enough), so
    /// that long `$skipToken` chains page in parallel instead of one after another.
    pub graph_chains: usize,
    /// Rows per Resource Graph page (`$top`, at most 1000).
    pub graph_page_size: u32,
    /// Hold requests back while a bucket's estimated remaining reads are at or below this.
    pub read_reserve: u32,
    /// Tokens per second an ARM read bucket refills (ARM: 25 per subscription and principal).
    pub read_refill_per_sec: u32,
    /// `nextLink` pages after the first that one list may have before the scan stops paging
    /// it and reports it incomplete.
    pub max_pages_per_list: usize,
    /// The Microsoft Graph origin (`https://graph.microsoft.com`) the host sends Graph
    /// requests to with a Graph token; `None`: the scan reads ARM only and says what that
    /// leaves unknown (names, group members).
    pub directory_origin: Option<String>,
    /// Transitive members read of one group before the scan stops paging it (and says so).
    pub max_group_members: usize,
    /// Member reads combined into one Microsoft Graph `$batch` (at most
    /// [`directory_request::MAX_REQUESTS_PER_BATCH`]); 1 sends each on its own.
    pub directory_batch: usize,
    /// Versions read of each workspace environment, newest first (`scan_demand.rs`); 0 reads
    /// none.
    pub environment_versions: usize,
    /// Jobs read of each workspace: pages are followed until this many are read, the newest
    /// of a page first (`scan_demand.rs`); 0 lists none.
    pub jobs: usize,
    /// Whether the DNS zone groups of registries' private endpoints are listed (one request
    /// per endpoint), and the virtual network links of the zones they name (one per zone);
    /// without them every private path's DNS is "not read" (`network`).
    pub private_dns: bool,
}

impl ScanConfig {
    pub fn new(origin: &str, start: Start) -> ScanConfig {
        ScanConfig {
            origin: origin.trim_end_matches('/').to_string(),
            start,
            strategy: Strategy::ResourceGraph,
            max_in_flight: 8,
            max_attempts: 5,
            graph_batch: 250,
            graph_chains: 4,
            graph_page_size: 1000,
            read_reserve: 10,
            read_refill_per_sec: 25,
            max_pages_per_list: link::MAX_PAGES,
            directory_origin: None,
            // A guard of ours, not a Graph limit: 100 default-size pages.
            max_group_members: 10_000,
            directory_batch: crate::directory_request::MAX_REQUESTS_PER_BATCH,
            environment_versions: 3,
            jobs: 20,
            private_dns: true,
        }
    }
}

/// What to re-read after an apply.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Refresh {
    /// One resource (GET); removed from the inventory if it is gone.
    Resource(ResourceId),
    /// The role assignments at and below one scope (and those inherited from above).
    Scope(ResourceId),
}

/// Resource Graph's "table and resource type reference"
/// (https://learn.microsoft.com/azure/governance/resource-graph/reference/supported-tables-resources)
/// lists `microsoft.machinelearningservices/workspaces` but neither `workspaces/computes` nor
/// `workspaces/connections`: those are listed per workspace. It does list
/// "microsoft.MachineLearningServices/workspaces/onlineEndpoints (Machine learning online
/// endpoints)" and "microsoft.ContainerInstance/containerGroups (Container instances)" in the
/// `resources` table, and "microsoft.Network/privateEndpoints (Private endpoints)" and
/// "microsoft.Network/virtualNetworks (Virtual networks)" there too.
const GRAPH_RESOURCE_TYPES: [ResourceKind; 8] = [
    ResourceKind::Registry,
    ResourceKind::Workspace,
    ResourceKind::ManagedCluster,
    ResourceKind::UserAssignedIdentity,
    ResourceKind::OnlineEndpoint,
    ResourceKind::ContainerGroup,
    ResourceKind::PrivateEndpoint,
    ResourceKind::VirtualNetwork,
];
/// The columns the scan reads of a `resourcecontainers` subscription row.
const CONTAINER_COLUMNS: [&str; 6] = ["id", "name", "type", "subscriptionId", "tenantId", "properties"];

/// The columns the scan reads of a resource row and of a role assignment or definition row.
const RESOURCE_COLUMNS: [&str; 9] = ["id", "name", "type", "location", "kind", "tags", "sku", "identity", "properties"];
const AUTHORIZATION_COLUMNS: [&str; 4] = ["id", "name", "type", "properties"];
/// The column of a grouped Resource Graph row that holds the group's resources.
const PACKED_COLUMN: &str = "items";

/// Resource types listed once per subscription by the per-provider strategies.
const PER_SUBSCRIPTION: [ResourceKind; 7] = [
    ResourceKind::Registry,
    ResourceKind::Workspace,
    ResourceKind::ManagedCluster,
    ResourceKind::UserAssignedIdentity,
    ResourceKind::ContainerGroup,
    ResourceKind::PrivateEndpoint,
    ResourceKind::VirtualNetwork,
];
/// Resource types listed once per workspace: always (Resource Graph does not index them), and
/// where the workspace's subscription is read per provider.
const PER_WORKSPACE: [ResourceKind; 2] = [ResourceKind::Compute, ResourceKind::Connection];
const PER_WORKSPACE_WITHOUT_GRAPH: [ResourceKind; 1] = [ResourceKind::OnlineEndpoint];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    /// Registries, workspaces, computes, clusters, identities.
    Resources,
    /// Role assignments and custom role definitions.
    Authorization,
    /// The subscriptions below a management group (with where each sits).
    Subscriptions,
    /// Where the subscriptions sit under management groups (`resourcecontainers`).
    Containers,
}

/// Private DNS zones whose links one scan reads: far more than the one or few
/// privatelink.azurecr.io zones a tenant keeps per region or subscription.
const MAX_DNS_ZONES: usize = 1_000;

#[derive(Debug, Clone)]
enum Step {
    Subscriptions,
    Tenants,
    /// `packed`: rows grouped per resource group with `summarize make_list(pack(...))`, so a
    /// thousand-row page carries a whole resource group's rows instead of a thousand of them.
    Graph { table: Table, subscriptions: Vec<String>, management_group: Option<String>, packed: bool },
    List { kind: ResourceKind, scope: ResourceId },
    /// A private endpoint's DNS zone groups, kept on the endpoint (`dns_zone_groups`).
    DnsZoneGroups { endpoint: ResourceId },
    /// A private DNS zone's virtual network links, kept on the zone.
    ZoneLinks { zone: ResourceId },
    Get { id: ResourceId },
    /// A role-assignment list that replaces what the inventory holds at and below `scope`
    /// (only on its first page).
    RefreshAssignments { scope: ResourceId, first_page: bool },
    /// Microsoft Graph `getByIds` for `count` principals.
    DirectoryNames { count: usize },
    /// Microsoft Graph `transitiveMembers` of one group (lowercase GUID).
    DirectoryMembers { group: String },
    /// Microsoft Graph: the service principal of an application id (an AKS cluster's).
    DirectoryApp { app_id: String },
    /// Microsoft Graph `$batch` of member reads; item `i` has the id `i`.
    DirectoryBatch { items: Vec<directory::BatchItem> },
}

impl Step {
    fn describe(&self) -> (String, String) {
        match self {
            Step::Subscriptions => ("/".into(), "subscriptions".into()),
            Step::Tenants => ("/".into(), "directories".into()),
            Step::Graph { table, subscriptions, management_group, .. } => {
                let scope = match management_group {
                    Some(mg) => format!("management group {mg}"),
                    None => format!("{} subscription(s) starting {}", subscriptions.len(), subscriptions.first().map(String::as_str).unwrap_or("-")),
                };
                (scope, format!("Resource Graph ({table:?})"))
            }
            Step::List { kind, scope } => (scope.to_string(), kind.type_name()),
            Step::DnsZoneGroups { endpoint } => (endpoint.to_string(), "private DNS zone groups".into()),
            Step::ZoneLinks { zone } => (zone.to_string(), "virtual network links".into()),
            Step::Get { id } => (id.to_string(), id.resource_type()),
            Step::RefreshAssignments { scope, .. } => (scope.to_string(), ResourceKind::RoleAssignment.type_name()),
            Step::DirectoryNames { count } => ("Microsoft Graph".into(), format!("names of {count} principal(s)")),
            Step::DirectoryMembers { group } => (format!("group {group}"), "transitive members".into()),
            Step::DirectoryApp { app_id } => (format!("application {app_id}"), "service principal".into()),
            Step::DirectoryBatch { items } => ("Microsoft Graph".into(), format!("transitive members of {} group(s)", items.len())),
        }
    }
}

/// A throttling bucket, as ARM and Resource Graph count requests.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Bucket {
    Tenant,
    Subscription(String),
    Graph,
    /// Microsoft Graph, which throttles on its own.
    Directory,
}

impl Bucket {
    fn of(req: &Request) -> Bucket {
        if crate::directory_request::is_graph(req) {
            return Bucket::Directory;
        }
        if req.method == Method::Post && req.path.to_ascii_lowercase().starts_with("/providers/microsoft.resourcegraph/") {
            return Bucket::Graph;
        }
        let mut segs = req.path.split('/').filter(|s| !s.is_empty());
        match (segs.next(), segs.next()) {
            (Some(s), Some(id)) if s.eq_ignore_ascii_case("subscriptions") => Bucket::Subscription(id.to_ascii_lowercase()),
            _ => Bucket::Tenant,
        }
    }
}

#[derive(Debug, Clone, Default)]
struct BucketState {
    /// Last remaining count the service reported, and when.
    remaining: Option<u64>,
    seen_at: Duration,
    /// Resource Graph: when its quota window resets.
    resets_at: Option<Duration>,
    in_flight: u64,
    /// After a 429: nothing goes to this bucket before then.
    blocked_until: Duration,
}

#[derive(Debug, Clone)]
struct Pending {
    step: Step,
    req: Request,
    bucket: Bucket,
    /// Sends so far.
    attempt: u32,
    not_before: Duration,
    /// The paged list this request is a later page of (a key of `Scan::lists`).
    list: Option<u64>,
}

#[derive(Debug)]
pub struct Scan {
    config: ScanConfig,
    now: Duration,
    ready: VecDeque<Pending>,
    delayed: Vec<Pending>,
    in_flight: BTreeMap<RequestId, Pending>,
    buckets: BTreeMap<Bucket, BucketState>,
    next_id: RequestId,
    progress: Progress,
    result: ScanResult,
    /// Lowercase ids (and `roledef:{guid}` for role definitions) already in the inventory.
    seen: HashSet<String>,
    /// Subscriptions already planned, so a subscription listed twice is scanned once.
    planned_subs: HashSet<String>,
    /// Subscription ids and tenant ids (lowercase) already in `result.listed` and
    /// `result.tenants`, so a list that repeats one keeps it once at constant cost per item.
    listed_subs: HashSet<String>,
    listed_tenants: HashSet<String>,
    /// Subscriptions whose role definitions were requested: once each, kept across refreshes.
    role_definitions_for: HashSet<String>,
    /// Workspaces whose computes/connections were requested.
    children_for: HashSet<String>,
    /// Resources whose role assignments were requested (per-resource strategy).
    assignments_for: HashSet<String>,
    /// Subscriptions whose `resourcecontainers` row was requested.
    containers_for: HashSet<String>,
    /// Each listed subscription's directory, by lowercase subscription id, from `GET
    /// /subscriptions` ("tenantId": "The subscription tenant ID.", 2022-12-01
    /// subscriptions.json `Subscription`): the tenant root group is the management group of that
    /// id, which a per-provider scan has no ancestors chain to tell.
    tenants: HashMap<String, String>,
    /// Subscriptions (lowercase) whose resources are read per provider rather than by Resource
    /// Graph; their workspaces' online endpoints are listed per workspace.
    per_provider_subs: HashSet<String>,
    /// Workspaces (keys) whose online endpoints were listed.
    endpoints_for: HashSet<String>,
    /// Private endpoints whose DNS zone groups are listed (or were).
    dns_for: HashSet<String>,
    /// Private DNS zones whose virtual network links are listed (or were).
    zones_for: HashSet<String>,
    /// Whether more zones than [`MAX_DNS_ZONES`] were named (said once).
    zones_capped: bool,
    /// Workspaces, environments and endpoints whose demand lists were requested.
    demand_for: HashSet<String>,
    /// Whether a job or deployment named an Azure ML registry's environment, so every
    /// subscription's AML registries are listed (`scan_demand.rs`).
    ml_registries_wanted: bool,
    graph_fallback_noted: bool,
    graph_unpacked_noted: bool,
    /// The pages read of each list being paged through `nextLink`s. An entry goes when its
    /// list ends; one whose page failed stays until the scan ends (a few strings).
    lists: HashMap<u64, Pages>,
    /// Per Resource Graph query (its first request's body): pages followed and the
    /// `$skipToken`s seen, so a looping or endless query stops.
    graph_pages: HashMap<String, (usize, std::collections::HashSet<String>)>,
    next_list: u64,
    directory: directory::DirectoryState,
    /// [`Scan::stop`] was called: nothing more is queued.
    stopped: bool,
}

impl Scan {
    /// A scan with the default configuration: Resource Graph first.
    pub fn new(origin: &str, start: Start) -> Scan {
        Scan::with_config(ScanConfig::new(origin, start))
    }

    pub fn with_config(config: ScanConfig) -> Scan {
        let mut config = config;
        config.origin = config.origin.trim_end_matches('/').to_string();
        config.directory_origin = config.directory_origin.map(|o| o.trim_end_matches('/').to_string());
        config.graph_batch = config.graph_batch.clamp(1, 299);
        config.graph_page_size = config.graph_page_size.clamp(1, 1000);
        config.max_in_flight = config.max_in_flight.max(1);
        config.max_attempts = config.max_attempts.max(1);
        config.directory_batch = config.directory_batch.clamp(1, crate::directory_request::MAX_REQUESTS_PER_BATCH);
        let start = config.start.clone();
        let mut scan = Scan {
            config,
            now: Duration::ZERO,
            ready: VecDeque::new(),
            delayed: Vec::new(),
            in_flight: BTreeMap::new(),
            buckets: BTreeMap::new(),
            next_id: 0,
            progress: Progress::default(),
            result: ScanResult::default(),
            seen: HashSet::new(),
            planned_subs: HashSet::new(),
            listed_subs: HashSet::new(),
            listed_tenants: HashSet::new(),
            role_definitions_for: HashSet::new(),
            children_for: HashSet::new(),
            assignments_for: HashSet::new(),
            containers_for: HashSet::new(),
            tenants: HashMap::new(),
            per_provider_subs: HashSet::new(),
            endpoints_for: HashSet::new(),
            dns_for: HashSet::new(),
            zones_for: HashSet::new(),
            zones_capped: false,
            demand_for: HashSet::new(),
            ml_registries_wanted: false,
            graph_fallback_noted: false,
            graph_unpacked_noted: false,
            lists: HashMap::new(),
            graph_pages: HashMap::new(),
            next_list: 0,
            directory: Default::default(),
            stopped: false,
        };
        match start {
            Start::AllSubscriptions => scan.enqueue(Step::Subscriptions, request::list_subscriptions()),
            Start::Choices => {
                scan.enqueue(Step::Subscriptions, request::list_subscriptions());
                scan.enqueue(Step::Tenants, request::list_tenants());
            }
            Start::Subscriptions(subs) => scan.plan_subscriptions(subs),
            Start::ManagementGroup(mg) => {
                let step = Step::Graph { table: Table::Subscriptions, subscriptions: Vec::new(), management_group: Some(mg), packed: false };
                let req = scan.graph_request(&step, None);
                scan.enqueue(step, req);
            }
        }
        scan
    }

    /// A finished scan holding `previous` (a result this scan machinery produced, kept by the
    /// host), ready for [`Scan::refresh`]: what it holds counts as read, so a refresh re-reads
    /// only its targets — no subscription list, role definitions or child lists again.
    /// `config.start` is not acted on.
    pub fn resume(config: ScanConfig, previous: ScanResult) -> Scan {
        let mut scan = Scan::with_config(ScanConfig { start: Start::Subscriptions(Vec::new()), ..config });
        let inv = &previous.inventory;
        let ids = inv
            .registries
            .iter()
            .map(|x| &x.id)
            .chain(inv.workspaces.iter().map(|x| &x.id))
            .chain(inv.computes.iter().map(|x| &x.id))
            .chain(inv.connections.iter().map(|x| &x.id))
            .chain(inv.managed_clusters.iter().map(|x| &x.id))
            .chain(inv.identities.iter().map(|x| &x.id))
            .chain(inv.online_endpoints.iter().map(|x| &x.id))
            .chain(inv.container_groups.iter().map(|x| &x.id))
            .chain(inv.environments.iter().map(|x| &x.id))
            .chain(inv.environment_versions.iter().map(|x| &x.id))
            .chain(inv.online_deployments.iter().map(|x| &x.id))
            .chain(inv.private_endpoints.iter().map(|x| &x.id))
            .chain(inv.virtual_networks.iter().map(|x| &x.id))
            .chain(inv.private_dns_zones.iter().map(|x| &x.id))
            .chain(inv.jobs.iter().map(|x| &x.id))
            .chain(inv.role_assignments.iter().map(|x| &x.id))
            .chain(inv.subscriptions.iter().map(|x| &x.id));
        scan.seen = ids.map(|id| id.key().to_string()).collect();
        scan.endpoints_for = inv.workspaces.iter().map(|w| w.id.key().to_string()).collect();
        scan.seen.extend(inv.role_definitions.iter().map(|d| format!("roledef:{}", d.id.name().to_ascii_lowercase())));
        scan.children_for = inv.workspaces.iter().map(|w| w.id.key().to_string()).collect();
        scan.demand_for = demand::planned_for(inv);
        scan.ml_registries_wanted = demand::names_ml_registry(inv);
        let subs: HashSet<String> = previous.subscriptions.iter().map(|s| s.to_ascii_lowercase()).collect();
        scan.planned_subs = subs.clone();
        scan.containers_for = subs.clone();
        scan.role_definitions_for = subs;
        scan.progress.items_found = scan.seen.len();
        scan.result = previous;
        scan
    }

    pub fn config(&self) -> &ScanConfig {
        &self.config
    }

    fn enqueue(&mut self, step: Step, req: Request) {
        self.enqueue_page(step, req, None);
    }

    fn enqueue_page(&mut self, step: Step, req: Request, list: Option<u64>) {
        if self.stopped {
            return;
        }
        // Member reads wait to be combined into `$batch`es (`flush_members`).
        match step {
            Step::DirectoryMembers { group } => self.directory.members_queue.push(directory::BatchItem { group, req, list, attempt: 0 }),
            step => self.push_ready(step, req, list, 0),
        }
    }

    fn push_ready(&mut self, step: Step, req: Request, list: Option<u64>, attempt: u32) {
        self.progress.requests_planned += 1;
        let bucket = Bucket::of(&req);
        self.ready.push_back(Pending { step, req, bucket, attempt, not_before: Duration::ZERO, list });
    }

    fn skip(&mut self, step: &Step, reason: String) {
        if let Step::List { kind: ResourceKind::RoleAssignment, scope } = step {
            // Part of the list is missing: which groups above hold assignments is not known.
            self.result.inventory.subscriptions.retain(|c| !(c.id == *scope && c.properties.management_group_ancestors_chain.is_none()));
        }
        if matches!(step, Step::Subscriptions) && !matches!(self.result.listing, Some(Listing::NotRead(_))) {
            // A refusal says more than a cut: it wins whatever came first.
            self.result.listing = Some(Listing::NotRead(reason.clone()));
        }
        let (scope, what) = step.describe();
        self.result.skipped.push(Skipped { scope, what, reason });
    }

    fn plan_subscriptions(&mut self, subs: Vec<String>) {
        let mut fresh = Vec::new();
        for s in subs {
            match ResourceId::subscription(&s) {
                Ok(_) if self.planned_subs.insert(s.to_ascii_lowercase()) => fresh.push(s),
                Ok(_) => {}
                Err(e) => self.result.diagnostics.push(Diagnostic { at: s.clone(), message: e.to_string() }),
            }
        }
        if fresh.is_empty() {
            return;
        }
        self.result.subscriptions.extend(fresh.iter().cloned());
        match self.config.strategy {
            Strategy::ResourceGraph => {
                // Built-in roles are the same everywhere: one list, from the first subscription.
                // Custom roles of every subscription come with the role assignments.
                if self.role_definitions_for.is_empty() {
                    self.plan_role_definitions(&fresh[0]);
                }
                // Where the subscriptions sit, for management-group assignments: one query per
                // batch of < 300 (a management-group start already brought the rows).
                let unplaced: Vec<String> = fresh.iter().filter(|s| self.containers_for.insert(s.to_ascii_lowercase())).cloned().collect();
                for chunk in unplaced.chunks(self.config.graph_batch) {
                    let step = Step::Graph { table: Table::Containers, subscriptions: chunk.to_vec(), management_group: None, packed: false };
                    let req = self.graph_request(&step, None);
                    self.enqueue(step, req);
                }
                let chains = self.config.graph_chains.max(1).min(fresh.len());
                let size = fresh.len().div_ceil(chains).min(self.config.graph_batch);
                for chunk in fresh.chunks(size) {
                    for table in [Table::Resources, Table::Authorization] {
                        let step = Step::Graph { table, subscriptions: chunk.to_vec(), management_group: None, packed: true };
                        let req = self.graph_request(&step, None);
                        self.enqueue(step, req);
                    }
                }
            }
            Strategy::PerProvider | Strategy::PerResource => {
                for s in &fresh {
                    self.plan_lists(s, Table::Resources);
                    self.plan_lists(s, Table::Authorization);
                }
            }
        }
        if self.ml_registries_wanted {
            for s in &fresh {
                self.plan_ml_registries(s);
            }
        }
    }

    /// Per-provider lists for one subscription: the resource types, or (for
    /// `Authorization`) its role assignments and role definitions.
    fn plan_lists(&mut self, sub: &str, table: Table) {
        let Ok(id) = ResourceId::subscription(sub) else { return };
        match table {
            Table::Resources => {
                self.per_provider_subs.insert(sub.to_ascii_lowercase());
                for kind in PER_SUBSCRIPTION {
                    self.enqueue(Step::List { kind, scope: id.clone() }, request::list_in_subscription(&id, kind));
                }
                // Workspaces Resource Graph already returned before it gave up on this
                // subscription would otherwise never have their endpoints listed.
                let known: Vec<ResourceId> = self.result.inventory.workspaces.iter().filter(|w| w.id.subscription_id().is_some_and(|s| s.eq_ignore_ascii_case(sub))).map(|w| w.id.clone()).collect();
                for ws in known {
                    self.plan_endpoint_lists(&ws);
                }
            }
            Table::Authorization => {
                if self.config.strategy != Strategy::PerResource {
                    let kind = ResourceKind::RoleAssignment;
                    self.enqueue(Step::List { kind, scope: id.clone() }, request::list_in_subscription(&id, kind));
                }
                self.plan_role_definitions(sub);
            }
            Table::Subscriptions | Table::Containers => {}
        }
    }

    fn plan_role_definitions(&mut self, sub: &str) {
        let Ok(id) = ResourceId::subscription(sub) else { return };
        if self.role_definitions_for.insert(sub.to_ascii_lowercase()) {
            self.enqueue(Step::List { kind: ResourceKind::RoleDefinition, scope: id.clone() }, request::list_role_definitions(&id));
        }
    }

    /// Why a Resource Graph query's next `$skipToken` must not be followed: it repeats one the
    /// same query already sent (a loop), or the query is past the page cap. `None`: follow it.
    fn graph_page_refused(&mut self, step: &Step, token: &str) -> Option<String> {
        let key = self.graph_request(step, None).body.map(|b| b.to_string()).unwrap_or_default();
        let cap = self.config.max_pages_per_list;
        let (pages, tokens) = self.graph_pages.entry(key).or_default();
        *pages += 1;
        if !tokens.insert(token.to_string()) {
            return Some("Resource Graph sent a $skipToken it had already sent for this query; paging stopped there, so the answer may be incomplete".into());
        }
        (*pages > cap).then(|| format!("Resource Graph paged on past {cap} pages for one query; paging stopped there, so the answer may be incomplete"))
    }

    fn graph_request(&self, step: &Step, skip_token: Option<String>) -> Request {
        let Step::Graph { table, subscriptions, management_group, packed } = step else { unreachable!("graph_request is only called for graph steps") };
        let types = |kinds: &[ResourceKind]| kinds.iter().map(|k| format!("'{}'", k.type_name().to_ascii_lowercase())).collect::<Vec<_>>().join(", ");
        let rows = |from: &str, types: String, columns: &[&str]| {
            if *packed {
                // Resource Graph counts every page against the caller's quota (15 queries per
                // 5 s by default) and pages hold at most 1,000 rows: 50,000 role assignments
                // row by row are 50 queries and three quota windows; grouped per resource
                // group they are one page. `subscriptionId` and `resourceGroup` are strings,
                // so the grouped answer can still page (Resource Graph cannot page a result
                // whose columns are all dynamic).
                let pairs = columns.iter().map(|c| format!("'{c}', {c}")).collect::<Vec<_>>().join(", ");
                format!("{from} | where type in~ ({types}) | summarize {PACKED_COLUMN} = make_list(pack({pairs})) by subscriptionId, resourceGroup | order by subscriptionId asc, resourceGroup asc")
            } else {
                format!("{from} | where type in~ ({types}) | order by id asc | project {}", columns.join(", "))
            }
        };
        let query = match table {
            Table::Resources => rows("resources", types(&GRAPH_RESOURCE_TYPES), &RESOURCE_COLUMNS),
            Table::Authorization => rows("authorizationresources", types(&[ResourceKind::RoleAssignment, ResourceKind::RoleDefinition]), &AUTHORIZATION_COLUMNS),
            Table::Subscriptions | Table::Containers => format!("resourcecontainers | where type =~ '{SUBSCRIPTION_TYPE}' | order by id asc | project {}", CONTAINER_COLUMNS.join(", ")),
        };
        // Without it `authorizationresources` holds only what is at or below the subscriptions:
        // assignments at management groups and the tenant root group would be missing.
        let authorization_scope_filter = (*table == Table::Authorization).then(|| AT_SCOPE_ABOVE_AND_BELOW.to_string());
        let body = QueryRequest {
            subscriptions: subscriptions.clone(),
            management_groups: management_group.iter().cloned().collect(),
            query,
            options: Some(QueryRequestOptions {
                top: Some(self.config.graph_page_size),
                skip: None,
                skip_token,
                result_format: Some("objectArray".into()),
                authorization_scope_filter,
            }),
        };
        request::resource_graph(&body)
    }

    /// Tells the scan the time (any monotonic clock the host likes, from any origin).
    pub fn handle_timeout(&mut self, now: Duration) {
        self.now = self.now.max(now);
    }

    /// The next request to send, if one may go at `now`.
    pub fn poll_request(&mut self, now: Duration) -> Option<(RequestId, Request)> {
        self.handle_timeout(now);
        self.promote_delayed();
        self.flush_members();
        if self.in_flight.len() >= self.config.max_in_flight {
            return None;
        }
        let now = self.now;
        // Buckets are few (one per subscription); remember the ones already found blocked.
        let mut blocked: Vec<&Bucket> = Vec::new();
        let pos = self.ready.iter().position(|p| {
            if blocked.contains(&&p.bucket) {
                return false;
            }
            let ok = self.bucket_ready_at(&p.bucket).is_some_and(|t| t <= now);
            if !ok {
                blocked.push(&p.bucket);
            }
            ok
        })?;
        let mut pending = self.ready.remove(pos)?;
        pending.attempt += 1;
        self.buckets.entry(pending.bucket.clone()).or_default().in_flight += 1;
        let id = self.next_id;
        self.next_id += 1;
        let req = pending.req.clone();
        self.in_flight.insert(id, pending);
        Some((id, req))
    }

    /// When the scan next has something to send, if that is a matter of time (a backoff or a
    /// refilling bucket). `None` when it is waiting only for responses, or done.
    pub fn poll_timeout(&self) -> Option<Duration> {
        let delayed = self.delayed.iter().map(|p| p.not_before).min();
        let buckets: std::collections::BTreeSet<&Bucket> = crate::sort::collect_set(self.ready.iter().map(|p| &p.bucket));
        // A bucket ready now waits only for a free slot, which a response brings.
        let blocked = buckets.iter().filter_map(|b| self.bucket_ready_at(b)).filter(|t| *t > self.now).min();
        match (delayed, blocked) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn promote_delayed(&mut self) {
        let now = self.now;
        let (due, later): (Vec<Pending>, Vec<Pending>) = std::mem::take(&mut self.delayed).into_iter().partition(|p| p.not_before <= now);
        self.delayed = later;
        // Retries go first: they are the oldest work.
        for p in due.into_iter().rev() {
            self.ready.push_front(p);
        }
    }

    /// The earliest time a new request may go to `bucket`; `None` while it must wait for
    /// responses in flight.
    fn bucket_ready_at(&self, bucket: &Bucket) -> Option<Duration> {
        let Some(b) = self.buckets.get(bucket) else { return Some(Duration::ZERO) };
        let now = self.now;
        if b.blocked_until > now {
            return Some(b.blocked_until);
        }
        let Some(remaining) = b.remaining else { return Some(now) };
        match bucket {
            // Graph publishes no remaining count the scan reads; only a 429 blocks it.
            Bucket::Directory => Some(now),
            Bucket::Graph => {
                // The quota window resets as a whole: the old count no longer applies.
                if b.resets_at.is_some_and(|r| r <= now) || remaining > b.in_flight {
                    return Some(now);
                }
                match b.resets_at {
                    Some(r) => Some(r),
                    None if b.in_flight > 0 => None,
                    None => Some(now + Duration::from_secs(1)),
                }
            }
            Bucket::Tenant | Bucket::Subscription(_) => {
                let refill = u64::from(self.config.read_refill_per_sec.max(1));
                let need = u64::from(self.config.read_reserve) + 1 + b.in_flight;
                let elapsed_ms = now.saturating_sub(b.seen_at).as_millis() as u64;
                let estimate = remaining + elapsed_ms * refill / 1000;
                if estimate >= need {
                    return Some(now);
                }
                let wait_ms = ((need - remaining) * 1000).div_ceil(refill);
                Some(b.seen_at + Duration::from_millis(wait_ms))
            }
        }
    }

    /// Reads the throttling headers of any response.
    fn observe_headers(&mut self, bucket: &Bucket, resp: &Response) {
        let now = self.now;
        let state = self.buckets.entry(bucket.clone()).or_default();
        let header = |name: &str| resp.header(name).and_then(|v| v.trim().parse::<u64>().ok());
        match bucket {
            Bucket::Graph => {
                if let Some(r) = header("x-ms-user-quota-remaining") {
                    // Answers overtake each other: within one quota window the count only
                    // falls, so a larger figure arriving late is stale, not a refill.
                    let same_window = state.resets_at.is_some_and(|at| now < at);
                    state.remaining = Some(match state.remaining {
                        Some(old) if same_window => old.min(r),
                        _ => r,
                    });
                    state.seen_at = now;
                    if !same_window {
                        state.resets_at = resp.header("x-ms-user-quota-resets-after").and_then(parse_hms).map(|d| now + d);
                    }
                }
            }
            Bucket::Directory => {}
            Bucket::Tenant | Bucket::Subscription(_) => {
                let name = if matches!(bucket, Bucket::Tenant) { "x-ms-ratelimit-remaining-tenant-reads" } else { "x-ms-ratelimit-remaining-subscription-reads" };
                if let Some(r) = header(name) {
                    state.remaining = Some(r);
                    state.seen_at = now;
                }
            }
        }
    }

    /// Feeds the outcome of request `id`, answered at `now`.
    pub fn handle_response(&mut self, now: Duration, id: RequestId, outcome: Result<Response, TransportError>) {
        self.handle_timeout(now);
        // A page of role assignments repeats a few role definitions and scopes: each distinct
        // id in it is parsed once (`id::shared`).
        crate::id::shared::sharing(|| self.handle_outcome(id, outcome));
        // The ARM work may be done now: then Microsoft Graph's turn (names, group members).
        self.maybe_start_directory();
        self.flush_members();
    }

    fn handle_outcome(&mut self, id: RequestId, outcome: Result<Response, TransportError>) {
        let Some(pending) = self.in_flight.remove(&id) else { return };
        self.progress.requests_done += 1;
        let bucket = pending.bucket.clone();
        if let Some(b) = self.buckets.get_mut(&bucket) {
            b.in_flight = b.in_flight.saturating_sub(1);
        }
        let resp = match outcome {
            Ok(r) => r,
            Err(TransportError::Network(e)) => return self.retry(pending, None, &format!("network error: {e}")),
            Err(e @ TransportError::Unauthenticated(_)) => return self.skip(&pending.step, format!("{e}; sign in again and rescan")),
            Err(e) => return self.skip(&pending.step, format!("{e}; rescan to read it")),
        };
        self.observe_headers(&bucket, &resp);
        match resp.status {
            200..=299 if matches!(pending.step, Step::DirectoryNames { .. } | Step::DirectoryApp { .. }) => self.directory_names(&resp),
            200..=299 if matches!(pending.step, Step::DirectoryMembers { .. }) => self.directory_members(pending, &resp),
            200..=299 if matches!(pending.step, Step::DirectoryBatch { .. }) => self.directory_batch(pending, &resp),
            200..=299 => self.handle_success(pending, &resp),
            429 => {
                self.progress.throttled += 1;
                let after = resp.header("retry-after").and_then(parse_seconds);
                let wait = after.unwrap_or_else(|| backoff(pending.attempt, Duration::from_secs(1)));
                let b = self.buckets.entry(bucket).or_default();
                b.blocked_until = b.blocked_until.max(self.now + wait);
                self.retry(pending, Some(wait), &error_text(&resp))
            }
            408 | 500..=599 => self.retry(pending, None, &error_text(&resp)),
            // A Graph that does not take `$batch` (or not this one): each read on its own.
            400 if matches!(pending.step, Step::DirectoryBatch { .. }) => self.unbatch(pending),
            _ if matches!(pending.step, Step::DirectoryNames { .. } | Step::DirectoryMembers { .. } | Step::DirectoryApp { .. } | Step::DirectoryBatch { .. }) => self.directory_refused(&pending.step, &resp),
            401 => self.skip(&pending.step, format!("{}; the sign-in has expired or is for another tenant: sign in again and rescan", error_text(&resp))),
            // A Resource Graph that cannot run the grouped query (an older or restricted KQL
            // dialect) can still page the plain rows.
            400 if matches!(pending.step, Step::Graph { packed: true, .. }) => self.unpack(&pending.step, &error_text(&resp)),
            // Resource Graph refused (forbidden by policy, not registered, a query it cannot
            // run): the same data is there per provider.
            _ if matches!(pending.step, Step::Graph { table: Table::Resources | Table::Authorization, .. }) => self.fall_back(&pending.step, &error_text(&resp)),
            // No per-provider list says where a subscription sits; the role-assignment lists
            // of a fallback do, in part.
            _ if matches!(pending.step, Step::Graph { table: Table::Containers, .. }) => self.containers_unknown(&pending.step, &error_text(&resp)),
            403 => self.skip(&pending.step, format!("not readable: {}", error_text(&resp))),
            404 if matches!(pending.step, Step::Get { .. }) => {
                if let Step::Get { id } = &pending.step {
                    self.forget(id);
                }
            }
            _ => self.skip(&pending.step, error_text(&resp)),
        }
    }

    fn retry(&mut self, mut pending: Pending, wait: Option<Duration>, reason: &str) {
        if self.stopped {
            return self.skip(&pending.step, format!("{reason}; not retried: the scan was stopped"));
        }
        if pending.attempt >= self.config.max_attempts {
            let tries = pending.attempt;
            return match pending.step {
                Step::Graph { table: Table::Resources | Table::Authorization, .. } => self.fall_back(&pending.step, reason),
                Step::Graph { table: Table::Containers, .. } => self.containers_unknown(&pending.step, &format!("{reason}, gave up after {tries} tries")),
                _ => self.skip(&pending.step, format!("{reason} (gave up after {tries} tries)")),
            };
        }
        self.progress.retries += 1;
        self.progress.requests_planned += 1;
        pending.not_before = self.now + wait.unwrap_or_else(|| backoff(pending.attempt, Duration::from_millis(500)));
        self.delayed.push(pending);
    }

    /// Resource Graph refused the grouped query of a batch: ask for the same rows one by one.
    fn unpack(&mut self, step: &Step, reason: &str) {
        let Step::Graph { table, subscriptions, management_group, .. } = step else { return };
        if !self.graph_unpacked_noted {
            self.graph_unpacked_noted = true;
            self.result.diagnostics.push(Diagnostic {
                at: "/providers/Microsoft.ResourceGraph/resources".into(),
                message: format!("Resource Graph could not give the grouped rows ({reason}); reading its rows one by one instead, which takes more queries"),
            });
        }
        let step = Step::Graph { table: *table, subscriptions: subscriptions.clone(), management_group: management_group.clone(), packed: false };
        let req = self.graph_request(&step, None);
        self.enqueue(step, req);
    }

    /// Resource Graph did not say where some subscriptions sit under management groups.
    fn containers_unknown(&mut self, step: &Step, reason: &str) {
        let (scope, _) = step.describe();
        self.result.diagnostics.push(Diagnostic {
            at: "/providers/Microsoft.ResourceGraph/resources".into(),
            message: format!("Resource Graph did not say where {scope} sit under management groups ({reason}); where their role-assignment lists are read per provider they tell, otherwise assignments at management groups are of unknown reach there"),
        });
    }

    /// Resource Graph's answer was cut short and nothing can page on: say what may be missing.
    fn cut_short(&mut self, step: &Step, what: &str) {
        let (scope, query) = step.describe();
        self.result.diagnostics.push(Diagnostic {
            at: "/providers/Microsoft.ResourceGraph/resources".into(),
            message: format!("{query} for {scope} came back cut short (resultTruncated: true, no $skipToken), so the inventory is incomplete: {what}"),
        });
    }

    /// Resource Graph refused a batch: read those subscriptions per provider instead.
    fn fall_back(&mut self, step: &Step, reason: &str) {
        let Step::Graph { table, subscriptions, .. } = step else { return };
        if !self.graph_fallback_noted {
            self.graph_fallback_noted = true;
            self.result.diagnostics.push(Diagnostic {
                at: "/providers/Microsoft.ResourceGraph/resources".into(),
                message: format!("Resource Graph is not available ({reason}); reading per resource provider instead, which takes more requests"),
            });
        }
        for s in subscriptions.clone() {
            self.plan_lists(&s, *table);
        }
    }

    fn handle_success(&mut self, pending: Pending, resp: &Response) {
        let Pending { step, req, list, .. } = pending;
        match &step {
            Step::Graph { table, packed, .. } => {
                let page: QueryResponse = match serde_json::from_str(&resp.body) {
                    Ok(p) => p,
                    Err(e) => return self.fall_back(&step, &format!("the answer is not a Resource Graph response: {e}")),
                };
                let truncated = page.is_truncated();
                let rows = match page.data {
                    Value::Array(rows) => rows,
                    _ => Vec::new(),
                };
                let rows = if *packed {
                    match unpack_rows(rows) {
                        Ok(rows) => rows,
                        // Checked before following the page's $skipToken: the plain query
                        // starts over from its first page.
                        Err(e) => return self.unpack(&step, &e),
                    }
                } else {
                    rows
                };
                let token = page.skip_token.clone().filter(|t| !t.is_empty());
                // A $skipToken this query already sent, or one page too many, would page
                // forever: paging stops there, and the query counts as cut short.
                let refused = token.as_deref().and_then(|t| self.graph_page_refused(&step, t));
                if let Some(why) = &refused {
                    self.result.diagnostics.push(Diagnostic { at: req.path.clone(), message: why.clone() });
                }
                let token = if refused.is_some() { None } else { token };
                // Cut short with no way to page on: never taken as complete.
                let cut_short = (truncated && token.is_none()) || refused.is_some();
                if cut_short && *packed {
                    // The plain rows project `id`, so they page.
                    return self.unpack(&step, "Resource Graph cut the grouped answer short (resultTruncated) without a $skipToken");
                }
                if let Some(token) = token {
                    let next = self.graph_request(&step, Some(token));
                    self.enqueue(step.clone(), next);
                }
                if *table == Table::Subscriptions {
                    let subs: Vec<String> = rows.iter().filter_map(|r| r.get("subscriptionId").and_then(Value::as_str)).map(str::to_string).collect();
                    for s in &subs {
                        self.containers_for.insert(s.to_ascii_lowercase());
                    }
                    if cut_short {
                        self.cut_short(&step, "some subscriptions of the management group may be missing");
                    }
                    for row in rows {
                        self.add_item(row, Merge::KeepFirst);
                    }
                    return self.plan_subscriptions(subs);
                }
                for row in rows {
                    self.add_item(row, Merge::KeepFirst);
                }
                if cut_short {
                    match table {
                        Table::Containers => self.cut_short(&step, "where some subscriptions sit under management groups is unknown, so assignments at management groups are not counted there"),
                        _ => self.fall_back(&step, "Resource Graph cut its answer short (resultTruncated) without a $skipToken"),
                    }
                }
            }
            // Answered in `directory` before they get here.
            Step::DirectoryNames { .. } | Step::DirectoryMembers { .. } | Step::DirectoryApp { .. } | Step::DirectoryBatch { .. } => {}
            Step::Get { .. } => {
                if let Ok(v) = serde_json::from_str::<Value>(&resp.body) {
                    self.add_item(v, Merge::Replace);
                }
            }
            Step::Subscriptions | Step::Tenants | Step::List { .. } | Step::RefreshAssignments { .. } | Step::DnsZoneGroups { .. } | Step::ZoneLinks { .. } => {
                let page: ListPage<Value> = match serde_json::from_str(&resp.body) {
                    Ok(p) => demand::trim_page(&step, p, &self.config, &self.result.inventory, &mut self.result.diagnostics),
                    Err(e) => {
                        self.result.diagnostics.push(Diagnostic { at: req.path.clone(), message: format!("the response is not an ARM list: {e}") });
                        return;
                    }
                };
                match page.next_link.as_deref().filter(|l| !l.is_empty()) {
                    Some(next) => {
                        let next_step = match &step {
                            Step::RefreshAssignments { scope, .. } => Step::RefreshAssignments { scope: scope.clone(), first_page: false },
                            other => other.clone(),
                        };
                        self.follow(next_step, next, &req, list);
                    }
                    None => {
                        if let Some(list) = list {
                            self.lists.remove(&list);
                        }
                    }
                }
                match &step {
                    Step::Subscriptions => {
                        let mut subs = Vec::new();
                        for v in page.value {
                            let sub: Subscription = match serde_json::from_value(v) {
                                Ok(s) => s,
                                Err(e) => {
                                    self.result.diagnostics.push(Diagnostic { at: req.path.clone(), message: format!("a subscription in the list could not be read: {e}") });
                                    continue;
                                }
                            };
                            if let Some(tenant) = sub.tenant_id.as_deref().filter(|t| !t.is_empty() && !t.contains('/')) {
                                self.tenants.insert(sub.subscription_id.to_ascii_lowercase(), tenant.to_string());
                            }
                            if self.listed_subs.insert(sub.subscription_id.to_ascii_lowercase()) {
                                subs.push(sub.subscription_id.clone());
                                self.result.listed.push(sub);
                            }
                        }
                        if self.config.start != Start::Choices {
                            self.plan_subscriptions(subs);
                        }
                    }
                    Step::Tenants => {
                        for v in page.value {
                            match serde_json::from_value::<Tenant>(v) {
                                Ok(t) if self.listed_tenants.insert(t.tenant_id.to_ascii_lowercase()) => self.result.tenants.push(t),
                                Ok(_) => {}
                                Err(e) => self.result.diagnostics.push(Diagnostic { at: req.path.clone(), message: format!("a directory in the list could not be read: {e}") }),
                            }
                        }
                    }
                    Step::DnsZoneGroups { endpoint } => self.add_dns_zone_groups(endpoint, page.value, &req.path),
                    Step::ZoneLinks { zone } => self.add_zone_links(zone, page.value, &req.path),
                    Step::RefreshAssignments { scope, first_page } => {
                        if *first_page {
                            self.forget_assignments_within(scope);
                        }
                        for v in page.value {
                            self.add_item(v, Merge::Replace);
                        }
                    }
                    _ => {
                        if let Step::List { kind: ResourceKind::RoleAssignment, scope } = &step {
                            if scope.level() == ScopeLevel::Subscription {
                                self.learn_groups_above(scope, &page.value);
                            }
                        }
                        for v in page.value {
                            self.add_item(v, Merge::KeepFirst);
                        }
                    }
                }
            }
        }
    }

    /// A page of subscription `sub`'s role-assignment list: the assignments at management groups
    /// in it are there because the groups are above `sub` (the list returns "all role
    /// assignments that apply to a subscription"), which is what pullpath records where
    /// Resource Graph's chain is not known.
    fn learn_groups_above(&mut self, sub: &ResourceId, items: &[Value]) {
        let groups: Vec<String> = items.iter().filter_map(assignment_scope).filter(|s| s.level() == ScopeLevel::ManagementGroup).map(|s| s.name().to_string()).collect();
        let tenant = self.tenants.get(&sub.name().to_ascii_lowercase()).cloned();
        let rows = &mut self.result.inventory.subscriptions;
        let row = match rows.iter().position(|c| c.id == *sub) {
            Some(i) => &mut rows[i],
            None => {
                rows.push(SubscriptionContainer {
                    id: sub.clone(),
                    name: sub.name().to_string(),
                    ty: SUBSCRIPTION_TYPE.to_string(),
                    subscription_id: Some(sub.name().to_string()),
                    tenant_id: None,
                    properties: SubscriptionContainerProperties::default(),
                });
                let last = rows.len() - 1;
                &mut rows[last]
            }
        };
        if row.tenant_id.is_none() {
            row.tenant_id = tenant;
        }
        if row.properties.management_group_ancestors_chain.is_some() {
            return;
        }
        let above = row.properties.assigned_above.get_or_insert_with(Vec::new);
        for g in groups {
            if !above.iter().any(|a| a.eq_ignore_ascii_case(&g)) {
                above.push(g);
            }
        }
        crate::sort::sort_by_key(above, |a| a.to_ascii_lowercase());
    }

    /// Adds one resource object to the inventory, once, and plans what it leads to.
    fn add_item(&mut self, v: Value, merge: Merge) {
        let Some(id) = v.get("id").and_then(Value::as_str).and_then(|s| ResourceId::parse(s).ok()) else {
            if let Err(d) = self.result.inventory.add(v) {
                self.result.diagnostics.push(d);
            }
            return;
        };
        let kind = ResourceKind::from_type(&id.resource_type());
        let key = match kind {
            // Built-in roles come back once per subscription under different ids.
            Some(ResourceKind::RoleDefinition) => format!("roledef:{}", id.name().to_ascii_lowercase()),
            _ => id.key().to_string(),
        };
        if self.seen.contains(&key) {
            if merge == Merge::KeepFirst {
                return;
            }
            self.remove_from_inventory(&id);
        }
        if id.is_type("Microsoft.Resources/subscriptions") {
            // Resource Graph's chain replaces what a role-assignment list implied.
            self.result.inventory.subscriptions.retain(|c| c.id != id);
        }
        match self.result.inventory.add(v) {
            Ok(true) => {
                if self.seen.insert(key) {
                    self.progress.items_found += 1;
                }
            }
            Ok(false) => return,
            Err(d) => return self.result.diagnostics.push(d),
        }
        self.plan_follow_ups(&id, kind);
    }

    fn plan_follow_ups(&mut self, id: &ResourceId, kind: Option<ResourceKind>) {
        if kind == Some(ResourceKind::Workspace) && self.children_for.insert(id.key().to_string()) {
            // Resource Graph indexes neither computes nor connections (see GRAPH_RESOURCE_TYPES).
            for child in PER_WORKSPACE {
                self.enqueue(Step::List { kind: child, scope: id.clone() }, request::list_children(id, child));
            }
        }
        if kind == Some(ResourceKind::Workspace) {
            self.plan_endpoint_lists(id);
        }
        self.plan_demand(id, kind);
        if kind == Some(ResourceKind::PrivateEndpoint) {
            self.plan_dns_zone_groups(id);
        }
        let per_resource = matches!(kind, Some(ResourceKind::Registry | ResourceKind::Workspace | ResourceKind::Compute | ResourceKind::ManagedCluster | ResourceKind::UserAssignedIdentity));
        if self.config.strategy == Strategy::PerResource && per_resource && self.assignments_for.insert(id.key().to_string()) {
            let kind = ResourceKind::RoleAssignment;
            self.enqueue(Step::List { kind, scope: id.clone() }, request::list_in_subscription(id, kind));
        }
    }

    /// Lists a workspace's online endpoints, once, where its subscription is read per provider
    /// (Resource Graph returns them with the other resources).
    fn plan_endpoint_lists(&mut self, ws: &ResourceId) {
        let per_provider = ws.subscription_id().is_some_and(|s| self.per_provider_subs.contains(&s.to_ascii_lowercase()));
        if per_provider && self.endpoints_for.insert(ws.key().to_string()) {
            for child in PER_WORKSPACE_WITHOUT_GRAPH {
                self.enqueue(Step::List { kind: child, scope: ws.clone() }, request::list_children(ws, child));
            }
        }
    }

    /// Lists the DNS zone groups of a private endpoint to a registry, once: whether a
    /// workload resolves the registry's name to the endpoint depends on them (`network`).
    fn plan_dns_zone_groups(&mut self, id: &ResourceId) {
        // Just added: the last of the list.
        let Some(pe) = self.result.inventory.private_endpoints.iter().rev().find(|p| &p.id == id) else { return };
        let registry = ResourceKind::Registry.type_name();
        let to_registry = pe.connections().filter_map(|c| c.properties.private_link_service_id.as_ref()).any(|t| t.is_type(&registry));
        if self.config.private_dns && to_registry && pe.dns_zone_groups.is_none() && self.dns_for.insert(id.key().to_string()) {
            self.enqueue(Step::DnsZoneGroups { endpoint: id.clone() }, request::list_dns_zone_groups(id));
        }
    }

    /// One page of an endpoint's DNS zone groups: kept on the endpoint, so that an empty list
    /// reads as "none" and an unread one as "not read".
    fn add_dns_zone_groups(&mut self, endpoint: &ResourceId, items: Vec<Value>, at: &str) {
        let Some(pe) = self.result.inventory.private_endpoints.iter_mut().find(|p| &p.id == endpoint) else { return };
        let groups = pe.dns_zone_groups.get_or_insert_with(Vec::new);
        let mut zones = Vec::new();
        for v in items {
            match serde_json::from_value::<crate::arm::PrivateDnsZoneGroup>(v) {
                Ok(g) => {
                    zones.extend(g.properties.private_dns_zone_configs.iter().filter_map(|c| c.properties.private_dns_zone_id.clone()));
                    groups.push(g);
                }
                Err(e) => self.result.diagnostics.push(Diagnostic { at: at.to_string(), message: format!("a private DNS zone group in the list could not be read: {e}") }),
            }
        }
        // Each zone's links once, however many endpoints keep records in it, and no more zones
        // than a tenant has (a guard against an answer that names thousands).
        let zone_type = ResourceKind::PrivateDnsZone.type_name();
        for zone in zones {
            if !zone.is_type(&zone_type) || self.zones_for.contains(zone.key()) {
                continue;
            }
            if self.zones_for.len() >= MAX_DNS_ZONES {
                if !self.zones_capped {
                    self.zones_capped = true;
                    self.result.diagnostics.push(Diagnostic {
                        at: at.to_string(),
                        message: format!("private endpoints name more than {MAX_DNS_ZONES} private DNS zones: the links of the others are not read, so whether those zones serve a workload's network is not checked"),
                    });
                }
                continue;
            }
            self.zones_for.insert(zone.key().to_string());
            let req = request::list_virtual_network_links(&zone);
            self.enqueue(Step::ZoneLinks { zone }, req);
        }
    }

    /// One page of a private DNS zone's virtual network links, kept on the zone (added to the
    /// inventory with its id and name if it is not there).
    fn add_zone_links(&mut self, zone: &ResourceId, items: Vec<Value>, at: &str) {
        let zones = &mut self.result.inventory.private_dns_zones;
        let i = match zones.iter().position(|z| &z.id == zone) {
            Some(i) => i,
            None => {
                zones.push(crate::arm::PrivateDnsZone { id: zone.clone(), name: zone.name().to_string(), virtual_network_links: None });
                zones.len() - 1
            }
        };
        let links = zones[i].virtual_network_links.get_or_insert_with(Vec::new);
        for v in items {
            match serde_json::from_value::<crate::arm::VirtualNetworkLink>(v) {
                Ok(l) => links.push(l),
                Err(e) => self.result.diagnostics.push(Diagnostic { at: at.to_string(), message: format!("a virtual network link in the list could not be read: {e}") }),
            }
        }
    }

    /// A resource the service says is gone.
    fn forget(&mut self, id: &ResourceId) {
        if self.remove_from_inventory(id) {
            self.seen.remove(id.key());
            self.progress.items_found = self.progress.items_found.saturating_sub(1);
        }
    }

    fn forget_assignments_within(&mut self, scope: &ResourceId) {
        let gone: Vec<ResourceId> = self.result.inventory.role_assignments.iter().filter(|ra| scope.contains(&ra.scope())).map(|ra| ra.id.clone()).collect();
        for id in gone {
            self.forget(&id);
        }
    }

    fn remove_from_inventory(&mut self, id: &ResourceId) -> bool {
        let inv = &mut self.result.inventory;
        let before = inv.len();
        inv.registries.retain(|x| &x.id != id);
        inv.workspaces.retain(|x| &x.id != id);
        inv.computes.retain(|x| &x.id != id);
        inv.connections.retain(|x| &x.id != id);
        inv.managed_clusters.retain(|x| &x.id != id);
        inv.identities.retain(|x| &x.id != id);
        inv.online_endpoints.retain(|x| &x.id != id);
        inv.container_groups.retain(|x| &x.id != id);
        inv.environments.retain(|x| &x.id != id);
        inv.environment_versions.retain(|x| &x.id != id);
        inv.online_deployments.retain(|x| &x.id != id);
        inv.ml_registries.retain(|x| &x.id != id);
        inv.private_endpoints.retain(|x| &x.id != id);
        inv.virtual_networks.retain(|x| &x.id != id);
        inv.private_dns_zones.retain(|x| &x.id != id);
        inv.jobs.retain(|x| &x.id != id);
        inv.role_assignments.retain(|x| &x.id != id);
        inv.subscriptions.retain(|x| &x.id != id);
        inv.role_definitions.retain(|x| x.id.name() != id.name() || !x.id.is_type(&id.resource_type()));
        inv.len() != before
    }

    /// Queues the next page of the list `req` is a page of, but only on the ARM origin (a
    /// `nextLink` elsewhere would carry the user's token to a foreign host), within the page
    /// cap and never back to a page already read. Otherwise the list stops where it is: what
    /// was read stays, and the list is reported skipped, so the inventory never looks
    /// complete when it is not.
    fn follow(&mut self, step: Step, next: &str, req: &Request, list: Option<u64>) {
        let key = list.unwrap_or_else(|| {
            self.next_list += 1;
            self.next_list
        });
        let cap = self.config.max_pages_per_list;
        let pages = self.lists.entry(key).or_insert_with(|| Pages::new(req, cap));
        let read = pages.len();
        // Graph's `@odata.nextLink` only on the Graph origin, ARM's only on ARM's.
        let origin = match (&step, &self.config.directory_origin) {
            (Step::DirectoryMembers { .. }, Some(graph)) => graph.as_str(),
            _ => self.config.origin.as_str(),
        };
        match pages.next(origin, next) {
            Ok(next_req) => self.enqueue_page(step, next_req, Some(key)),
            Err(e) => {
                self.lists.remove(&key);
                if matches!(e, LinkError::Repeated { .. } | LinkError::TooManyPages { .. }) {
                    let (scope, what) = step.describe();
                    self.result.diagnostics.push(Diagnostic { at: req.path.clone(), message: format!("{e}; kept the {read} page(s) read, so the list of {what} at {scope} may be incomplete") });
                }
                if matches!(step, Step::Subscriptions) && self.result.listing.is_none() {
                    self.result.listing = Some(Listing::Cut(e.to_string()));
                }
                self.result.skipped.push(Skipped { scope: req.path.clone(), what: "next page".into(), reason: e.to_string() });
            }
        }
    }

    /// Re-reads one resource or one scope after an apply, without a full rescan. Role
    /// definitions already read are kept. The scan is not done again until these are answered.
    pub fn refresh(&mut self, target: Refresh) {
        match target {
            Refresh::Resource(id) => match request::get(&id) {
                Some(req) => self.enqueue(Step::Get { id }, req),
                None => self.result.diagnostics.push(Diagnostic { at: id.to_string(), message: format!("pullpath does not read resources of type {}", id.resource_type()) }),
            },
            Refresh::Scope(scope) if scope.level() == ScopeLevel::Tenant => {
                self.result.diagnostics.push(Diagnostic { at: "/".into(), message: "refresh a subscription, group or resource, not the whole tenant; rescan for that".into() })
            }
            Refresh::Scope(scope) => {
                let req = request::list_in_subscription(&scope, ResourceKind::RoleAssignment);
                self.enqueue(Step::RefreshAssignments { scope, first_page: true }, req);
            }
        }
    }

    pub fn progress(&self) -> Progress {
        self.progress
    }

    /// Stops the scan: nothing queued or waiting is sent; answers to requests in flight are
    /// still taken. What was read stays, with a diagnostic saying the result is partial.
    pub fn stop(&mut self, now: Duration) {
        self.handle_timeout(now);
        self.stopped = true;
        let dropped = self.ready.len() + self.delayed.len() + self.directory.members_queue.len();
        self.ready.clear();
        self.delayed.clear();
        self.directory.members_queue.clear();
        if dropped > 0 {
            self.result.diagnostics.push(Diagnostic { at: "/".into(), message: format!("the scan was stopped before {dropped} more read(s): what it shows may be incomplete; rescan to read everything") });
        }
    }

    /// True when nothing is queued, waiting or in flight.
    pub fn is_done(&self) -> bool {
        self.ready.is_empty() && self.delayed.is_empty() && self.in_flight.is_empty() && self.directory.members_queue.is_empty()
    }

    pub fn result(&self) -> &ScanResult {
        &self.result
    }

    pub fn into_result(self) -> ScanResult {
        self.result
    }
}

impl Engine for Scan {
    fn poll_request(&mut self, now: Duration) -> Option<(RequestId, Request)> {
        Scan::poll_request(self, now)
    }
    fn handle_response(&mut self, now: Duration, id: RequestId, result: Result<Response, TransportError>) {
        Scan::handle_response(self, now, id, result)
    }
    fn poll_timeout(&self) -> Option<Duration> {
        Scan::poll_timeout(self)
    }
    fn handle_timeout(&mut self, now: Duration) {
        Scan::handle_timeout(self, now)
    }
    fn is_done(&self) -> bool {
        Scan::is_done(self)
    }
    fn stop(&mut self, now: Duration) {
        Scan::stop(self, now)
    }
    /// A scan only reads: any request may be aborted.
    fn may_abort(&self, _id: RequestId) -> bool {
        true
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Merge {
    /// A scan: the first copy of a resource wins (lists overlap, e.g. inherited assignments).
    KeepFirst,
    /// A refresh: the new copy replaces the old.
    Replace,
}

/// Where a role assignment object (as a list returns it) applies: `properties.scope`, or its
/// id's scope.
fn assignment_scope(v: &Value) -> Option<ResourceId> {
    match v.pointer("/properties/scope").and_then(Value::as_str) {
        Some(s) => ResourceId::parse(s).ok(),
        None => ResourceId::parse(v.get("id")?.as_str()?).ok()?.scope(),
    }
}

/// Exponential backoff from `base`, capped at a minute.
/// The resources inside grouped Resource Graph rows (`{subscriptionId, resourceGroup, items}`).
/// A group's list may come back as JSON text; anything else means the query was not run as
/// sent.
fn unpack_rows(rows: Vec<Value>) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for mut row in rows {
        let items = match row.get_mut(PACKED_COLUMN).map(Value::take) {
            Some(Value::Array(items)) => items,
            Some(Value::String(text)) => match serde_json::from_str(&text) {
                Ok(Value::Array(items)) => items,
                _ => return Err(format!("a grouped row's '{PACKED_COLUMN}' is text that is not a JSON list")),
            },
            _ => return Err(format!("a grouped row has no '{PACKED_COLUMN}' list")),
        };
        out.extend(items);
    }
    Ok(out)
}

fn backoff(attempt: u32, base: Duration) -> Duration {
    (base * 2u32.saturating_pow(attempt.saturating_sub(1).min(16))).min(Duration::from_secs(60))
}

/// `hh:mm:ss` as Resource Graph writes `x-ms-user-quota-resets-after`.
fn parse_hms(s: &str) -> Option<Duration> {
    let mut parts = s.trim().split(':');
    let (h, m, sec) = (parts.next()?, parts.next()?, parts.next()?);
    let secs = h.parse::<u64>().ok()?.checked_mul(3600)?.checked_add(m.parse::<u64>().ok()?.checked_mul(60)?)?;
    parse_seconds(sec)?.checked_add(Duration::from_secs(secs)).filter(|d| d.as_secs() <= MAX_WAIT_SECS)
}

/// The longest wait a header can ask for (about 136 years): beyond it the text is not taken
/// as a wait at all, so no sum of times can overflow.
const MAX_WAIT_SECS: u64 = u32::MAX as u64;

/// Seconds as `Retry-After` and the seconds of `hh:mm:ss` write them: digits, optionally
/// with a decimal fraction (`3`, `1.5`); anything else, or more than [`MAX_WAIT_SECS`], is
/// `None`. Read without a float parser, whose tables would cost the wasm bundle 20 KB.
fn parse_seconds(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) {
        return None;
    }
    let secs = if whole.is_empty() { 0 } else { whole.parse::<u64>().ok().filter(|s| *s <= MAX_WAIT_SECS)? };
    // Nanoseconds from the first nine fraction digits; further digits are below resolution.
    let nanos = fraction.bytes().chain(std::iter::repeat(b'0')).take(9).fold(0u32, |n, b| n * 10 + u32::from(b - b'0'));
    Some(Duration::new(secs, nanos))
}

/// `code: message` from an ARM error body, or the status. Resource Graph puts the reason in
/// the first detail (`InvalidQuery: …`) under a generic `BadRequest`; that detail is shown.
fn error_text(resp: &Response) -> String {
    serde_json::from_str::<ErrorResponse>(&resp.body)
        .ok()
        .filter(|e| !e.error.code.is_empty())
        .map(|e| {
            let shown = e.error.details.first().filter(|d| !d.code.is_empty()).unwrap_or(&e.error);
            format!("{}: {}", shown.code, shown.message)
        })
        .unwrap_or_else(|| format!("HTTP {}", resp.status))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT_ORIGIN: &str = crate::cloud::Cloud::AzureCloud.arm_origin();

    #[test]
    fn grouped_rows_are_unpacked_and_odd_ones_refused() {
        let rows = vec![serde_json::json!({"subscriptionId": "s", "resourceGroup": "rg", "items": "[{\"id\": \"x\"}]"})];
        assert_eq!(unpack_rows(rows).unwrap(), vec![serde_json::json!({"id": "x"})]);
        assert!(unpack_rows(vec![serde_json::json!({"id": "/subscriptions/s"})]).unwrap_err().contains("no 'items' list"));
        assert!(unpack_rows(vec![serde_json::json!({"items": "{}"})]).is_err());
    }

    /// Quota figures that arrive out of order: the lower one stands until the window resets.
    #[test]
    fn a_late_larger_quota_figure_is_stale() {
        let mut scan = Scan::new(DEFAULT_ORIGIN, Start::Subscriptions(vec![]));
        let answer = |remaining: &str, resets: &str| {
            let mut r = Response::json(200, &serde_json::json!({}));
            r.headers.push(("x-ms-user-quota-remaining".into(), remaining.into()));
            r.headers.push(("x-ms-user-quota-resets-after".into(), resets.into()));
            r
        };
        scan.handle_timeout(Duration::from_millis(100));
        scan.observe_headers(&Bucket::Graph, &answer("0", "00:00:04"));
        scan.observe_headers(&Bucket::Graph, &answer("3", "00:00:04"));
        assert_eq!(scan.bucket_ready_at(&Bucket::Graph), Some(Duration::from_millis(4_100)), "still empty until the window resets");
        scan.handle_timeout(Duration::from_millis(4_200));
        assert_eq!(scan.bucket_ready_at(&Bucket::Graph), Some(Duration::from_millis(4_200)));
        scan.observe_headers(&Bucket::Graph, &answer("14", "00:00:05"));
        assert_eq!(scan.buckets[&Bucket::Graph].remaining, Some(14), "a new window's figure is taken");
    }

    /// Answers every request with `respond`, up to `limit` requests.
    fn drive_with(scan: &mut Scan, limit: usize, mut respond: impl FnMut(&Request) -> Response) -> Vec<Request> {
        let mut sent = Vec::new();
        while let Some((id, req)) = scan.poll_request(Duration::ZERO) {
            assert!(sent.len() < limit, "the scan kept paging: {sent:?}");
            let resp = respond(&req);
            sent.push(req);
            scan.handle_response(Duration::ZERO, id, Ok(resp));
        }
        sent
    }

    fn registries_only() -> Scan {
        let mut config = ScanConfig::new(DEFAULT_ORIGIN, Start::Subscriptions(vec![]));
        config.strategy = Strategy::PerProvider;
        config.max_pages_per_list = 3;
        let mut scan = Scan::with_config(config);
        let sub = ResourceId::subscription("11111111-1111-1111-1111-111111111111").unwrap();
        scan.enqueue(Step::List { kind: ResourceKind::Registry, scope: sub.clone() }, request::list_in_subscription(&sub, ResourceKind::Registry));
        scan
    }

    fn registry_page(n: usize, next: Option<String>) -> Response {
        let id = format!("/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r{n}");
        Response::json(200, &serde_json::json!({"value": [{"id": id, "name": format!("r{n}"), "type": "Microsoft.ContainerRegistry/registries", "location": "eastus", "properties": {}}], "nextLink": next}))
    }

    /// An answer that names more private DNS zones than any tenant keeps is read only up to
    /// the guard, and the scan says what it left out; each zone's links are read once. With
    /// `private_dns` off, none of it is asked for.
    #[test]
    fn private_dns_zones_named_by_endpoints_are_read_once_and_bounded() {
        for private_dns in [false, true] {
            private_dns_scan(private_dns);
        }
    }

    fn private_dns_scan(private_dns: bool) {
        let mut config = ScanConfig::new(DEFAULT_ORIGIN, Start::Subscriptions(vec![]));
        config.strategy = Strategy::PerProvider;
        config.private_dns = private_dns;
        let mut scan = Scan::with_config(config);
        let sub = ResourceId::subscription("11111111-1111-1111-1111-111111111111").unwrap();
        scan.enqueue(Step::List { kind: ResourceKind::PrivateEndpoint, scope: sub.clone() }, request::list_in_subscription(&sub, ResourceKind::PrivateEndpoint));
        let rg = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers";
        let zone = |i: usize| format!("{rg}/Microsoft.Network/privateDnsZones/z{i}.example");
        let sent = drive_with(&mut scan, 5_000, |req| {
            let body = if req.path.ends_with("/privateEndpoints") {
                // Two endpoints naming the same zones.
                let pe = |n: &str| serde_json::json!({"id": format!("{rg}/Microsoft.Network/privateEndpoints/{n}"), "name": n, "type": "Microsoft.Network/privateEndpoints",
                    "properties": {"privateLinkServiceConnections": [{"properties": {"privateLinkServiceId": format!("{rg}/Microsoft.ContainerRegistry/registries/acr")}}]}});
                serde_json::json!({"value": [pe("a"), pe("b")]})
            } else if req.path.ends_with("/privateDnsZoneGroups") {
                let configs: Vec<serde_json::Value> = (0..MAX_DNS_ZONES + 5).map(|i| serde_json::json!({"properties": {"privateDnsZoneId": zone(i)}})).collect();
                serde_json::json!({"value": [{"name": "default", "properties": {"privateDnsZoneConfigs": configs}}]})
            } else {
                serde_json::json!({"value": []})
            };
            Response::json(200, &body)
        });
        let links = sent.iter().filter(|r| r.path.ends_with("/virtualNetworkLinks")).count();
        if !private_dns {
            assert_eq!(sent.len(), 1, "only the endpoint list: {sent:?}");
            assert!(scan.result().inventory.private_endpoints.iter().all(|p| p.dns_zone_groups.is_none()));
            return;
        }
        assert_eq!(links, MAX_DNS_ZONES);
        assert_eq!(sent.iter().filter(|r| r.path.ends_with("/privateDnsZoneGroups")).count(), 2);
        let said: Vec<&Diagnostic> = scan.result().diagnostics.iter().filter(|d| d.message.contains("private DNS zones: the links of the others are not read")).collect();
        assert_eq!(said.len(), 1, "{:?}", scan.result().diagnostics);
        assert_eq!(scan.result().inventory.private_dns_zones.len(), MAX_DNS_ZONES);
        assert!(scan.result().inventory.private_dns_zones.iter().all(|z| z.virtual_network_links.as_deref() == Some(&[][..])));
    }

    /// A nextLink that leads back to a page already read (here: page 2 links to page 1,
    /// spelled differently) stops that list: what was read stays, and the user is told.
    #[test]
    fn a_next_link_that_loops_stops_the_list_and_says_so() {
        let mut scan = registries_only();
        let page1 = request::list_in_subscription(&ResourceId::subscription("11111111-1111-1111-1111-111111111111").unwrap(), ResourceKind::Registry);
        let sent = drive_with(&mut scan, 10, |req| {
            let n = req.query.iter().find(|(k, _)| k == "$skiptoken").map_or(1, |(_, v)| v.parse().unwrap());
            let next = if n == 1 { format!("{}&%24skiptoken=2", page1.url(DEFAULT_ORIGIN)) } else { page1.url(&DEFAULT_ORIGIN.to_uppercase()) };
            registry_page(n, Some(next))
        });
        assert_eq!(sent.len(), 2);
        let r = scan.into_result();
        assert_eq!(r.inventory.registries.len(), 2, "the pages read are kept");
        assert_eq!(r.skipped.len(), 1, "{:?}", r.skipped);
        assert!(r.skipped[0].reason.contains("leads back to a page already read"), "{:?}", r.skipped);
        assert_eq!(r.diagnostics.len(), 1, "{:?}", r.diagnostics);
        assert!(r.diagnostics[0].message.contains("kept the 2 page(s) read") && r.diagnostics[0].message.contains("may be incomplete"), "{}", r.diagnostics[0].message);
    }

    /// A Resource Graph answer whose `$skipToken` repeats (or never ends) stops paging there:
    /// nothing loops, the rows read are kept, and the query counts as cut short (a grouped
    /// query is asked again as plain rows; plain rows fall back to per-provider lists).
    #[test]
    fn a_skip_token_that_repeats_stops_paging_and_says_so() {
        let mut config = ScanConfig::new(DEFAULT_ORIGIN, Start::Subscriptions(vec!["11111111-1111-1111-1111-111111111111".into()]));
        config.strategy = Strategy::ResourceGraph;
        config.max_pages_per_list = 5;
        let mut scan = Scan::with_config(config);
        let mut graph = 0;
        let sent = drive_with(&mut scan, 400, |req| {
            if req.path.ends_with("/providers/Microsoft.ResourceGraph/resources") {
                graph += 1;
                // Every query answers one page with the same token, forever.
                Response::json(200, &serde_json::json!({"totalRecords": 1, "count": 1, "data": [], "resultTruncated": "false", "$skipToken": "same"}))
            } else {
                Response::json(200, &serde_json::json!({"value": []}))
            }
        });
        assert!(graph > 0 && sent.len() < 400, "{} requests", sent.len());
        let r = scan.into_result();
        assert!(r.diagnostics.iter().any(|d| d.message.contains("already sent for this query")), "{:?}", r.diagnostics);
    }

    /// A list that never ends is cut at the page cap, reported, and the rest kept.
    #[test]
    fn a_list_past_the_page_cap_stops_and_says_so() {
        let mut scan = registries_only();
        let page1 = request::list_in_subscription(&ResourceId::subscription("11111111-1111-1111-1111-111111111111").unwrap(), ResourceKind::Registry);
        let sent = drive_with(&mut scan, 10, |req| {
            let n: usize = req.query.iter().find(|(k, _)| k == "$skiptoken").map_or(1, |(_, v)| v.parse().unwrap());
            registry_page(n, Some(format!("{}&%24skiptoken={}", page1.url(DEFAULT_ORIGIN), n + 1)))
        });
        assert_eq!(sent.len(), 4, "the first page and 3 more");
        let r = scan.into_result();
        assert_eq!(r.inventory.registries.len(), 4);
        assert!(r.skipped.len() == 1 && r.skipped[0].reason.contains("more than 3 pages"), "{:?}", r.skipped);
        assert!(r.diagnostics.len() == 1 && r.diagnostics[0].message.contains("kept the 4 page(s) read"), "{:?}", r.diagnostics);
    }

    /// A hostile nextLink (a `%` before a multi-byte character crashed the old decoder) is
    /// refused with a reason, not followed and not a panic.
    #[test]
    fn a_malformed_next_link_is_refused_without_a_panic() {
        let mut scan = registries_only();
        let sent = drive_with(&mut scan, 10, |_| registry_page(1, Some(format!("{DEFAULT_ORIGIN}/subscriptions/%\u{e9}x?a=%"))));
        assert_eq!(sent.len(), 1);
        let r = scan.into_result();
        assert!(r.skipped.len() == 1 && r.skipped[0].reason.contains("is not a URL pullpath follows"), "{:?}", r.skipped);
    }

    #[test]
    fn parses_quota_reset() {
        assert_eq!(parse_hms("00:00:03"), Some(Duration::from_secs(3)));
        assert_eq!(parse_hms("01:02:03.5"), Some(Duration::from_millis(3_723_500)));
        assert_eq!(parse_hms("soon"), None);
        assert_eq!(parse_hms("99999999999999999:00:00"), None, "hours that overflow are no wait");
        assert_eq!(parse_hms("4294967296:00:00"), None);
        assert_eq!(parse_hms("00:00:-1"), None);
    }

    /// `Retry-After` seconds: whole or decimal, never a panic or an overflow on hostile text.
    #[test]
    fn retry_after_seconds_are_read_exactly() {
        for (text, expected) in [
            ("3", Some(Duration::from_secs(3))),
            (" 1.5 ", Some(Duration::from_millis(1500))),
            ("0.25", Some(Duration::from_millis(250))),
            (".5", Some(Duration::from_millis(500))),
            ("7.", Some(Duration::from_secs(7))),
            ("2.1234567891", Some(Duration::new(2, 123_456_789))),
            ("4294967295", Some(Duration::from_secs(u64::from(u32::MAX)))),
            ("4294967296", None),
            ("1e300", None),
            ("99999999999999999999999", None),
            ("-1", None),
            ("+1", None),
            ("inf", None),
            ("NaN", None),
            (".", None),
            ("", None),
            ("1.2.3", None),
            ("١", None),
        ] {
            assert_eq!(parse_seconds(text), expected, "{text:?}");
        }
    }
}
