//! The scan's Microsoft Graph phase: once everything ARM holds is read, the names of the
//! principals in role assignments and the transitive members of every group among them.
//!
//! - Names: `POST /v1.0/directoryObjects/getByIds`, up to 1,000 ids a request ("You can
//!   specify up to 1000 ids.", https://learn.microsoft.com/graph/api/directoryobject-getbyids),
//!   for every principal of a role assignment that ARM does not already name (managed
//!   identities of resources the scan read are named by those resources).
//! - Members: `GET /v1.0/groups/{id}/transitiveMembers` for each group found, and for each
//!   group found among members (so the explanation can name the chain), paged by
//!   `@odata.nextLink`, followed only through `link::follow` on the Graph origin. A group is
//!   read up to [`super::ScanConfig::max_group_members`] members; what is cut is said.
//! - Batches: member reads waiting at the same time (first pages and the next pages their
//!   answers link to) go together in `POST /v1.0/$batch`, up to 20 ("Microsoft Graph supports
//!   batching up to 20 requests into the JSON object.", https://learn.microsoft.com/graph/json-batching).
//!   Each item's answer is read on its own: its page, its `@odata.nextLink` (followed like a
//!   plain read's), its 429 and `Retry-After` (the item is sent again, in a later batch), its
//!   refusal. A lone read goes without a batch; a Graph that refuses `$batch` with a 400 gets
//!   the reads one by one.
//! - Clusters: an AKS cluster without a kubelet identity names its service principal by
//!   application id only; `GET /v1.0/servicePrincipals?$filter=appId eq '…'` says which it is.
//! - Throttling: "When throttling occurs, Microsoft Graph returns HTTP status code 429 (Too
//!   many requests) […] A suggested wait time is returned in the response header of the failed
//!   request." (https://learn.microsoft.com/graph/throttling): the scan's 429 handling waits
//!   `Retry-After`, in a bucket of Graph's own.
//! - Without Graph (no origin configured, or Graph refuses), the scan ends on ARM data alone
//!   with a diagnostic saying exactly what was not read and which permission reads it.
//!
//! Request count: ⌈principals / 1,000⌉ + ⌈member reads waiting together / 20⌉ per round
//! (a round: the groups one answer names, or the next pages and nested groups one batch's
//! answers name).
//!
//! Not here: building the requests (`directory_request`), what membership means (`access`).

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::Value;

use super::{backoff, parse_seconds, Bucket, Pending, Scan, ScanConfig, ScanResult, Step};
use crate::directory::{DirectoryKind, DirectoryObject};
use crate::directory_request::{self, MAX_IDS_PER_GET_BY_IDS};
use crate::inventory::Diagnostic;
use crate::request::{Request, Response};

/// Where directory diagnostics point.
const AT: &str = "/v1.0/directoryObjects";

/// The delegated permissions the phase needs, for the words of its diagnostics:
/// `getByIds` "Delegated (work or school account) | Directory.Read.All" and `transitiveMembers`
/// "Delegated (work or school account) | GroupMember.Read.All" (least privileged, per
/// https://learn.microsoft.com/graph/api/directoryobject-getbyids and
/// https://learn.microsoft.com/graph/api/group-list-transitivemembers).
pub const PERMISSIONS: &str = "the delegated Microsoft Graph permission Directory.Read.All (it covers reading group members too), which an administrator grants to pullpath's app registration";

/// A Graph collection page.
#[derive(Deserialize)]
struct GraphPage {
    #[serde(default)]
    value: Vec<Value>,
    #[serde(default, rename = "@odata.nextLink")]
    next_link: Option<String>,
}

/// A `$batch` answer: "responses", each with the "id" of its request, its "status", "headers"
/// and "body" (https://learn.microsoft.com/graph/json-batching).
#[derive(Deserialize)]
struct BatchAnswer {
    #[serde(default)]
    responses: Vec<BatchItemAnswer>,
}

#[derive(Deserialize)]
struct BatchItemAnswer {
    id: String,
    status: u16,
    #[serde(default)]
    headers: serde_json::Map<String, Value>,
    #[serde(default)]
    body: Value,
}

/// One member read waiting for (or inside) a `$batch`.
#[derive(Debug, Clone)]
pub(super) struct BatchItem {
    /// The group (lowercase GUID).
    pub group: String,
    pub req: Request,
    /// The paged list this read is a later page of (a key of `Scan::lists`).
    pub list: Option<u64>,
    /// Sends so far that Graph answered with a retryable status.
    pub attempt: u32,
}

