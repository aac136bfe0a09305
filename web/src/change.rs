//! The change under review and its apply, for the plan screen: one core `change::Change` of
//! the pending intents against the result on screen, the executor that can write to where
//! that result came from, and `crate::engine` running it. The screen renders what this
//! module holds (`ChangeState`) and sends the user's commands ([`ChangeState::apply`],
//! [`ChangeState::stop`], [`ChangeState::stop_without_signing_in`]); it builds no plan, no
//! executor and no change itself.
//!
//! A change is rebuilt (with its permission preflight) whenever its inputs change, until an
//! apply starts; from then on the change on screen is the one being applied, so the refresh
//! that follows the apply does not replace what the screen shows.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use pullpath_core::apply::{ApplyConfig, Outcome, Report};
use pullpath_core::change::preflight::{Gate, Verdict};
use pullpath_core::change::words::{self, Stage};
use pullpath_core::change::{Change, ChangeConfig, Phase, Review};
use pullpath_core::cloud::Cloud;

use crate::engine::{self, monotonic, AnyExecutor};
use crate::fetch::Cancel;
use crate::files::{download, today};
use crate::http::{ArmExecutor, Hold, SessionEvent, WhenSignedOut};
use crate::state::{AppState, Source};

/// What the screen shows of the change, copied out after every step of it.
#[derive(Clone, PartialEq)]
pub struct Shown {
    pub phase: Phase,
    pub verdicts: Vec<Verdict>,
    pub gate: Option<Gate>,
    pub stages: Vec<(Stage, Option<String>)>,
    pub started: bool,
    /// The apply has ended (the refresh may still run).
    pub ended: bool,
    pub outcome: Option<Outcome>,
    pub outcome_text: Option<String>,
}

impl Shown {
    fn of(c: &Change) -> Shown {
        Shown {
            phase: c.phase(),
            verdicts: c.verdicts().to_vec(),
            gate: c.gate(),
            stages: c.stages(),
            started: c.started(),
            ended: c.applied_or_ended() || (c.started() && c.phase() == Phase::Done),
            outcome: c.outcome().cloned(),
            outcome_text: c.outcome_text(),
        }
    }
}

/// The plan screen's change: what it shows, and the commands it takes.
#[derive(Clone, Copy)]
pub struct ChangeState {
    state: AppState,
    current: StoredValue<Option<Rc<RefCell<Change>>>, LocalStorage>,
    /// Counts rebuilt changes, so a preflight still running for an older one draws nothing.
    generation: StoredValue<u64>,
    /// The plan, its skipped intents and its access before → after.
    pub reviewed: RwSignal<Option<Arc<Review>>>,
    pub shown: RwSignal<Option<Shown>>,
    /// Why the permissions cannot be checked here (no tenant to ask), if so.
    pub not_possible: RwSignal<Option<String>>,
    pub report: RwSignal<Option<Report>>,
    /// The session ended mid-apply: requests are held until the user signs in again or lets go.
    pub paused: RwSignal<bool>,
    controls: StoredValue<Option<(Cancel, Hold)>, LocalStorage>,
}

/// The ARM origin the change writes to: the signed-in cloud's, or the public cloud's for the
/// demo and snapshots (whose exports name it).
pub fn arm_origin(state: AppState) -> String {
    match state.source.get_untracked() {
        Some(Source::Tenant) => state.session.with_untracked(|s| s.as_ref().map(|s| s.config().arm_origin.clone())).unwrap_or_else(|| Cloud::AzureCloud.arm_origin().into()),
        _ => Cloud::AzureCloud.arm_origin().into(),
    }
}

