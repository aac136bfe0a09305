//! Consent to Microsoft Graph after a scan without it: only the Graph phase is read (issue 16,
//! "a refresh … re-reads what changed"), and the result is the one a scan with Graph from the
//! start gives.

use std::time::Duration;


use pullpath_core::analysis;
use pullpath_core::directory_request::is_graph;
use pullpath_core::request::Request;
use pullpath_core::scan::{Scan, ScanConfig, ScanResult, Start};
use pullpath_sim::{Sim, DEFAULT_GRAPH_ORIGIN, DEFAULT_ORIGIN};

/// Serves every request the scan wants; returns them.
fn drive(scan: &mut Scan, sim: &mut Sim) -> Vec<Request> {
    let mut sent = Vec::new();
    pullpath_sim::drive(scan, Duration::ZERO, 100_000, |req| {
        sent.push(req.clone());
        Ok(sim.handle(req))
    })
    .expect("the scan finishes");
    sent
}

fn config(graph: bool) -> ScanConfig {
    let mut c = ScanConfig::new(DEFAULT_ORIGIN, Start::AllSubscriptions);
    c.directory_origin = graph.then(|| DEFAULT_GRAPH_ORIGIN.to_string());
    c
}

fn scan(graph: bool, sim: &mut Sim) -> (ScanResult, Vec<Request>) {
    let mut s = Scan::with_config(config(graph));
    let sent = drive(&mut s, sim);
    (s.into_result(), sent)
}

#[test]
fn consent_reads_only_the_graph_phase_and_gives_the_full_scans_answer() {
    let mut sim = Sim::demo();
    let (without, _) = scan(false, &mut sim);
    assert!(without.inventory.directory.is_empty());
    assert!(without.diagnostics.iter().any(|d| d.message.contains("not read from Microsoft Graph")), "{:?}", without.diagnostics);

    let mut added = Scan::add_directory(config(true), without);
    let sent = drive(&mut added, &mut sim);
    let added = added.into_result();
    assert_eq!(added.directory_problem(), None);
    let arm: Vec<&Request> = sent.iter().filter(|r| !is_graph(r)).collect();
    assert!(arm.is_empty(), "ARM was read again: {arm:?}");

    let (full, full_sent) = scan(true, &mut sim);
    let graph_in_full: Vec<&Request> = full_sent.iter().filter(|r| is_graph(r)).collect();
    assert!(!graph_in_full.is_empty(), "the demo names principals from Graph");
    assert_eq!(sent.len(), graph_in_full.len(), "the same Graph reads as a full scan: {sent:?}");

    assert!(!added.diagnostics.iter().any(|d| d.message.contains("not read from Microsoft Graph")), "the note of the scan without Graph is gone: {:?}", added.diagnostics);
    let (a, b) = (analysis::analyze(&added.inventory), analysis::analyze(&full.inventory));
    assert_eq!(a.identities, b.identities, "names");
    assert_eq!(a.access, b.access, "access through groups");
    assert_eq!(a.findings, b.findings);
}

#[test]
fn without_a_graph_origin_it_reads_nothing_and_says_so_again() {
    let mut sim = Sim::demo();
    let (without, _) = scan(false, &mut sim);
    let mut again = Scan::add_directory(config(false), without);
    assert!(drive(&mut again, &mut sim).is_empty());
    let again = again.into_result();
    assert_eq!(again.diagnostics.iter().filter(|d| d.message.contains("not read from Microsoft Graph")).count(), 1, "{:?}", again.diagnostics);
}

#[test]
fn a_refusal_after_consent_replaces_the_old_note_and_arm_stays_unread() {
    let mut sim = Sim::demo();
    let (without, _) = scan(false, &mut sim);
    let mut added = Scan::add_directory(config(true), without);
    let mut sent = Vec::new();
    while let Some((id, req)) = added.poll_request(Duration::ZERO) {
        let denied = pullpath_core::request::Response { status: 403, headers: Vec::new(), body: r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}"#.into() };
        sent.push(req);
        added.handle_response(Duration::ZERO, id, Ok(denied));
    }
    assert!(added.is_done());
    assert!(sent.iter().all(is_graph), "{sent:?}");
    let r = added.into_result();
    assert!(r.diagnostics.iter().any(|d| d.message.contains("Authorization_RequestDenied")), "{:?}", r.diagnostics);
    let problem = r.directory_problem().expect("the refusal is the result's Graph problem");
    assert!(problem.contains("Directory.Read.All") && problem.contains("administrator grants"), "{problem}");
    assert!(!r.diagnostics.iter().any(|d| d.message.contains("not read from Microsoft Graph")), "{:?}", r.diagnostics);
    assert!(!r.inventory.registries.is_empty(), "what ARM gave is kept");
}