/// What the phase has asked and learned.
#[derive(Debug, Default)]
pub(super) struct DirectoryState {
    /// Principal ids (lowercase) asked for by `getByIds`.
    asked: HashSet<String>,
    /// Groups (lowercase) whose members were asked for.
    groups_asked: HashSet<String>,
    /// Application ids (lowercase) whose service principal was asked for.
    apps_asked: HashSet<String>,
    /// Groups whose member list was cut at the cap.
    capped: HashSet<String>,
    /// Graph refused: nothing more is asked, and the refusal was reported once.
    refused: bool,
    /// The "no Graph" diagnostic was written.
    noted_missing: bool,
    /// Member reads not sent yet: [`Scan::flush_members`] sends them, together.
    pub members_queue: Vec<BatchItem>,
}

/// How the diagnostic of a scan without Graph access starts.
const NOT_READ: &str = "names and group members were not read from Microsoft Graph";
/// How the diagnostic of a Graph that refused or failed a read starts.
const DID_NOT_GIVE: &str = "Microsoft Graph did not give";

impl ScanResult {
    /// What Microsoft Graph refused or failed to give in this scan, in words with what to do
    /// (sign in again after a 401; the permission an administrator grants after a 403), if
    /// anything: the scan had a Graph token, and names or group members are still missing.
    pub fn directory_problem(&self) -> Option<&str> {
        self.diagnostics.iter().find(|d| d.at == AT && d.message.starts_with(DID_NOT_GIVE)).map(|d| d.message.as_str())
    }
}

impl Scan {
    /// The Graph phase alone, for `previous`, a result read without Graph (a scan before the
    /// user consented to it): the names of its principals, its groups' transitive members and
    /// its AKS service principals are read as the full scan would read them, and nothing is
    /// read from ARM again. What the result said about Graph (its "not read" note, a refusal)
    /// goes, and is said again if it still holds. Principals `previous` already names are not
    /// asked again. `config.directory_origin` must be set; without it this only repeats the
    /// "not read" note.
    pub fn add_directory(config: ScanConfig, previous: ScanResult) -> Scan {
        let mut scan = Scan::resume(config, previous);
        scan.result.diagnostics.retain(|d| d.at != AT);
        scan.result.skipped.retain(|s| s.scope != AT);
        scan.maybe_start_directory();
        scan
    }

    /// Starts (or continues, after a refresh) the Graph phase when the ARM work is done.
    pub(super) fn maybe_start_directory(&mut self) {
        if !(self.ready.is_empty() && self.delayed.is_empty() && self.in_flight.is_empty()) || self.directory.refused {
            return;
        }
        let mut known = self.arm_named_principals();
        // A kept result (a refresh after an apply) already holds what Graph said about its
        // principals: only principals new to it are asked for, or said to be unnamed.
        known.extend(self.result.inventory.directory.iter().filter_map(|o| directory_request::guid(&o.id)));
        let mut wanted: Vec<String> = self
            .result
            .inventory
            .role_assignments
            .iter()
            .filter_map(|ra| directory_request::guid(&ra.properties.principal_id))
            .filter(|p| !known.contains(p) && !self.directory.asked.contains(p))
            .collect();
        crate::sort::sort(&mut wanted);
        wanted.dedup();
        if self.config.directory_origin.is_none() {
            if !wanted.is_empty() && !self.directory.noted_missing {
                self.directory.noted_missing = true;
                // A refresh of a kept result says it again, for the inventory as it is now.
                self.result.diagnostics.retain(|d| !(d.at == AT && d.message.starts_with(NOT_READ)));
                let groups = self.result.inventory.role_assignments.iter().filter(|ra| matches!(ra.properties.principal_type, Some(crate::arm::PrincipalType::Group))).map(|ra| ra.properties.principal_id.to_ascii_lowercase()).collect::<HashSet<_>>().len();
                self.result.diagnostics.push(Diagnostic {
                    at: AT.into(),
                    message: format!(
                        "{NOT_READ} (this scan has no Graph access): {} principal(s) of role assignments are shown by their object ids, and the members of {groups} group(s) holding roles are unknown, so access through those groups is not credited to anyone; reading them needs {PERMISSIONS}",
                        wanted.len()
                    ),
                });
            }
            return;
        }
        // AKS clusters that pull with a service principal name it by application id only.
        let apps: Vec<String> = self
            .result
            .inventory
            .managed_clusters
            .iter()
            .filter(|mc| mc.kubelet_identity().and_then(|k| k.object_id.as_ref()).is_none())
            .filter_map(|mc| mc.service_principal_app_id().and_then(directory_request::guid))
            .filter(|app| !self.result.inventory.directory.iter().any(|o| o.app_id.as_deref().is_some_and(|a| a.eq_ignore_ascii_case(app))))
            .collect();
        for app in apps {
            if self.directory.apps_asked.insert(app.clone()) {
                if let Some(req) = directory_request::service_principal_by_app_id(&app) {
                    self.enqueue(Step::DirectoryApp { app_id: app }, req);
                }
            }
        }
        for batch in wanted.chunks(MAX_IDS_PER_GET_BY_IDS) {
            self.directory.asked.extend(batch.iter().cloned());
            if let Some(req) = directory_request::get_by_ids(batch) {
                self.enqueue(Step::DirectoryNames { count: batch.len() }, req);
            }
        }
    }

