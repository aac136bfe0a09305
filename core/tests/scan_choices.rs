//! The subscription picker's list, read by the scan machinery (`Start::Choices`): paged,
//! retried, throttled like every other list, and nothing else read.

use std::time::Duration;

use pullpath_core::request::Method;
use pullpath_core::scan::{Scan, ScanConfig, Start};
use pullpath_sim::faults::{Fault, FaultRule, Faults};
use pullpath_sim::generate::TenantSpec;
use pullpath_sim::{drive, Sim, DEFAULT_ORIGIN};

/// Runs `scan` against `sim` through `faults` with simulated time; returns the paths sent.
fn run(scan: &mut Scan, sim: &mut Sim, faults: &mut Faults) -> Vec<String> {
    let mut paths = Vec::new();
    drive(scan, Duration::ZERO, 10_000, |req| {
        paths.push(req.path.clone());
        faults.serve(sim, req)
    })
    .expect("the scan finishes");
    paths
}

fn generated() -> Sim {
    Sim::generated(&TenantSpec { subscriptions: 7, ..TenantSpec::small(1) })
}

#[test]
fn lists_every_subscription_across_pages_and_the_directories_and_reads_nothing_else() {
    let mut sim = generated();
    sim.page_size = 2;
    sim.other_tenants.push(("99999999-0000-4000-8000-000000000001".into(), "Fabrikam".into()));
    let mut scan = Scan::new(DEFAULT_ORIGIN, Start::Choices);
    let paths = run(&mut scan, &mut sim, &mut Faults::default());
    let r = scan.into_result();
    assert_eq!(r.listed.len(), 7, "{:?}", r.listed);
    assert!(r.listed.iter().all(|s| s.display_name.is_some() && s.state.as_deref() == Some("Enabled")));
    assert_eq!(r.tenants.iter().map(|t| t.label()).collect::<Vec<_>>(), ["Contoso", "Fabrikam"]);
    // Four pages of subscriptions (2 a page) and one of directories; no resource, role or
    // Resource Graph read.
    assert_eq!(paths.iter().filter(|p| p.as_str() == "/subscriptions").count(), 4, "{paths:?}");
    assert!(paths.iter().all(|p| p == "/subscriptions" || p == "/tenants"), "{paths:?}");
    assert!(r.subscriptions.is_empty() && r.inventory.registries.is_empty() && r.inventory.role_assignments.is_empty());
    assert!(r.skipped.is_empty() && r.diagnostics.is_empty(), "{:?} {:?}", r.skipped, r.diagnostics);
}

/// A throttled or failing subscription list is retried (after `Retry-After`), as the hand-written
/// loop the picker had never did.
#[test]
fn a_throttled_and_failing_list_is_retried_to_the_same_answer() {
    let mut clean = generated();
    let mut scan = Scan::new(DEFAULT_ORIGIN, Start::Choices);
    run(&mut scan, &mut clean, &mut Faults::default());
    let expected = scan.into_result();

    let mut sim = generated();
    let mut faults = Faults::new(vec![
        FaultRule::new(Some(Method::Get), Some("/subscriptions"), Fault::TooManyRequests { retry_after: Some("7".into()) }, 1),
        // Every rule counts every matching request: this one lets the throttled one pass.
        FaultRule { skip: 1, ..FaultRule::new(Some(Method::Get), Some("/subscriptions"), Fault::ServerError { status: 503 }, 1) },
        FaultRule::new(Some(Method::Get), Some("/tenants"), Fault::Reset, 1),
    ]);
    let mut scan = Scan::new(DEFAULT_ORIGIN, Start::Choices);
    let paths = run(&mut scan, &mut sim, &mut faults);
    assert_eq!(paths.len(), 5, "{paths:?}");
    let progress = scan.progress();
    assert_eq!((progress.throttled, progress.retries), (1, 3));
    assert_eq!(scan.into_result(), expected);
}

#[test]
fn a_refused_list_is_reported_and_a_refused_directory_list_only_skipped() {
    let mut sim = generated();
    let mut faults = Faults::new(vec![FaultRule::new(Some(Method::Get), Some("/subscriptions"), Fault::Forbidden, 1), FaultRule::new(Some(Method::Get), Some("/tenants"), Fault::Forbidden, 1)]);
    let mut scan = Scan::new(DEFAULT_ORIGIN, Start::Choices);
    run(&mut scan, &mut sim, &mut faults);
    let r = scan.into_result();
    assert!(r.listed.is_empty() && r.tenants.is_empty());
    let what: Vec<&str> = r.skipped.iter().map(|s| s.what.as_str()).collect();
    assert_eq!(what, ["subscriptions", "directories"]);
    assert!(r.skipped[0].reason.contains("AuthorizationFailed"), "{:?}", r.skipped);
    let problem = r.listing_problem().expect("said");
    assert!(problem.starts_with("The subscription list could not be read: not readable: AuthorizationFailed"), "{problem}");
}

/// A page the list points at elsewhere is not followed, and the picker says the list may be
/// incomplete; a failed directory list alone is no problem for the picker.
#[test]
fn a_next_link_off_the_origin_makes_the_list_incomplete() {
    let mut sim = generated();
    sim.page_size = 2;
    let mut scan = Scan::new("https://management.example.com", Start::Choices);
    run(&mut scan, &mut sim, &mut Faults::new(vec![FaultRule::new(Some(Method::Get), Some("/tenants"), Fault::Forbidden, 1)]));
    let r = scan.into_result();
    assert_eq!(r.listed.len(), 2, "only the first page");
    let problem = r.listing_problem().expect("said");
    assert!(problem.starts_with("The subscription list may be incomplete: "), "{problem}");

    let mut scan = Scan::new(DEFAULT_ORIGIN, Start::Choices);
    run(&mut scan, &mut generated(), &mut Faults::new(vec![FaultRule::new(Some(Method::Get), Some("/tenants"), Fault::Forbidden, 1)]));
    assert_eq!(scan.result().listing_problem(), None);
}

/// A whole-tenant scan keeps what the list said too, so names are at hand after it.
#[test]
fn a_whole_tenant_scan_keeps_the_listed_names() {
    let mut sim = generated();
    let mut scan = Scan::with_config(ScanConfig::new(DEFAULT_ORIGIN, Start::AllSubscriptions));
    run(&mut scan, &mut sim, &mut Faults::default());
    let r = scan.into_result();
    assert_eq!(r.listed.len(), 7);
    assert_eq!(r.subscriptions.len(), 7);
    assert!(r.tenants.is_empty(), "only the picker reads the directories");
}
