//! The access matrix as the UI shows it: one row per principal, one column per registry, each
//! cell an access row; sorting, filtering and the words a cell is read out as; links to the
//! Azure portal.
//!
//! Built once per analysis ([`Matrix::new`]), then queried cheaply on every keystroke
//! ([`Matrix::view`]): tenants have thousands of identities and hundreds of registries. Not
//! here: deciding access (`access`), rendering (the web app).

use std::cmp::Ordering;

use crate::access::{AccessRow, IdentityKind, Level, PathKind};
use crate::analysis::Analysis;
use crate::id::ResourceId;
use crate::rbac::FastMap;

/// One principal's row: the access rows it has, by registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Lowercase principal id (`*` for anonymous pull), as in the access rows.
    pub principal_id: String,
    /// The identity's name (`cpu-cluster`), or the access row's label when it has none.
    pub identity: String,
    pub kind: IdentityKind,
    /// `(registry index into Analysis::registries, access index into Analysis::access)`,
    /// sorted by registry index.
    pub cells: Vec<(u32, u32)>,
    /// Registries it can pull from (fully or partly).
    pub pulls: u32,
    /// Cells that are problems (see [`is_problem`]).
    pub problems: u32,
    /// For a group: the rows of the principals that hold access as its transitive members
    /// (an access path of theirs is the group's assignment), by name. Empty for any other row,
    /// and for a group whose members were not read.
    pub members: Vec<u32>,
}

impl Row {
    /// The access index of this row's cell for a registry, if it has one.
    pub fn cell(&self, registry: u32) -> Option<u32> {
        self.cells.binary_search_by_key(&registry, |c| c.0).ok().map(|i| self.cells[i].1)
    }
}

/// Every row of an analysis, in access order of first appearance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Matrix {
    pub rows: Vec<Row>,
    /// Registry count (the columns before filtering).
    pub registries: usize,
}

/// How to order the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Name,
    Kind,
    /// Number of registries it can pull from.
    Pulls,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    #[default]
    Ascending,
    Descending,
}

/// Which cells to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Show {
    #[default]
    All,
    /// Only cells that are problems, and the rows and registries that have one.
    Problems,
    /// Only pulls RBAC allows and the network blocks (`network`), and their rows and registries.
    NetworkBlocked,
    /// Only pulls a workload really makes (an environment's or deployment's image, `demand`),
    /// whether they work or not, and their rows and registries.
    Used,
}

impl Show {
    /// Whether a cell stays.
    pub fn keeps(self, row: &AccessRow) -> bool {
        match self {
            Show::All => true,
            Show::Problems => is_problem(row),
            Show::NetworkBlocked => row.pull != Level::No && network_blocked(row),
            Show::Used => row.used,
        }
    }
}

/// What the user asked to see.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    /// Matched case-insensitively against the identity's name and principal id.
    pub identity: String,
    /// Matched case-insensitively against the registry's name and login server.
    pub registry: String,
    pub kind: Option<IdentityKind>,
    pub show: Show,
    pub sort: Sort,
    pub direction: Direction,
    /// Groups (lowercase principal ids) shown with their members right below them.
    pub expanded: Vec<String>,
}

/// The rows and columns a query selects, in display order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct View {
    /// Indexes into [`Matrix::rows`].
    pub rows: Vec<u32>,
    /// Indexes into `Analysis::registries`.
    pub columns: Vec<u32>,
    /// Beside `rows`: for a member shown under its expanded group, that group's row (an index
    /// into [`Matrix::rows`]); `None` for a row in its own place. A member keeps its own place
    /// too, so sorting and filtering read the same with and without groups expanded.
    pub member_of: Vec<Option<u32>>,
}

/// A cell that needs attention: an expected pull that does not work, or access through a
/// path findings warn about (a role ABAC ignores, a broad role, admin keys, anonymous pull).
pub fn is_problem(row: &AccessRow) -> bool {
    (!row.expected_by.is_empty() && row.pull != Level::Yes)
        || row.via.iter().any(|p| matches!(p.kind, PathKind::AbacIgnored | PathKind::BroadRole | PathKind::AdminKeys | PathKind::Anonymous))
        || network_blocked(row)
}

/// Whether a workload that pulls as this identity cannot reach the registry over the network
/// (`network`): allowed by RBAC, blocked by the network.
pub fn network_blocked(row: &AccessRow) -> bool {
    row.network_blocked()
}