    /// Principal ids (lowercase GUIDs) the ARM resources read already name.
    fn arm_named_principals(&self) -> HashSet<String> {
        let inv = &self.result.inventory;
        let mut out = HashSet::new();
        let mut add = |p: Option<&String>| {
            if let Some(g) = p.and_then(|p| directory_request::guid(p)) {
                out.insert(g);
            }
        };
        for u in &inv.identities {
            add(u.properties.principal_id.as_ref());
        }
        let msis = inv.workspaces.iter().map(|w| &w.identity).chain(inv.computes.iter().map(|c| &c.identity)).chain(inv.registries.iter().map(|r| &r.identity)).chain(inv.managed_clusters.iter().map(|m| &m.identity))
            .chain(inv.online_endpoints.iter().map(|e| &e.identity))
            .chain(inv.container_groups.iter().map(|g| &g.identity));
        for msi in msis.flatten() {
            add(msi.principal_id.as_ref());
            for r in msi.user_assigned_identities.values() {
                add(r.principal_id.as_ref());
            }
        }
        for mc in &inv.managed_clusters {
            add(mc.kubelet_identity().and_then(|k| k.object_id.as_ref()));
        }
        out
    }

    /// A `getByIds` (or `servicePrincipals?$filter`) answer: the objects join the inventory;
    /// every group's members are asked.
    pub(super) fn directory_names(&mut self, resp: &Response) {
        let page: GraphPage = match serde_json::from_str(&resp.body) {
            Ok(p) => p,
            Err(e) => return self.result.diagnostics.push(Diagnostic { at: AT.into(), message: format!("Microsoft Graph's getByIds answer is not a directory object list: {e}") }),
        };
        for v in page.value {
            let Ok(object) = serde_json::from_value::<DirectoryObject>(v) else { continue };
            if object.kind() == DirectoryKind::Other || directory_request::guid(&object.id).is_none() {
                continue;
            }
            let group = (object.kind() == DirectoryKind::Group).then(|| object.id.clone());
            self.add_directory_object(object);
            if let Some(g) = group {
                self.ask_members(&g);
            }
        }
    }

    fn add_directory_object(&mut self, object: DirectoryObject) {
        let dir = &mut self.result.inventory.directory;
        match dir.iter_mut().find(|o| o.id.eq_ignore_ascii_case(&object.id)) {
            Some(old) => {
                let members = old.transitive_members.take();
                *old = DirectoryObject { transitive_members: members, ..object };
            }
            None => {
                dir.push(object);
                self.progress.items_found += 1;
            }
        }
    }

    fn ask_members(&mut self, group: &str) {
        let Some(g) = directory_request::guid(group) else { return };
        if self.directory.refused || !self.directory.groups_asked.insert(g.clone()) {
            return;
        }
        if let Some(req) = directory_request::list_transitive_members(&g) {
            self.enqueue(Step::DirectoryMembers { group: g }, req);
        }
    }

