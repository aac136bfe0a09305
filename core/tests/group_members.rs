//! Groups in the views (issue 16): the matrix shows a group and, expanded, its members (the
//! principals whose access runs through the group's assignments, nested groups included, right
//! below it); the graph draws each such member's "member of" edge to the group.

use pullpath_core::access::IdentityKind;

use pullpath_core::analysis;
use pullpath_core::graph::{self, EdgeKind, NodeId};
use pullpath_core::matrix::{Matrix, Query};
use pullpath_sim::DEMO_TENANT;
use pullpath_core::snapshot;

fn demo() -> (pullpath_core::analysis::Analysis, Matrix) {
    let (inv, _) = snapshot::parse(DEMO_TENANT).unwrap();
    let a = analysis::analyze(&inv);
    let m = Matrix::new(&a);
    (a, m)
}

fn row_named(m: &Matrix, name: &str) -> u32 {
    m.rows.iter().position(|r| r.identity == name).unwrap_or_else(|| panic!("no row {name}: {:?}", m.rows.iter().map(|r| &r.identity).collect::<Vec<_>>())) as u32
}

#[test]
fn a_group_row_lists_the_members_that_hold_its_access() {
    let (a, m) = demo();
    let g = row_named(&m, "ml-image-pullers");
    let group = &m.rows[g as usize];
    assert_eq!(group.kind, IdentityKind::Group);
    let names: Vec<&str> = group.members.iter().map(|&i| m.rows[i as usize].identity.as_str()).collect();
    assert!(!names.is_empty(), "the demo's group has members");
    // Each listed member reaches a registry through this group's assignment, and by name order.
    for &i in &group.members {
        let row = &m.rows[i as usize];
        assert!(row.cells.iter().any(|&(_, c)| a.access[c as usize].via.iter().any(|p| p.group.as_deref() == Some(group.principal_id.as_str()))), "{} holds access through the group", row.identity);
    }
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names, sorted);
    // Rows that are not groups list no members.
    assert!(m.rows.iter().filter(|r| r.kind != IdentityKind::Group).all(|r| r.members.is_empty()));
}

#[test]
fn expanding_a_group_shows_its_members_below_it_and_keeps_every_row_in_place() {
    let (a, m) = demo();
    let g = row_named(&m, "ml-image-pullers");
    let plain = m.view(&a, &Query::default());
    assert!(plain.member_of.iter().all(Option::is_none));
    assert_eq!(plain.member_of.len(), plain.rows.len());

    let open = m.view(&a, &Query { expanded: vec![m.rows[g as usize].principal_id.to_uppercase()], ..Default::default() });
    let members = &m.rows[g as usize].members;
    assert_eq!(open.rows.len(), plain.rows.len() + members.len());
    let at = open.rows.iter().position(|&r| r == g).unwrap();
    assert_eq!(&open.rows[at + 1..at + 1 + members.len()], members.as_slice(), "members right below the group");
    assert!(open.member_of[at + 1..at + 1 + members.len()].iter().all(|&x| x == Some(g)));
    assert_eq!(open.member_of[at], None);
    // Without the inserted members, the order is the plain one.
    let own: Vec<u32> = open.rows.iter().zip(&open.member_of).filter(|(_, u)| u.is_none()).map(|(&r, _)| r).collect();
    assert_eq!(own, plain.rows);
}

#[test]
fn expanding_something_that_is_not_a_group_changes_nothing() {
    let (a, m) = demo();
    let cpu = &m.rows[row_named(&m, "cpu-cluster") as usize];
    let plain = m.view(&a, &Query::default());
    assert_eq!(m.view(&a, &Query { expanded: vec![cpu.principal_id.clone(), "not-a-principal".into()], ..Default::default() }), plain);
}

#[test]
fn the_graph_draws_member_of_edges_from_members_to_the_group_holding_the_role() {
    let (inv, _) = snapshot::parse(DEMO_TENANT).unwrap();
    let a = analysis::analyze(&inv);
    let g = graph::build(&inv, &a);
    let m = Matrix::new(&a);
    let group = &m.rows[row_named(&m, "ml-image-pullers") as usize];
    let group_node = NodeId::principal(&group.principal_id);
    let into_group: Vec<&NodeId> = g.edges.iter().filter(|e| e.kind == EdgeKind::MemberOf && e.to == group_node).map(|e| &e.from).collect();
    let members: Vec<NodeId> = group.members.iter().map(|&i| NodeId::principal(&m.rows[i as usize].principal_id)).collect();
    assert_eq!(into_group.len(), members.len(), "one edge per member: {into_group:?}");
    for mem in &members {
        assert!(into_group.contains(&mem), "{mem} → the group");
    }
    // Every member-of edge ends at a group, and only principals reaching a registry through it
    // have one.
    for e in g.edges.iter().filter(|e| e.kind == EdgeKind::MemberOf) {
        let to = g.nodes.iter().find(|n| n.id == e.to).expect("the group is drawn");
        assert_eq!(to.identity, Some(IdentityKind::Group), "{} is a group", to.label);
    }
    let cpu = NodeId::principal(&m.rows[row_named(&m, "cpu-cluster") as usize].principal_id);
    assert!(g.edges.iter().any(|e| e.kind == EdgeKind::MemberOf && e.from == cpu), "cpu-cluster pulls through the group");
    let kubelet = NodeId::principal(&m.rows[row_named(&m, "aks-inference kubelet") as usize].principal_id);
    assert!(!g.edges.iter().any(|e| e.kind == EdgeKind::MemberOf && e.from == kubelet), "the kubelet is in no group");
}