impl Matrix {
    pub fn new(analysis: &Analysis) -> Matrix {
        let registry_index: FastMap<&str, u32> = analysis.registries.iter().enumerate().map(|(i, r)| (r.id.key(), i as u32)).collect();
        let names: FastMap<String, &str> = analysis.identities.iter().map(|i| (i.principal_id.to_ascii_lowercase(), i.name.as_str())).collect();
        let mut by_principal: FastMap<&str, usize> = FastMap::default();
        let mut rows: Vec<Row> = Vec::new();
        for (a, access) in analysis.access.iter().enumerate() {
            let Some(&reg) = registry_index.get(access.registry.key()) else { continue };
            let i = *by_principal.entry(&access.principal_id).or_insert_with(|| {
                rows.push(Row {
                    principal_id: access.principal_id.to_string(),
                    // The access row's label names the kind too; the matrix shows it apart.
                    identity: names.get(&*access.principal_id).map_or_else(|| access.identity.clone(), |n| n.to_string()),
                    kind: access.identity_kind,
                    cells: Vec::new(),
                    pulls: 0,
                    problems: 0,
                    members: Vec::new(),
                });
                rows.len() - 1
            });
            let row = &mut rows[i];
            row.cells.push((reg, a as u32));
            row.pulls += u32::from(access.pull != Level::No);
            row.problems += u32::from(is_problem(access));
        }
        for row in &mut rows {
            crate::sort::sort_unstable(&mut row.cells);
            // One access row per principal and registry; keep the first if the data repeats.
            row.cells.dedup_by_key(|c| c.0);
        }
        // A member's path through a group names the group: that is who the group's row lists.
        let mut members: FastMap<&str, Vec<u32>> = FastMap::default();
        for (i, row) in rows.iter().enumerate() {
            for &(_, a) in &row.cells {
                for g in analysis.access[a as usize].via.iter().filter_map(|p| p.group.as_deref()) {
                    let list = members.entry(g).or_default();
                    if list.last() != Some(&(i as u32)) {
                        list.push(i as u32);
                    }
                }
            }
        }
        let by_name = |a: &Row, b: &Row| a.identity.to_lowercase().cmp(&b.identity.to_lowercase()).then_with(|| a.principal_id.cmp(&b.principal_id));
        for i in 0..rows.len() {
            if rows[i].kind != IdentityKind::Group {
                continue;
            }
            let Some(list) = members.get(rows[i].principal_id.as_str()) else { continue };
            let mut list = list.clone();
            list.sort_unstable();
            list.dedup();
            crate::sort::sort_by(&mut list, |&a, &b| by_name(&rows[a as usize], &rows[b as usize]));
            rows[i].members = list;
        }
        Matrix { rows, registries: analysis.registries.len() }
    }

    /// The rows and columns for a query. Without a row filter every registry that matches
    /// the registry filter is a column; with one, only those where a kept row has a cell.
    pub fn view(&self, analysis: &Analysis, q: &Query) -> View {
        let identity = q.identity.trim().to_lowercase();
        let registry = q.registry.trim().to_lowercase();
        let reg_ok: Vec<bool> = analysis
            .registries
            .iter()
            .map(|r| registry.is_empty() || r.name.to_lowercase().contains(&registry) || r.login_server.as_deref().is_some_and(|l| l.to_lowercase().contains(&registry)))
            .collect();
        // Only some cells are shown (problems, or network-blocked pulls).
        let cells_filtered = q.show != Show::All;
        let mut used = vec![false; self.registries];
        let mut rows: Vec<u32> = Vec::new();
        for (i, row) in self.rows.iter().enumerate() {
            if q.kind.is_some_and(|k| k != row.kind) {
                continue;
            }
            if !identity.is_empty() && !row.identity.to_lowercase().contains(&identity) && !row.principal_id.contains(&identity) {
                continue;
            }
            let mut keep = false;
            for &(reg, a) in &row.cells {
                if reg_ok[reg as usize] && q.show.keeps(&analysis.access[a as usize]) {
                    keep = true;
                    used[reg as usize] = true;
                }
            }
            // A row with no cell left says nothing once registries or problems are filtered.
            if keep || (registry.is_empty() && !cells_filtered) {
                rows.push(i as u32);
            }
        }
        let row_filter = !identity.is_empty() || q.kind.is_some() || cells_filtered;
        let columns = (0..self.registries as u32).filter(|&r| reg_ok[r as usize] && (!row_filter || used[r as usize])).collect();
        let by_name = |a: &Row, b: &Row| a.identity.to_lowercase().cmp(&b.identity.to_lowercase()).then_with(|| a.principal_id.cmp(&b.principal_id));
        crate::sort::sort_by(&mut rows, |&a, &b| {
            let (a, b) = (&self.rows[a as usize], &self.rows[b as usize]);
            let primary = match q.sort {
                Sort::Name => Ordering::Equal,
                Sort::Kind => kind_name(a.kind).cmp(kind_name(b.kind)),
                Sort::Pulls => a.pulls.cmp(&b.pulls),
            };
            let o = primary.then_with(|| by_name(a, b));
            match q.direction {
                Direction::Ascending => o,
                Direction::Descending => o.reverse(),
            }
        });
        let mut member_of = vec![None; rows.len()];
        if !q.expanded.is_empty() {
            let (mut shown, mut under) = (Vec::with_capacity(rows.len()), Vec::with_capacity(rows.len()));
            for &r in &rows {
                shown.push(r);
                under.push(None);
                let row = &self.rows[r as usize];
                if !row.members.is_empty() && q.expanded.iter().any(|g| g.eq_ignore_ascii_case(&row.principal_id)) {
                    shown.extend(row.members.iter().copied());
                    under.extend(row.members.iter().map(|_| Some(r)));
                }
            }
            (rows, member_of) = (shown, under);
        }
        View { rows, columns, member_of }
    }
}

