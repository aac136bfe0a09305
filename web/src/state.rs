//! The app's state and the actions that change it (sign in, load subscriptions, scan, open a
//! snapshot or the demo, pending changes, sign out).
//!
//! Pages read the signals and call these actions. Every read of a tenant starts here and runs on
//! the one driver (`engine`); a change's whole life is one core `Change` that the plan screen
//! drives on the same driver. Signing out stops and undoes a running apply first, then aborts
//! every read of the session, drops results that arrive late, clears every signal holding
//! tenant data, wipes the tokens and ends the session at the provider.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use pullpath_core::analysis::{self, Analysis};
use pullpath_core::catalog;
use pullpath_core::graph::{self, Graph, NodeId};
use pullpath_core::id::ResourceId;
use pullpath_core::intent::Intent;
use pullpath_core::cloud::{AppConfig, Cloud};
use pullpath_core::scan::{Progress, Scan, ScanConfig, ScanResult, Start};
use pullpath_core::share::ViewState;
use pullpath_core::snapshot;

use crate::auth::flow::GraphRefusal;
use crate::auth::{self, Arrival, SignedIn};
use crate::demo::DemoExecutor;
use crate::engine::{self, AnyExecutor};
use crate::fetch::Cancel;
use crate::http::{ArmExecutor, Hold, SessionEvent, WhenSignedOut};

/// Whether the page was opened from a share link of the demo tenant.
fn demo_link_in_url() -> bool {
    let hash = web_sys::window().and_then(|w| w.location().hash().ok());
    hash.and_then(|h| ViewState::from_fragment(&h)).is_some_and(|v| v.demo)
}

/// Runs `scan` to the end (or until `cancel` stops it), reporting progress after every step.
async fn run_scan(exec: AnyExecutor, scan: Scan, cancel: &Cancel, on_progress: impl Fn(Progress)) -> ScanResult {
    let scan = std::cell::RefCell::new(scan);
    engine::run(&exec, &scan, cancel, |s| on_progress(s.progress())).await;
    scan.into_inner().into_result()
}

/// Which screen is showing.
#[derive(Clone, Debug, PartialEq)]
pub enum Screen {
    /// Start-up: reading config.json and finishing a sign-in redirect.
    Starting,
    Landing,
    /// Signed in: choose subscriptions.
    Subscriptions,
    Scanning,
    /// What was found: graph, matrix, findings and inventory, in tabs.
    Results,
    /// Reviewing (and applying) the pending changes.
    Plan,
}

/// The tabs of the results screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Graph,
    Matrix,
    Findings,
    Inventory,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::Graph, Tab::Matrix, Tab::Findings, Tab::Inventory];

    pub fn name(self) -> &'static str {
        match self {
            Tab::Graph => "Graph",
            Tab::Matrix => "Matrix",
            Tab::Findings => "Findings",
            Tab::Inventory => "Inventory",
        }
    }
}

/// What the detail panel shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// A graph node.
    Node(NodeId),
    /// One identity × registry cell of the access matrix (also a principal → registry edge).
    Access { principal_id: String, registry: ResourceId },
    /// A wiring edge of the graph, by index into `Analysed::graph.edges`.
    Edge(usize),
    /// A finding, by index into `Analysis::findings`.
    Finding(usize),
}

/// The analysis of the current inventory and the graph drawn from it; recomputed whenever the
/// inventory changes, shared by every view.
#[derive(Debug, Default, PartialEq)]
pub struct Analysed {
    pub analysis: Analysis,
    pub graph: Graph,
}

/// Where the inventory came from (shown to the user; decides what "rescan" means).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Demo,
    Snapshot(String),
    Tenant,
}

/// A directory the user belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantChoice {
    pub id: String,
    pub name: String,
}

/// A subscription the user can pick.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriptionChoice {
    pub id: String,
    pub name: String,
    /// ARM's state word when it is not "Enabled" (Warned, PastDue, Disabled, Deleted).
    pub state: Option<String>,
    pub selected: bool,
}