/// A new change of the pending intents against the result on screen.
fn change_of(state: AppState, origin: &str) -> Option<Change> {
    let intents = state.pending.get();
    let previous = state.result.get()?;
    let identities = state.analysed.with(|a| a.as_ref().map(|a| a.analysis.identities.clone()).unwrap_or_default());
    // The refresh after the apply names new principals from Graph when the scan could.
    let directory_origin = match state.source.get_untracked() {
        Some(Source::Demo) => Some(Cloud::AzureCloud.graph_origin().to_string()),
        Some(Source::Tenant) if state.graph_missing.with_untracked(Option::is_none) => state.session.with_untracked(|s| s.as_ref().map(|s| s.config().graph_origin.clone())),
        _ => None,
    };
    let config = ChangeConfig { apply: ApplyConfig { seed: monotonic().as_millis() as u64 | 1, ..Default::default() }, directory_origin, ..ChangeConfig::new(origin) };
    Some(Change::new(previous, &identities, intents, config))
}

/// The executor that can write to where the inventory came from, or why there is none. When
/// the session is gone, `when_signed_out` says whether its requests fail (the permission
/// check) or wait (an apply).
fn executor(state: AppState, when_signed_out: WhenSignedOut, on_session: Rc<dyn Fn(SessionEvent)>) -> Result<AnyExecutor, String> {
    match state.source.get_untracked() {
        Some(Source::Demo) => Ok(AnyExecutor::Demo(state.demo_executor())),
        Some(Source::Tenant) => {
            let signed_in = state.session.get_untracked().ok_or("You are signed out: sign in again to apply.")?;
            Ok(AnyExecutor::Arm(ArmExecutor::new(signed_in, when_signed_out, on_session)))
        }
        Some(Source::Snapshot(name)) => Err(format!(
            "This plan comes from the snapshot file {name}, which is not connected to a tenant: nothing can be applied from here. Export it below (az CLI, Bicep, ARM template or Terraform) and run it, or sign in and scan to apply."
        )),
        None => Err("There is no tenant to apply to.".into()),
    }
}

impl ChangeState {
    /// The change of what is pending now, kept in step with the pending intents and the
    /// result on screen until an apply starts.
    pub fn new(state: AppState) -> ChangeState {
        let c = ChangeState {
            state,
            current: StoredValue::new_local(None),
            generation: StoredValue::new(0),
            reviewed: RwSignal::new(None),
            shown: RwSignal::new(None),
            not_possible: RwSignal::new(None),
            report: RwSignal::new(None),
            paused: RwSignal::new(false),
            controls: StoredValue::new_local(None),
        };
        // The first change is there when the screen first draws; later ones follow its inputs.
        untrack(|| c.rebuild());
        Effect::new(move |prev: Option<()>| {
            state.pending.track();
            state.result.track();
            state.analysed.track();
            if prev.is_some() {
                untrack(|| c.rebuild());
            }
        });
        c
    }

    /// A new change (and its permission preflight), unless an apply has started.
    fn rebuild(self) {
        let ChangeState { state, current, generation, reviewed, shown, not_possible, .. } = self;
        if current.with_value(|c| c.as_ref().is_some_and(|c| c.borrow().started())) {
            return;
        }
        let change = change_of(state, &arm_origin(state));
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        let Some(change) = change else {
            current.set_value(None);
            reviewed.set(None);
            shown.set(None);
            return;
        };
        reviewed.set(Some(Arc::new(change.review().clone())));
        shown.set(Some(Shown::of(&change)));
        let change = Rc::new(RefCell::new(change));
        current.set_value(Some(change.clone()));
        if change.borrow().phase() != Phase::Checking {
            not_possible.set(None);
            return;
        }
        match executor(state, WhenSignedOut::Fail, state.on_session()) {
            Err(why) => not_possible.set(Some(why)),
            Ok(exec) => {
                not_possible.set(None);
                let epoch = state.epoch();
                spawn_local(async move {
                    let abort = exec.child_group();
                    engine::run(&exec, &change, &abort, |c| {
                        if generation.get_value() == mine && state.is_current(epoch) {
                            shown.set(Some(Shown::of(c)));
                        }
                    })
                    .await;
                });
            }
        }
    }

