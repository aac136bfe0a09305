//! Property: for random plans (subsets of the demo fixes in random order) under random fault
//! schedules, LRO endings and concurrent changes, the apply engine always finishes, and the
//! tenant ends fully applied or fully as it was — never half, never with a duplicate role
//! assignment. The one allowed exception is a rollback whose own undo requests were
//! blocked by a fault, and then the engine must say so (`RollbackIncomplete`).

mod apply_support;

use std::path::Path;

use apply_support::{check_invariants, no_duplicate_assignments, run_events, Events, Pause, PatchResource, Scenario, TimedPatch};
use proptest::prelude::*;
use pullpath_core::apply::{Outcome, Purpose};
use pullpath_core::request::Method;
use pullpath_sim::faults::{Fault, FaultRule, LroBehaviour, LroOutcome};
use pullpath_sim::Sim;
use serde_json::json;

fn all_intents() -> Vec<pullpath_core::intent::Intent> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plans/all-fixes-clean.json")).unwrap();
    serde_json::from_str::<Scenario>(&text).unwrap().intents
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        Just(Fault::TooManyRequests { retry_after: None }),
        Just(Fault::TooManyRequests { retry_after: Some(String::new()) }),
        (0u32..30).prop_map(|s| Fault::TooManyRequests { retry_after: Some(s.to_string()) }),
        Just(Fault::ServerError { status: 500 }),
        Just(Fault::ServerError { status: 503 }),
        Just(Fault::Reset),
        Just(Fault::LostResponse),
        Just(Fault::PrincipalNotFound),
        Just(Fault::Forbidden),
    ]
}

fn rule() -> impl Strategy<Value = FaultRule> {
    let method = prop_oneof![Just(None), Just(Some(Method::Get)), Just(Some(Method::Put)), Just(Some(Method::Patch)), Just(Some(Method::Delete))];
    let path = prop_oneof![
        Just(None),
        Just(Some("roleAssignments".to_string())),
        Just(Some("computes".to_string())),
        Just(Some("registries/acrmlprod".to_string())),
        Just(Some("connections".to_string())),
        Just(Some("OperationsStatus".to_string())),
        Just(Some("OperationResults".to_string())),
    ];
    let times = prop_oneof![0usize..4, 4usize..9, Just(1000usize)];
    (method, path, fault(), times, 0usize..8).prop_map(|(method, path_contains, fault, times, skip)| FaultRule { method, path_contains, fault, times, skip })
}

fn lro() -> impl Strategy<Value = Option<LroBehaviour>> {
    let outcome = prop_oneof![Just(LroOutcome::Succeeded), Just(LroOutcome::Failed), Just(LroOutcome::Canceled), Just(LroOutcome::FailedAfterApplying)];
    proptest::option::of((0u32..4, outcome).prop_map(|(polls, outcome)| LroBehaviour { polls, outcome }))
}

const WS: &str = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-ml-prod/providers/Microsoft.MachineLearningServices/workspaces/mlw-prod";
const ACR: &str = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-ml-prod/providers/Microsoft.ContainerRegistry/registries/acrmlprod";

fn concurrent() -> impl Strategy<Value = Vec<PatchResource>> {
    prop_oneof![
        6 => Just(vec![]),
        1 => Just(vec![PatchResource { pointer: ACR.into(), set: json!({"properties": {"adminUserEnabled": false}}) }]),
        1 => Just(vec![PatchResource { pointer: format!("{WS}/computes/legacy-cluster"), set: json!({"identity": {"type": "SystemAssigned", "principalId": "aaaaaaaa-0000-0000-0000-000000000077"}}) }]),
    ]
}

/// What else happens while the apply runs: someone edits a compute between its precheck and
/// its write or before its undo, the user stops (or signs out), the session is lost and
/// regained after a popup sign-in.
fn events() -> impl Strategy<Value = Events> {
    let edit = json!({"properties": {"description": "edited during the apply", "properties": {"vmSize": "STANDARD_NC12"}}, "tags": {"owner": "someone-else"}});
    let during = prop_oneof![
        3 => Just(vec![]),
        1 => Just(vec![TimedPatch { at: Purpose::WriteCheck, pointer: format!("{WS}/computes/legacy-cluster"), set: edit.clone() }]),
        1 => Just(vec![TimedPatch { at: Purpose::UndoCheck, pointer: format!("{WS}/computes/legacy-cluster"), set: edit }]),
    ];
    let stop = prop_oneof![3 => Just(None), 1 => (0usize..12).prop_map(Some)];
    let pause = prop_oneof![3 => Just(None), 1 => (0usize..12, 1_000u64..3_600_000).prop_map(|(round, ms)| Some(Pause { round, ms }))];
    (during, stop, pause).prop_map(|(during, stop_at_round, pause)| Events { during, stop_at_round, pause })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn never_half_applied(
        order in Just(all_intents()).prop_shuffle(),
        keep in proptest::collection::vec(any::<bool>(), 7),
        rules in proptest::collection::vec(rule(), 0..4),
        lro in lro(),
        patches in concurrent(),
        events in events(),
        seed in any::<u64>(),
    ) {
        let intents: Vec<_> = order.into_iter().zip(keep).filter(|(_, k)| *k).map(|(i, _)| i).collect();
        let run = run_events(Sim::demo(), &intents, rules, lro, &patches, &[], &events, seed);
        prop_assert!(no_duplicate_assignments(&run.sim).is_ok(), "{:?}", no_duplicate_assignments(&run.sim));
        match run.apply.outcome() {
            Some(Outcome::RollbackIncomplete { .. }) => {
                // Only acceptable when the undo itself was refused or kept failing.
                let blocked = run.apply.journal().iter().any(|e| matches!(e.purpose, Purpose::Undo | Purpose::UndoPoll | Purpose::UndoVerify | Purpose::UndoCheck) && (e.error.is_some() || e.status.is_some_and(|s| s >= 400)));
                let lro_undo = lro.is_some_and(|l| l.outcome != LroOutcome::Succeeded);
                prop_assert!(blocked || lro_undo, "rollback incomplete without a blocked undo: {:#?}", run.apply.report());
            }
            _ => {
                let checked = check_invariants(&run);
                prop_assert!(checked.is_ok(), "{}\n{:#?}", checked.unwrap_err(), run.apply.statuses());
            }
        }
    }
}
