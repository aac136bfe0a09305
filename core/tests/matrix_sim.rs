//! The access matrix (`matrix.rs`) on the demo tenant: cells, sorting, filters, the words a
//! cell is read out as, and a pull the network blocks.
//! (Integration tests: the simulator is its own crate, which core's unit tests cannot use.)

use pullpath_core::access::{AccessRow, IdentityKind, Level};
use pullpath_core::analysis::{self, Analysis};
use pullpath_core::inventory::Inventory;
use pullpath_core::matrix::*;
use pullpath_sim::Sim;

fn demo() -> Analysis {
    analysis::analyze(&Inventory::from_resources(Sim::demo().tenant_resources().cloned()).0)
}

fn names(m: &Matrix, v: &View) -> Vec<String> {
    v.rows.iter().map(|&r| m.rows[r as usize].identity.clone()).collect()
}

/// A pull RBAC allows and the network blocks reads as both, and counts as a problem.
#[test]
fn a_pull_the_network_blocks_shows_both_verdicts() {
    let case: serde_json::Value = serde_json::from_str(include_str!("truth/network/private-endpoint-in-unpeered-vnet-blocks.json")).unwrap();
    let (inv, _) = pullpath_core::snapshot::parse(&case["snapshot"].to_string()).unwrap();
    let a = analysis::analyze(&inv);
    let row = a.access.iter().find(|r| network_blocked(r)).expect("a blocked pull path");
    assert_ne!(row.pull, Level::No, "RBAC allows this pull");
    let (text, tone) = cell_text(row);
    assert!(text.ends_with(" · network blocked"), "{text}");
    assert_eq!(tone, CellTone::Bad);
    assert!(is_problem(row));
    // The filter for exactly these: this cell stays, an allowed and reachable one does not.
    let m = Matrix::new(&a);
    let v = m.view(&a, &Query { show: Show::NetworkBlocked, ..Default::default() });
    let kept: Vec<&AccessRow> = v.rows.iter().flat_map(|&r| m.rows[r as usize].cells.iter().filter(|(reg, _)| v.columns.contains(reg)).map(|&(_, i)| &a.access[i as usize])).filter(|r| Show::NetworkBlocked.keeps(r)).collect();
    assert!(kept.iter().any(|r| r.principal_id == row.principal_id && r.registry == row.registry));
    assert!(a.access.iter().filter(|r| r.pull != Level::No && !network_blocked(r)).all(|r| !Show::NetworkBlocked.keeps(r)));
    let demo = demo();
    let m = Matrix::new(&demo);
    assert_eq!(names(&m, &m.view(&demo, &Query { show: Show::NetworkBlocked, ..Default::default() })), ["vision-cluster"], "the demo's one blocked path");
}

/// A pull RBAC allows whose network verdict is unknown (a private endpoint without DNS)
/// says so in its cell, as a warning, not as reachable.
#[test]
fn a_pull_the_network_leaves_unknown_says_so() {
    let case: serde_json::Value = serde_json::from_str(include_str!("truth/network/private-endpoint-without-dns-zone-group-is-unknown.json")).unwrap();
    let (inv, _) = pullpath_core::snapshot::parse(&case["snapshot"].to_string()).unwrap();
    let a = analysis::analyze(&inv);
    let row = a.access.iter().find(|r| r.network.iter().any(|v| v.reach == pullpath_core::network::Reach::Unknown)).expect("an unknown network verdict");
    assert_ne!(row.pull, Level::No, "RBAC allows this pull");
    let (text, tone) = cell_text(row);
    assert_eq!(text, "pull ✓ · network unknown");
    assert_eq!(tone, CellTone::Warn);
}

#[test]
fn every_access_row_is_one_cell() {
    let a = demo();
    let m = Matrix::new(&a);
    assert_eq!(m.rows.iter().map(|r| r.cells.len()).sum::<usize>(), a.access.len());
    for (i, row) in a.access.iter().enumerate() {
        let r = m.rows.iter().find(|r| *r.principal_id == *row.principal_id).unwrap();
        let reg = a.registries.iter().position(|x| x.id == row.registry).unwrap() as u32;
        assert_eq!(r.cell(reg), Some(i as u32));
    }
}

#[test]
fn sorts_by_name_kind_and_pulls() {
    let a = demo();
    let m = Matrix::new(&a);
    let by_name = names(&m, &m.view(&a, &Query::default()));
    let mut sorted = by_name.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(by_name, sorted);
    let desc = m.view(&a, &Query { direction: Direction::Descending, ..Default::default() });
    assert_eq!(names(&m, &desc), by_name.iter().rev().cloned().collect::<Vec<_>>());
    let pulls = m.view(&a, &Query { sort: Sort::Pulls, direction: Direction::Descending, ..Default::default() });
    let counts: Vec<u32> = pulls.rows.iter().map(|&r| m.rows[r as usize].pulls).collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    assert!(counts[0] > counts[counts.len() - 1]);
    let kinds = m.view(&a, &Query { sort: Sort::Kind, ..Default::default() });
    let k: Vec<&str> = kinds.rows.iter().map(|&r| kind_name(m.rows[r as usize].kind)).collect();
    assert!(k.windows(2).all(|w| w[0] <= w[1]), "{k:?}");
}

#[test]
fn filters_rows_and_columns() {
    let a = demo();
    let m = Matrix::new(&a);
    let all = m.view(&a, &Query::default());
    assert_eq!(all.columns.len(), a.registries.len());
    let cpu = m.view(&a, &Query { identity: "CPU-cluster".into(), ..Default::default() });
    assert!(!cpu.rows.is_empty() && cpu.rows.len() < all.rows.len());
    assert!(names(&m, &cpu).iter().all(|n| n.contains("cpu-cluster")));
    let abac = m.view(&a, &Query { registry: "abac".into(), ..Default::default() });
    assert_eq!(abac.columns.iter().map(|&c| a.registries[c as usize].name.as_str()).collect::<Vec<_>>(), ["acrteamabac"]);
    assert!(abac.rows.iter().all(|&r| m.rows[r as usize].cells.iter().any(|c| c.0 == abac.columns[0])));
    let users = m.view(&a, &Query { kind: Some(IdentityKind::UserAssigned), ..Default::default() });
    assert!(!users.rows.is_empty() && users.rows.iter().all(|&r| m.rows[r as usize].kind == IdentityKind::UserAssigned));
    let problems = m.view(&a, &Query { show: Show::Problems, ..Default::default() });
    assert!(!problems.rows.is_empty() && problems.rows.len() < all.rows.len());
    assert!(problems.rows.iter().all(|&r| m.rows[r as usize].problems > 0));
}

#[test]
fn cells_read_without_colour() {
    let a = demo();
    let texts: Vec<String> = a.access.iter().map(|r| cell_text(r).0).collect();
    assert!(texts.iter().any(|t| t == "✗ expected, cannot pull"), "{texts:?}");
    assert!(texts.iter().any(|t| t.starts_with("pull ✓")), "{texts:?}");
    for r in &a.access {
        let (text, tone) = cell_text(r);
        if r.pull == Level::No && !r.expected_by.is_empty() {
            assert_eq!(tone, CellTone::Bad, "{text}");
        }
    }
}