/// All app state; `Copy` so closures can capture it freely.
#[derive(Clone, Copy)]
pub struct AppState {
    pub screen: RwSignal<Screen>,
    /// `None` while loading; `Err` holds what is wrong with config.json.
    pub config: RwSignal<Option<Result<AppConfig, String>>>,
    pub session: RwSignal<Option<SignedIn>, LocalStorage>,
    pub subscriptions: RwSignal<Vec<SubscriptionChoice>>,
    /// The subscription list has been read (an empty list then means none is visible).
    pub subscriptions_read: RwSignal<bool>,
    pub tenants: RwSignal<Vec<TenantChoice>>,
    /// How deep a signed-in scan reads what workloads pull: versions per environment and jobs
    /// per workspace (`ScanConfig::environment_versions`, `ScanConfig::jobs`).
    pub environment_versions: RwSignal<usize>,
    pub jobs: RwSignal<usize>,
    /// Whether it lists the DNS zone groups of registries' private endpoints
    /// (`ScanConfig::private_dns`).
    pub private_dns: RwSignal<bool>,
    pub progress: RwSignal<Progress>,
    pub result: RwSignal<Option<ScanResult>>,
    pub source: RwSignal<Option<Source>>,
    /// A problem to show in an alert, verbatim.
    pub error: RwSignal<Option<String>>,
    /// The analysis of `result`'s inventory (set with it).
    pub analysed: RwSignal<Option<Arc<Analysed>>>,
    pub tab: RwSignal<Tab>,
    pub selection: RwSignal<Option<Selection>>,
    /// Changes the user has asked for and not applied yet, in the order asked.
    pub pending: RwSignal<Vec<Intent>>,
    /// Set when the session can no longer be refreshed: offer to sign in again.
    pub needs_sign_in: RwSignal<bool>,
    /// Why the signed-in scan shown ran without Microsoft Graph (no token could be had without
    /// asking): the results say so and offer to ask for consent. `None` otherwise.
    pub graph_missing: RwSignal<Option<GraphRefusal>>,
    /// The consent popup is open.
    pub graph_asking: RwSignal<bool>,
    /// Something to tell the user that is not a problem (shown as a status line).
    pub notice: RwSignal<Option<String>>,
    /// Sign-out is waiting for a running apply to stop and undo its changes.
    pub signing_out: RwSignal<bool>,
    /// The running apply's abort group (cancelling it stops the change) and hold, so that
    /// sign-out can stop it first.
    pub apply: StoredValue<Option<(Cancel, Hold)>, LocalStorage>,
    /// Bumped on sign-out: work started before drops its results instead of showing them.
    epoch: StoredValue<u64>,
    cancel: StoredValue<Option<Cancel>, LocalStorage>,
    /// The demo tenant, kept for the whole visit so that applied changes stay applied.
    demo: StoredValue<Option<DemoExecutor>, LocalStorage>,
}

impl AppState {
    pub fn new() -> AppState {
        // What a scan reads unless the user says otherwise.
        let defaults = ScanConfig::new("", Start::AllSubscriptions);
        AppState {
            screen: RwSignal::new(Screen::Starting),
            config: RwSignal::new(None),
            session: RwSignal::new_local(None),
            subscriptions: RwSignal::new(Vec::new()),
            subscriptions_read: RwSignal::new(false),
            tenants: RwSignal::new(Vec::new()),
            environment_versions: RwSignal::new(defaults.environment_versions),
            jobs: RwSignal::new(defaults.jobs),
            private_dns: RwSignal::new(defaults.private_dns),
            progress: RwSignal::new(Progress::default()),
            result: RwSignal::new(None),
            source: RwSignal::new(None),
            error: RwSignal::new(None),
            analysed: RwSignal::new(None),
            tab: RwSignal::new(Tab::Graph),
            selection: RwSignal::new(None),
            pending: RwSignal::new(Vec::new()),
            needs_sign_in: RwSignal::new(false),
            graph_missing: RwSignal::new(None),
            graph_asking: RwSignal::new(false),
            notice: RwSignal::new(None),
            signing_out: RwSignal::new(false),
            apply: StoredValue::new_local(None),
            epoch: StoredValue::new(0),
            cancel: StoredValue::new_local(None),
            demo: StoredValue::new_local(None),
        }
    }