    /// A page of a group's transitive members: appended to the group's list, nested groups
    /// asked in turn, the next page followed on the Graph origin until the cap.
    pub(super) fn directory_members(&mut self, pending: Pending, resp: &Response) {
        let Pending { step, req, list, .. } = pending;
        let Step::DirectoryMembers { group } = &step else { return };
        let page: GraphPage = match serde_json::from_str(&resp.body) {
            Ok(p) => p,
            Err(e) => {
                return self.result.diagnostics.push(Diagnostic { at: req.path.clone(), message: format!("Microsoft Graph's transitiveMembers answer is not a directory object list: {e}; the group's members are not known") })
            }
        };
        let cap = self.config.max_group_members;
        let members: Vec<DirectoryObject> = page.value.into_iter().filter_map(|v| serde_json::from_value::<DirectoryObject>(v).ok()).filter(|m| directory_request::guid(&m.id).is_some()).collect();
        let dir = &mut self.result.inventory.directory;
        let at = match dir.iter().position(|o| o.id.eq_ignore_ascii_case(group)) {
            Some(i) => i,
            None => {
                // A nested group known only as a member: it stands on its own, with its list.
                dir.push(DirectoryObject { odata_type: crate::directory::GROUP_TYPE.into(), id: group.clone(), display_name: None, user_principal_name: None, app_id: None, service_principal_type: None, transitive_members: None });
                dir.len() - 1
            }
        };
        let list_now = dir[at].transitive_members.get_or_insert_with(Vec::new);
        let room = cap.saturating_sub(list_now.len());
        let cut = members.len() > room;
        let nested: Vec<DirectoryObject> = members.iter().filter(|m| m.kind() == DirectoryKind::Group).map(DirectoryObject::without_members).collect();
        list_now.extend(members.into_iter().take(room).map(|m| m.without_members()));
        let read = list_now.len();
        for n in nested {
            if !self.result.inventory.directory.iter().any(|o| o.id.eq_ignore_ascii_case(&n.id)) {
                let id = n.id.clone();
                self.result.inventory.directory.push(n);
                self.ask_members(&id);
            } else {
                self.ask_members(&n.id);
            }
        }
        let next = page.next_link.filter(|l| !l.is_empty());
        if cut || (next.is_some() && read >= cap) {
            if self.directory.capped.insert(group.clone()) {
                let name = self.result.inventory.directory.iter().find(|o| o.id.eq_ignore_ascii_case(group)).and_then(|o| o.name().map(str::to_string)).unwrap_or_else(|| group.clone());
                self.result.diagnostics.push(Diagnostic {
                    at: format!("/v1.0/groups/{group}"),
                    message: format!(
                        "group {name} has more than {cap} transitive members: the scan read the first {read} and stopped paging, so members beyond them are not credited with the group's role assignments (raise the scan's member cap to read them all)"
                    ),
                });
            }
            if let Some(list) = list {
                self.lists.remove(&list);
            }
            return;
        }
        match next {
            Some(next) => self.follow(step.clone(), &next, &req, list),
            None => {
                if let Some(list) = list {
                    self.lists.remove(&list);
                }
            }
        }
    }

    /// Sends the member reads waiting: a lone one as it is, more in `$batch`es of up to
    /// `directory_batch`.
    pub(super) fn flush_members(&mut self) {
        let queue = std::mem::take(&mut self.directory.members_queue);
        if self.stopped || self.directory.refused {
            return;
        }
        let size = self.config.directory_batch;
        let (batchable, mut alone): (Vec<BatchItem>, Vec<BatchItem>) = queue.into_iter().partition(|i| size > 1 && directory_request::members_group(&i.req).is_some());
        for chunk in batchable.chunks(size) {
            let ids: Vec<(String, Request)> = chunk.iter().enumerate().map(|(n, i)| (n.to_string(), i.req.clone())).collect();
            match (chunk.len(), directory_request::batch(&ids)) {
                (2.., Some(req)) => self.push_ready(Step::DirectoryBatch { items: chunk.to_vec() }, req, None, 0),
                _ => alone.extend(chunk.iter().cloned()),
            }
        }
        for i in alone {
            self.push_ready(Step::DirectoryMembers { group: i.group }, i.req, i.list, i.attempt);
        }
    }