    /// Whether the apply is running (started and not ended).
    pub fn running(self) -> bool {
        self.shown.with(|s| s.as_ref().is_some_and(|s| s.started && !s.ended))
    }

    /// Confirms the reviewed change and runs its apply, then the refresh of what it touched;
    /// the results show the tenant after it. Held, not failed, while the session is gone.
    pub fn apply(self) {
        let ChangeState { state, current, shown, report, paused, controls, .. } = self;
        let Some(change) = current.get_value() else { return };
        let h = Hold::default();
        let needs = state.needs_sign_in;
        let on_session = Rc::new(move |e: SessionEvent| {
            paused.set(e == SessionEvent::Lost);
            needs.set(e == SessionEvent::Lost);
        });
        let exec = match executor(state, WhenSignedOut::Hold(h.clone()), on_session) {
            Ok(e) => e,
            Err(why) => {
                state.error.set(Some(why));
                return;
            }
        };
        if let Err(e) = change.borrow_mut().confirm(monotonic()) {
            state.error.set(Some(e.to_string()));
            return;
        }
        let abort = exec.child_group();
        controls.set_value(Some((abort.clone(), h.clone())));
        state.apply.set_value(Some((abort.clone(), h)));
        shown.set(Some(Shown::of(&change.borrow())));
        let epoch = state.epoch();
        spawn_local(async move {
            let intents = change.borrow().review().intents.clone();
            engine::run(&exec, &change, &abort, |c| {
                let next = Shown::of(c);
                if next.ended && report.with_untracked(Option::is_none) {
                    report.set(c.report());
                    if matches!(next.outcome, Some(Outcome::Applied)) && !state.signing_out.get_untracked() {
                        // The reviewed changes are made.
                        let made: pullpath_core::rbac::FastSet<&pullpath_core::intent::Intent> = intents.iter().collect();
                        state.pending.update(|p| p.retain(|i| !made.contains(i)));
                    }
                }
                if shown.with_untracked(|s| s.as_ref() != Some(&next)) {
                    shown.set(Some(next));
                }
            })
            .await;
            let (rep, refreshed) = {
                let c = change.borrow();
                (c.report(), c.refreshed().cloned())
            };
            // A loop that stopped without an outcome still shows as finished.
            shown.update(|s| {
                if let Some(s) = s {
                    s.ended = true;
                }
            });
            paused.set(false);
            controls.set_value(None);
            state.apply.set_value(None);
            if state.signing_out.get_untracked() {
                // Sign-out waited for this: say how the tenant was left (in words without its
                // data), keep the journal when something could not be undone, then sign out.
                let outcome = rep.as_ref().and_then(|r| r.outcome.clone());
                if matches!(outcome, Some(Outcome::RollbackIncomplete { .. }) | None) {
                    if let Some(text) = rep.as_ref().and_then(|r| serde_json::to_string_pretty(r).ok()) {
                        let _ = download(&format!("pullpath-journal-{}.json", today()), "application/json", &text);
                    }
                }
                state.finish_sign_out(Some(words::signed_out_note(outcome.as_ref()).into()));
                return;
            }
            if report.with_untracked(Option::is_none) {
                report.set(rep);
            }
            // The change read again what it touched: every view shows the tenant after it.
            // Signed out meanwhile: the tenant must not come back on screen.
            if let Some(result) = refreshed.filter(|_| state.is_current(epoch)) {
                state.set_result(Some(result));
            }
        });
    }

    /// Stops the running apply: it undoes what it wrote.
    pub fn stop(self) {
        if let Some((abort, _)) = self.controls.get_value() {
            abort.cancel();
        }
    }

    /// Stops a paused apply and lets its held requests go with the token that is left, so
    /// the undo can run without a new sign-in.
    pub fn stop_without_signing_in(self) {
        self.stop();
        if let Some((_, h)) = self.controls.get_value() {
            h.release()
        }
    }
}