    /// Reads config.json and finishes a sign-in redirect if this load is one.
    pub fn start(self) {
        spawn_local(async move {
            let config = load_config().await;
            self.config.set(Some(config.clone()));
            match auth::arrive(config.as_ref().ok()).await {
                Arrival::Popup => {}
                Arrival::Normal { signed_out } => {
                    self.notice.set(signed_out);
                    self.screen.set(Screen::Landing);
                    // A demo view link opens the demo straight away.
                    if demo_link_in_url() && self.source.get_untracked().is_none() {
                        self.explore_demo();
                    }
                }
                Arrival::Redirect(Ok(signed_in)) => {
                    self.session.set(Some(signed_in));
                    self.load_subscriptions();
                }
                Arrival::Redirect(Err(e)) => {
                    self.error.set(Some(e.to_string()));
                    self.screen.set(Screen::Landing);
                }
            }
        });
    }

    pub fn sign_in(self, tenant: Option<String>) {
        let Some(Ok(config)) = self.config.get_untracked() else { return };
        self.error.set(None);
        spawn_local(async move {
            let authority = match tenant.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                Some(t) => config.authority_for_tenant(t),
                None => config.authority.clone(),
            };
            if let Err(e) = auth::start_sign_in(&config, &authority).await {
                self.error.set(Some(e.to_string()));
            }
        });
    }

    /// Signs in again in a popup; the scan and pending plan stay.
    pub fn sign_in_again(self) {
        let Some(session) = self.session.get_untracked() else { return };
        spawn_local(async move {
            match session.sign_in_again().await {
                Ok(()) => {
                    self.needs_sign_in.set(false);
                    self.error.set(None);
                }
                Err(e) => self.error.set(Some(e.to_string())),
            }
        });
    }

    /// Signs out. A running apply is stopped first and undoes what it wrote (with this
    /// session's token, or whatever token is left); sign-out finishes when it has
    /// ([`AppState::finish_sign_out`], called by the plan screen).
    pub fn sign_out(self) {
        self.epoch.update_value(|e| *e += 1);
        self.cancel_scan();
        if let Some((stop, hold)) = self.apply.get_value() {
            self.signing_out.set(true);
            self.notice.set(Some("Signing out: the running apply is stopping and undoing what it wrote first…".into()));
            stop.cancel();
            hold.release();
            return;
        }
        self.finish_sign_out(None);
    }

    /// Ends the session: aborts everything it started, clears every signal that holds tenant
    /// data, forgets the tokens and sends the browser to the provider's end-session endpoint
    /// (with `note`, which holds no tenant data, for the page it returns to).
    pub fn finish_sign_out(self, note: Option<String>) {
        self.epoch.update_value(|e| *e += 1);
        self.cancel_scan();
        self.apply.set_value(None);
        self.signing_out.set(false);
        let end_url = self.session.get_untracked().and_then(|s| s.end());
        auth::sign_out(end_url.as_ref().and(note.as_deref()));
        self.session.set(None);
        self.subscriptions.set(Vec::new());
        self.subscriptions_read.set(false);
        self.tenants.set(Vec::new());
        self.progress.set(Progress::default());
        self.set_result(None);
        self.source.set(None);
        self.pending.set(Vec::new());
        self.needs_sign_in.set(false);
        self.graph_missing.set(None);
        self.graph_asking.set(false);
        self.error.set(None);
        self.tab.set(Tab::Graph);
        self.screen.set(Screen::Landing);
        // Going to the provider leaves this page; without an end-session endpoint, stay here.
        let left = end_url.is_some_and(|u| web_sys::window().is_some_and(|w| w.location().assign(&u).is_ok()));
        if !left {
            self.notice.set(Some(note.unwrap_or_else(|| "Signed out of pullpath.".into())));
        }
    }

    /// The current epoch (see [`AppState::is_current`]).
    pub fn epoch(self) -> u64 {
        self.epoch.get_value()
    }

    /// False once the user signed out after `epoch` was taken: results must be dropped.
    pub fn is_current(self, epoch: u64) -> bool {
        self.epoch.get_value() == epoch
    }

    /// What an ARM executor of this page tells it about the session.
    pub fn on_session(self) -> std::rc::Rc<dyn Fn(SessionEvent)> {
        let needs = self.needs_sign_in;
        std::rc::Rc::new(move |e| needs.set(e == SessionEvent::Lost))
    }

    fn executor(self) -> Option<ArmExecutor> {
        let signed_in = self.session.get_untracked()?;
        let exec = ArmExecutor::new(signed_in, WhenSignedOut::Fail, self.on_session());
        self.cancel.set_value(Some(exec.cancel.clone()));
        Some(exec)
    }

    /// Lists the subscriptions and directories the user can see, for the picker: a scan of
    /// nothing else (`Start::Choices`), so the list pages, retries and waits out throttling as
    /// every other read does.
    pub fn load_subscriptions(self) {
        let Some(exec) = self.executor() else { return };
        self.screen.set(Screen::Subscriptions);
        self.subscriptions_read.set(false);
        let epoch = self.epoch();
        let cancel = exec.cancel.clone();
        let scan = Scan::new(&exec.signed_in.config().arm_origin, Start::Choices);
        spawn_local(async move {
            let result = run_scan(AnyExecutor::Arm(exec), scan, &cancel, |_| ()).await;
            if !self.is_current(epoch) {
                return;
            }
            if let Some(problem) = result.listing_problem() {
                self.error.set(Some(problem));
            }
            let choices = result.listed.iter().map(|s| SubscriptionChoice { id: s.subscription_id.clone(), name: s.label().to_string(), state: s.state.clone().filter(|st| st != "Enabled"), selected: true }).collect();
            self.subscriptions.set(choices);
            self.subscriptions_read.set(true);
            self.tenants.set(result.tenants.iter().map(|t| TenantChoice { id: t.tenant_id.clone(), name: t.label().to_string() }).collect());
        });
    }

    /// Scans the selected subscriptions of the signed-in tenant.
    pub fn scan_tenant(self) {
        let Some(exec) = self.executor() else { return };
        let subs: Vec<String> = self.subscriptions.get_untracked().into_iter().filter(|s| s.selected).map(|s| s.id).collect();
        let mut config = ScanConfig::new(&exec.signed_in.config().arm_origin, Start::Subscriptions(subs));
        config.environment_versions = self.environment_versions.get_untracked();
        config.jobs = self.jobs.get_untracked();
        config.private_dns = self.private_dns.get_untracked();
        let cancel = exec.cancel.clone();
        let epoch = self.epoch();
        spawn_local(async move {
            // Without a usable token, keep what is on screen and ask for a new sign-in rather
            // than replacing the last scan with a list of failures.
            if exec.signed_in.access_token().await.is_err() {
                self.needs_sign_in.set(true);
                return;
            }
            // Names and groups come from Microsoft Graph when its token can be had without
            // asking (consent exists); otherwise the scan runs on ARM data alone and the
            // results offer to ask.
            let graph = exec.signed_in.graph_token().await;
            if !self.is_current(epoch) {
                return;
            }
            if graph.is_ok() {
                config.directory_origin = Some(exec.signed_in.config().graph_origin.clone());
            }
            self.graph_missing.set(graph.err());
            self.begin_scan(Source::Tenant);
            let scan = run_scan(AnyExecutor::Arm(exec), Scan::with_config(config), &cancel, move |p| if self.is_current(epoch) { self.progress.set(p) });
            let (result, ()) = futures::join!(scan, load_role_table());
            self.finish_scan(epoch, result);
        });
    }

    /// Reads Microsoft Graph for the tenant's result on screen (after consent): names, group
    /// members and AKS service principals, and nothing from ARM again (`Scan::add_directory`).
    /// Without a tenant's result it scans the whole selection.
    pub fn add_names_and_groups(self) {
        let previous = self.result.get_untracked().filter(|_| self.source.get_untracked() == Some(Source::Tenant));
        let Some(previous) = previous else { return self.scan_tenant() };
        let Some(exec) = self.executor() else { return };
        let mut config = ScanConfig::new(&exec.signed_in.config().arm_origin, Start::Subscriptions(Vec::new()));
        config.directory_origin = Some(exec.signed_in.config().graph_origin.clone());
        let cancel = exec.cancel.clone();
        let epoch = self.epoch();
        spawn_local(async move {
            let graph = exec.signed_in.graph_token().await;
            if !self.is_current(epoch) {
                return;
            }
            if let Err(refusal) = graph {
                // Consent was given but no token can be had: the results stay as they are.
                self.graph_missing.set(Some(refusal));
                return;
            }
            self.graph_missing.set(None);
            self.begin_scan(Source::Tenant);
            let result = run_scan(AnyExecutor::Arm(exec), Scan::add_directory(config, previous), &cancel, move |p| if self.is_current(epoch) { self.progress.set(p) }).await;
            self.finish_scan(epoch, result);
        });
    }

    /// Asks for the Microsoft Graph permission in a popup (incremental consent) and, once
    /// given, reads names and group members for the results on screen.
    pub fn consent_graph(self) {
        let Some(session) = self.session.get_untracked() else { return };
        self.graph_asking.set(true);
        let epoch = self.epoch();
        spawn_local(async move {
            let outcome = session.consent_graph().await;
            if !self.is_current(epoch) {
                return;
            }
            self.graph_asking.set(false);
            match outcome {
                Ok(()) => {
                    self.error.set(None);
                    self.add_names_and_groups();
                }
                Err(e) => self.error.set(Some(format!("Microsoft Graph was not granted: {e}. If your organisation does not let users consent, an administrator grants Directory.Read.All to pullpath (see below)."))),
            }
        });
    }

    /// The demo tenant, read through the same executor interface as ARM.
    pub fn explore_demo(self) {
        let cancel = Cancel::new();
        self.cancel.set_value(Some(cancel.clone()));
        self.begin_scan(Source::Demo);
        let exec = self.demo_executor();
        let epoch = self.epoch();
        spawn_local(async move {
            // The demo's simulator answers as the public cloud's ARM and Graph.
            let mut config = ScanConfig::new(Cloud::AzureCloud.arm_origin(), Start::AllSubscriptions);
            config.directory_origin = Some(Cloud::AzureCloud.graph_origin().into());
            let scan = run_scan(AnyExecutor::Demo(exec), Scan::with_config(config), &cancel, move |p| self.progress.set(p));
            let (result, ()) = futures::join!(scan, load_role_table());
            self.finish_scan(epoch, result);
        });
    }

    /// Opens a snapshot file's text (the CLI's input format).
    pub async fn open_snapshot(self, name: String, text: String) {
        let epoch = self.epoch();
        load_role_table().await;
        if !self.is_current(epoch) {
            return;
        }
        match snapshot::parse(&text) {
            Ok((inventory, diagnostics)) => {
                self.error.set(None);
                self.graph_missing.set(None);
                self.source.set(Some(Source::Snapshot(name)));
                self.pending.set(Vec::new());
                self.set_result(Some(ScanResult::of_snapshot(inventory, diagnostics)));
                self.screen.set(Screen::Results);
            }
            Err(e) => self.error.set(Some(format!("{name} could not be opened: {e}"))),
        }
    }

    fn begin_scan(self, source: Source) {
        if source != Source::Tenant {
            self.graph_missing.set(None);
        }
        self.error.set(None);
        self.progress.set(Progress::default());
        self.source.set(Some(source));
        self.screen.set(Screen::Scanning);
    }

    /// Shows a finished (or cancelled) scan, unless the user signed out since it started.
    fn finish_scan(self, epoch: u64, result: ScanResult) {
        if !self.is_current(epoch) {
            return;
        }
        self.cancel.set_value(None);
        self.set_result(Some(result));
        self.screen.set(Screen::Results);
    }

    /// The demo tenant's executor: one simulator for the whole visit.
    pub fn demo_executor(self) -> DemoExecutor {
        if let Some(exec) = self.demo.with_value(|d| d.clone()) {
            return exec;
        }
        let exec = DemoExecutor::start();
        self.demo.set_value(Some(exec.clone()));
        exec
    }

    /// Replaces the scan result and recomputes the analysis every view reads. Without a result
    /// the selection goes too; pending changes stay (they are re-planned on review).
    pub fn set_result(self, result: Option<ScanResult>) {
        let analysed = result.as_ref().map(|r| {
            let analysis = analysis::analyze(&r.inventory);
            let graph = graph::build(&r.inventory, &analysis);
            Arc::new(Analysed { analysis, graph })
        });
        if result.is_none() {
            self.selection.set(None);
        }
        // Big tenants open on the matrix: a 10,000-node graph says less than a table.
        if let Some(a) = &analysed {
            if a.graph.nodes.len() > 2000 && self.tab.get_untracked() == Tab::Graph {
                self.tab.set(Tab::Matrix);
            }
        }
        self.analysed.set(analysed);
        self.result.set(result);
    }

    /// Adds a change to the pending tray (once: asking twice for the same change is one).
    pub fn add_pending(self, intent: Intent) {
        self.add_all_pending(std::iter::once(intent));
    }

    /// Adds changes to the pending tray, each once, in one update: "Fix all" on a large tenant
    /// adds tens of thousands, so what is pending is looked up in a set, not the list.
    pub fn add_all_pending(self, intents: impl IntoIterator<Item = Intent>) {
        self.pending.update(|p| {
            let mut seen: pullpath_core::rbac::FastSet<Intent> = p.iter().cloned().collect();
            for intent in intents {
                if seen.insert(intent.clone()) {
                    p.push(intent);
                }
            }
        });
    }

    /// Reads the same source again (the tenant's chosen subscriptions, or the demo).
    pub fn rescan(self) {
        match self.source.get_untracked() {
            Some(Source::Tenant) => self.scan_tenant(),
            Some(Source::Demo) => self.explore_demo(),
            Some(Source::Snapshot(_)) | None => {}
        }
    }

    pub fn cancel_scan(self) {
        if let Some(c) = self.cancel.get_value() {
            c.cancel();
        }
    }
}

impl Default for AppState {
    fn default() -> Self {
        AppState::new()
    }
}

/// Fetches the list of every built-in role (`roles.txt`, see `core::catalog`) the first time a
/// tenant is read, alongside the reading: it is not in the wasm bundle. Should it not load,
/// the analysis says which role assignments it could therefore not check.
async fn load_role_table() {
    if catalog::table_installed() {
        return;
    }
    if let Ok(resp) = crate::fetch::fetch_plain("GET", "roles.txt", None, &Cancel::new()).await {
        if resp.is_success() {
            // A copy of another version is refused whole (the analysis then says so too).
            let _ = catalog::install_table(resp.body);
        }
    }
}

async fn load_config() -> Result<AppConfig, String> {
    let resp = crate::fetch::fetch_plain("GET", "config.json", None, &Cancel::new()).await.map_err(|e| format!("config.json could not be loaded: {e}"))?;
    if !resp.is_success() {
        return Err(format!("config.json could not be loaded (HTTP {}): deploy a config.json next to index.html", resp.status));
    }
    AppConfig::parse(&resp.body).map_err(|e| e.to_string())
}