    /// A `$batch` answer: each item as if it had come alone; throttled or failing items wait
    /// for their `Retry-After` (or a backoff) and go again.
    pub(super) fn directory_batch(&mut self, pending: Pending, resp: &Response) {
        let Step::DirectoryBatch { items } = pending.step else { return };
        let answers = serde_json::from_str::<BatchAnswer>(&resp.body).map(|a| a.responses).unwrap_or_default();
        for (n, mut item) in items.into_iter().enumerate() {
            let id = n.to_string();
            let answer = answers.iter().find(|a| a.id == id);
            let status = answer.map_or(0, |a| a.status);
            let step = Step::DirectoryMembers { group: item.group.clone() };
            let body = answer.map(|a| a.body.to_string()).unwrap_or_default();
            match status {
                200..=299 => {
                    let page = Pending { step, req: item.req, bucket: Bucket::Directory, attempt: item.attempt + 1, not_before: Default::default(), list: item.list };
                    self.directory_members(page, &Response { status, headers: Vec::new(), body });
                }
                // No answer for the item is a fault of the batch: sent again, as a 5xx is.
                0 | 408 | 429 | 500..=599 => {
                    item.attempt += 1;
                    if item.attempt >= self.config.max_attempts {
                        let (scope, what) = step.describe();
                        self.result.skipped.push(super::Skipped { scope, what, reason: format!("Microsoft Graph answered HTTP {status} in a $batch (gave up after {} tries)", item.attempt) });
                        continue;
                    }
                    let after = answer.and_then(|a| a.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("retry-after"))).and_then(|(_, v)| v.as_str().and_then(parse_seconds).or_else(|| v.as_u64().map(std::time::Duration::from_secs)));
                    let wait = after.unwrap_or_else(|| backoff(item.attempt, std::time::Duration::from_secs(1)));
                    if status == 429 {
                        self.progress.throttled += 1;
                    }
                    self.progress.retries += 1;
                    let b = self.buckets.entry(Bucket::Directory).or_default();
                    b.blocked_until = b.blocked_until.max(self.now + wait);
                    self.directory.members_queue.push(item);
                }
                _ => self.directory_refused(&step, &Response { status, headers: Vec::new(), body }),
            }
        }
    }

    /// A Graph that refused a `$batch` as a bad request: its reads go one by one.
    pub(super) fn unbatch(&mut self, pending: Pending) {
        let Step::DirectoryBatch { items } = pending.step else { return };
        for i in items {
            self.push_ready(Step::DirectoryMembers { group: i.group }, i.req, i.list, i.attempt);
        }
    }

    /// Graph refused (401/403, typically missing consent): said once, with the permission that
    /// reads it; nothing more is asked of Graph.
    pub(super) fn directory_refused(&mut self, step: &Step, resp: &Response) {
        if matches!(step, Step::DirectoryMembers { .. }) && resp.status == 404 {
            // A group deleted since its role assignment was made: it has no members.
            return;
        }
        let denied = resp.status == 401 || resp.status == 403;
        if denied && self.directory.refused {
            return;
        }
        self.directory.refused |= denied;
        let what = match step {
            Step::DirectoryNames { count } => format!("the names of {count} principal(s)"),
            Step::DirectoryMembers { group } => format!("the members of group {group}"),
            Step::DirectoryApp { app_id } => format!("the service principal of application {app_id}"),
            Step::DirectoryBatch { items } => format!("the members of {} group(s)", items.len()),
            _ => "directory objects".into(),
        };
        let why = graph_error_text(resp);
        // A 401 is the token, not the permission: the host renews Graph tokens before they
        // expire, so one refused is revoked or for another tenant, and saying a permission is
        // missing would send an administrator to grant what is already granted.
        let hint = match resp.status {
            401 => "; access through groups is not credited and principals are shown by id: Microsoft Graph refused the sign-in's token (expired, revoked or for another tenant): sign in again and rescan".to_string(),
            403 => format!("; access through groups is not credited and principals are shown by id: reading them needs {PERMISSIONS}"),
            _ => String::new(),
        };
        self.result.diagnostics.push(Diagnostic { at: AT.into(), message: format!("{DID_NOT_GIVE} {what} ({why}){hint}") });
        self.result.skipped.push(super::Skipped { scope: AT.into(), what: format!("Microsoft Graph: {what}"), reason: why });
    }
}

/// `code: message` of Graph's error envelope (`{"error": {"code", "message"}}`), or the status.
fn graph_error_text(resp: &Response) -> String {
    serde_json::from_str::<Value>(&resp.body)
        .ok()
        .and_then(|v| {
            let e = v.get("error")?;
            let code = e.get("code")?.as_str()?;
            let message = e.get("message").and_then(Value::as_str).unwrap_or_default();
            Some(format!("HTTP {} {code}: {message}", resp.status))
        })
        .unwrap_or_else(|| format!("HTTP {}", resp.status))
}