/// Every identity kind, in the order a kind filter lists them.
pub const KINDS: [IdentityKind; 12] = [
    IdentityKind::UserAssigned,
    IdentityKind::WorkspaceSystem,
    IdentityKind::ComputeSystem,
    IdentityKind::RegistrySystem,
    IdentityKind::AksCluster,
    IdentityKind::AksKubelet,
    IdentityKind::EndpointSystem,
    IdentityKind::ContainerGroupSystem,
    IdentityKind::User,
    IdentityKind::Group,
    IdentityKind::ServicePrincipal,
    IdentityKind::Unknown,
];

/// A kind, for humans (the analysis' own wording).
pub fn kind_name(kind: IdentityKind) -> &'static str {
    kind.describe()
}

/// How a cell reads: a symbol and words, never colour alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellTone {
    /// Can pull (and maybe push).
    Ok,
    /// Some repositories only, or access that works but is a problem.
    Warn,
    /// Expected to pull and cannot.
    Bad,
    /// No access, and none expected.
    None,
}

/// The short text of a cell, e.g. `pull ✓ push —`, `pull partial`, `✗ expected, cannot pull`.
pub fn cell_text(row: &AccessRow) -> (String, CellTone) {
    let expected = !row.expected_by.is_empty();
    if row.pull == Level::No && expected {
        return ("✗ expected, cannot pull".into(), CellTone::Bad);
    }
    let sym = crate::words::level_in_cell;
    let problem = is_problem(row);
    let mut text = if row.pull == Level::No && row.push == Level::No {
        if problem { "⚠ role ignored".to_string() } else { "no access".to_string() }
    } else if row.push == Level::No {
        format!("pull {}", sym(row.pull))
    } else {
        format!("pull {} push {}", sym(row.pull), sym(row.push))
    };
    let blocked = network_blocked(row);
    // Not known to get through: what the network verdict needed was not in the data.
    let unknown = !blocked && row.network.iter().any(|v| v.reach == crate::network::Reach::Unknown);
    if blocked && row.pull != Level::No {
        // Both verdicts: RBAC allows the pull, the network stops it.
        text.push_str(" · network blocked");
    } else if unknown && row.pull != Level::No {
        text.push_str(" · network unknown");
    } else if problem && row.pull != Level::No {
        text.push_str(" ⚠");
    }
    let tone = if blocked && row.pull != Level::No {
        CellTone::Bad
    } else if problem || row.pull == Level::Partial || (unknown && row.pull != Level::No) {
        CellTone::Warn
    } else if row.pull == Level::No {
        CellTone::None
    } else {
        CellTone::Ok
    };
    (text, tone)
}

const PORTAL: &str = "https://portal.azure.com";

/// The Azure portal page of a resource.
pub fn portal_url(id: &ResourceId) -> String {
    format!("{PORTAL}/#@/resource{}", crate::percent::encode_path_in_fragment(id.as_str()))
}

/// The Entra ID page of a principal, when its kind says which page that is and the id is a
/// GUID. Managed identities are better shown through their resource ([`portal_url`]).
pub fn principal_portal_url(principal_id: &str, kind: IdentityKind) -> Option<String> {
    let guid = principal_id.len() == 36
        && principal_id.bytes().enumerate().all(|(i, b)| if matches!(i, 8 | 13 | 18 | 23) { b == b'-' } else { b.is_ascii_hexdigit() });
    if !guid {
        return None;
    }
    let page = match kind {
        IdentityKind::User => "Microsoft_AAD_UsersAndTenants/UserProfileMenuBlade/~/overview/userId",
        IdentityKind::Group => "Microsoft_AAD_IAM/GroupDetailsMenuBlade/~/Overview/groupId",
        IdentityKind::Unknown => return None,
        _ => "Microsoft_AAD_IAM/ManagedAppMenuBlade/~/Overview/objectId",
    };
    Some(format!("{PORTAL}/#view/{page}/{principal_id}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portal_links() {
        let id = ResourceId::parse("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr1").unwrap();
        assert_eq!(portal_url(&id), "https://portal.azure.com/#@/resource/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr1");
        let odd = ResourceId::parse("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/<img src=x onerror=\"a\">").unwrap();
        assert!(portal_url(&odd).ends_with("/registries/%3Cimg%20src%3Dx%20onerror%3D%22a%22%3E"));
        let guid = "0b6e4c1e-8a7d-4f55-9a53-2f8e1a0c9d11";
        assert_eq!(principal_portal_url(guid, IdentityKind::User).unwrap(), format!("https://portal.azure.com/#view/Microsoft_AAD_UsersAndTenants/UserProfileMenuBlade/~/overview/userId/{guid}"));
        assert!(principal_portal_url(guid, IdentityKind::ServicePrincipal).unwrap().ends_with(&format!("/objectId/{guid}")));
        assert_eq!(principal_portal_url(guid, IdentityKind::Unknown), None);
        assert_eq!(principal_portal_url("javascript:alert(1)", IdentityKind::User), None);
        assert_eq!(principal_portal_url("*", IdentityKind::User), None);
    }
}
