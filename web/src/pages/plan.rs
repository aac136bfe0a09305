//! The pending-changes tray and the plan review screen: what the pending changes become
//! (skipped intents, access before → after, every operation with its exact request and
//! inverse, the exports), whether the signed-in user may make them, and applying them.
//!
//! A change's whole life (plan, permission preflight, apply, refresh of what it touched) is
//! one core `change::Change`, held and run by `crate::change`; this module renders its state
//! and sends it the user's commands (apply, stop).

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use pullpath_core::access::Level;
use pullpath_core::apply::Outcome;
use pullpath_core::change::preflight::{Gate, Verdict};
use pullpath_core::change::words::{self, Stage};
use pullpath_core::change::{Phase, Review};
use pullpath_core::export::{self, Format};
use pullpath_core::request::Request;
use wasm_bindgen::JsCast;

use crate::change::{arm_origin, ChangeState};
use crate::files::{copy, download, today};
use crate::state::{AppState, Screen, Source};

/// One line per pending change, in words.
fn pending_lines(state: AppState) -> Vec<String> {
    let pending = state.pending.get();
    state.result.with(|r| {
        state.analysed.with(|a| {
            let empty = Default::default();
            let inv = r.as_ref().map(|r| &r.inventory).unwrap_or(&empty);
            let ids = a.as_ref().map(|a| a.analysis.identities.as_slice()).unwrap_or(&[]);
            pending.iter().map(|i| words::describe_intent(i, inv, ids)).collect()
        })
    })
}

#[component]
pub fn Tray() -> impl IntoView {
    let state = expect_context::<AppState>();
    let count = move || state.pending.with(Vec::len);
    view! {
        <Show when=move || { count() > 0 }>
            <section class="tray" aria-label="Pending changes">
                <h2 class="tray-title">{move || format!("Pending changes ({})", count())}</h2>
                <ul class="tray-list">
                    {move || pending_lines(state).into_iter().enumerate().map(|(i, line)| {
                        let label = format!("Remove: {line}");
                        view! {
                            <li>
                                <span>{line}</span>
                                <button class="remove" aria-label=label title="Remove"
                                    on:click=move |_| state.pending.update(|p| { if i < p.len() { p.remove(i); } })>"×"</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <div class="tray-actions">
                    <button on:click=move |_| state.pending.set(Vec::new())>"Clear"</button>
                    <button class="primary" on:click=move |_| state.screen.set(Screen::Plan)>
                        {move || { let n = count(); format!("Review {n} change{}", if n == 1 { "" } else { "s" }) }}
                    </button>
                </div>
            </section>
        </Show>
    }
}

fn level(l: Option<Level>) -> &'static str {
    match l {
        None => "—",
        Some(Level::No) => "No",
        Some(Level::Partial) => "Partial",
        Some(Level::Yes) => "Yes",
    }
}

fn request_text(req: &Request, origin: &str) -> String {
    let mut out = format!("{} {}", req.method.as_str(), req.url(origin));
    if let Some(b) = &req.body {
        out.push('\n');
        out.push_str(&serde_json::to_string_pretty(b).unwrap_or_default());
    }
    out
}

fn format_label(f: Format) -> &'static str {
    match f {
        Format::Arm => "ARM requests",
        Format::Az => "az CLI",
        Format::Bicep => "Bicep",
        Format::ArmTemplate => "ARM template",
        Format::Terraform => "Terraform",
    }
}

#[component]
pub fn PlanReview() -> impl IntoView {
    let state = expect_context::<AppState>();
    let origin = arm_origin(state);
    let change = ChangeState::new(state);
    let ChangeState { reviewed, shown, not_possible, report, paused, .. } = change;
    let accept_risk = RwSignal::new(false);

    let verdict = move |i: usize| shown.with(|s| s.as_ref().filter(|s| s.phase != Phase::Checking).and_then(|s| s.verdicts.get(i).cloned()));
    let gate = move || shown.with(|s| s.as_ref().and_then(|s| s.gate));
    let checking = move || not_possible.with(Option::is_none) && shown.with(|s| s.as_ref().is_some_and(|s| s.phase == Phase::Checking));

    let running = move || change.running();
    let finished = move || shown.with(|s| s.as_ref().is_some_and(|s| s.ended));
    let refreshing = move || shown.with(|s| s.as_ref().is_some_and(|s| s.phase == Phase::Refreshing));
    let stage_of = move |i: usize| shown.with(|s| s.as_ref().filter(|s| s.started).and_then(|s| s.stages.get(i).cloned()));
    let stop = move || change.stop();

    let back = move |_| {
        if !running() {
            state.screen.set(Screen::Results);
        }
    };

    let download_journal = move |_| {
        let Some(text) = report.with_untracked(|r| r.as_ref().and_then(|r| serde_json::to_string_pretty(r).ok())) else { return };
        if let Err(e) = download(&format!("pullpath-journal-{}.json", today()), "application/json", &text) {
            state.error.set(Some(e));
        }
    };

    // Moving to this screen moves focus to its heading, so screen readers announce it.
    let heading: NodeRef<leptos::html::H1> = NodeRef::new();
    Effect::new(move |_| {
        if let Some(h) = heading.get() {
            let _ = h.focus();
        }
    });

    let origin_for_ops = origin.clone();
    let origin_for_export = origin.clone();
    view! {
        <section class="plan" aria-labelledby="plan-h">
            <div class="plan-head">
                <div>
                    <h1 id="plan-h" tabindex="-1" node_ref=heading>"Review changes"</h1>
                    <p class="summary">{move || reviewed.get().map(|r| {
                        let n = r.plan.operations.len();
                        format!("{} pending change{} → {} operation{} on {}", r.intents.len(), if r.intents.len() == 1 { "" } else { "s" }, n, if n == 1 { "" } else { "s" }, origin_label(state))
                    })}</p>
                </div>
                <div class="actions">
                    <button on:click=back disabled=running>"Back to results"</button>
                </div>
            </div>

            {move || reviewed.get().filter(|r| !r.skipped.is_empty()).map(|r| view! {
                <section aria-labelledby="skipped-h" class="plan-section">
                    <h2 id="skipped-h">"Not planned"</h2>
                    <ul class="skipped-list">
                        {r.skipped.iter().map(|(what, why)| view! { <li><strong>{what.clone()}</strong>": "{why.clone()}</li> }).collect_view()}
                    </ul>
                </section>
            })}

            {move || reviewed.get().map(|r| {
                let rows = r.changes.iter().map(|(who, c)| {
                    let who = who.clone();
                    let pull = (level(c.before.map(|a| a.pull)), level(c.after.map(|a| a.pull)));
                    let push = (level(c.before.map(|a| a.push)), level(c.after.map(|a| a.push)));
                    let reach = |a: Option<pullpath_core::plan::Access>| a.and_then(|a| a.network).map(|n| n.as_str()).unwrap_or("—");
                    let (net_before, net_after) = (reach(c.before), reach(c.after));
                    view! {
                        <tr>
                            <td>{who}</td>
                            <td>{c.registry.name().to_string()}</td>
                            <td><Change before=pull.0 after=pull.1/></td>
                            <td><Change before=push.0 after=push.1/></td>
                            <td><Change before=net_before after=net_after/></td>
                        </tr>
                    }
                }).collect_view();
                view! {
                    <section aria-labelledby="access-h" class="plan-section">
                        <h2 id="access-h">"Access before → after"</h2>
                        {if r.changes.is_empty() {
                            view! { <p class="summary">"No identity's pull, push or network access changes (the changes tidy configuration only)."</p> }.into_any()
                        } else {
                            view! {
                                <table class="access-changes">
                                    <thead><tr><th scope="col">"Identity"</th><th scope="col">"Registry"</th><th scope="col">"Pull"</th><th scope="col">"Push"</th><th scope="col">"Network"</th></tr></thead>
                                    <tbody>{rows}</tbody>
                                </table>
                            }.into_any()
                        }}
                    </section>
                }
            })}

            <section aria-labelledby="ops-h" class="plan-section">
                <h2 id="ops-h">"Operations"</h2>
                {move || {
                    let origin = origin_for_ops.clone();
                    reviewed.get().map(|r| {
                        if r.plan.operations.is_empty() {
                            return view! { <p class="summary">"Nothing to do: every pending change is already true or could not be planned."</p> }.into_any();
                        }
                        view! {
                            <ol class="ops">
                                {r.plan.operations.iter().enumerate().map(|(i, op)| {
                                    let title = r.titles.get(i).cloned().unwrap_or_else(|| op.summary.clone());
                                    let deps = (!op.depends_on.is_empty()).then(|| format!("After operation {}", op.depends_on.iter().map(|d| (d + 1).to_string()).collect::<Vec<_>>().join(", ")));
                                    view! {
                                        <li class="op" aria-label=format!("Operation {}: {}", i + 1, op.summary)>
                                            <div class="op-head">
                                                <span class="op-n" aria-hidden="true">{i + 1}</span>
                                                <h3>{title}</h3>
                                                {move || stage_of(i).map(|(s, _)| view! { <span class=format!("stage stage-{}", stage_class(s))>{s.label()}</span> })}
                                            </div>
                                            {move || stage_of(i).and_then(|(s, d)| d.map(|d| (s, d))).map(|(s, d)| view! { <p class=format!("stage-detail detail-{}", stage_class(s))>{d}</p> })}
                                            {move || verdict(i).and_then(|v| match v {
                                                Verdict::Allowed => None,
                                                Verdict::Denied { missing } => Some(view! {
                                                    <p class="perm denied">{format!("You cannot perform: {}", missing.iter().map(|m| format!("{} at {}", m.action, m.scope.name())).collect::<Vec<_>>().join("; "))}</p>
                                                }.into_any()),
                                                Verdict::Unknown { reason } => Some(view! { <p class="perm unknown">{format!("Permission not confirmed: {reason}")}</p> }.into_any()),
                                            })}
                                            <dl class="op-facts">
                                                <dt>"Before"</dt><dd>{op.precondition.describe()}</dd>
                                                <dt>"After"</dt><dd>{op.effect.describe()}</dd>
                                                {deps.map(|d| view! { <dt>"Order"</dt><dd>{d}</dd> })}
                                            </dl>
                                            <div class="op-reqs">
                                                <div>
                                                    <p class="req-label">"Request"</p>
                                                    <pre class="req" aria-label=format!("Request of operation {}", i + 1)><code>{request_text(&op.request, &origin)}</code></pre>
                                                </div>
                                                <div>
                                                    <p class="req-label">"Undo (inverse)"</p>
                                                    <pre class="req inverse" aria-label=format!("Inverse of operation {}", i + 1)><code>{request_text(&op.inverse, &origin)}</code></pre>
                                                </div>
                                            </div>
                                        </li>
                                    }
                                }).collect_view()}
                            </ol>
                        }.into_any()
                    })
                }}
            </section>

            <section aria-labelledby="apply-h" class="plan-section apply-box">
                <h2 id="apply-h">"Apply"</h2>
                {move || checking().then(|| view! { <p role="status">"Checking your permissions…"</p> })}
                {move || match (not_possible.get(), checking(), shown.with(|s| s.as_ref().is_some_and(|s| s.verdicts.is_empty()))) {
                    (Some(why), _, _) => Some(view! { <p class="perm unknown">{why}</p> }.into_any()),
                    (None, true, _) | (None, false, true) => None,
                    (None, false, false) => match gate() {
                        Some(Gate::Closed) => Some(view! { <p class="perm denied">"You lack permission for some operations (listed above): ARM would refuse them, so applying is disabled. Ask an owner of those scopes to apply the exported plan."</p> }.into_any()),
                        Some(Gate::Uncertain) => Some(view! {
                            <div class="perm unknown">
                                <p>"Some permissions could not be read, so pullpath cannot tell whether ARM will accept every write. If one is refused, everything written before it is undone."</p>
                                <label><input type="checkbox" prop:checked=move || accept_risk.get() on:change=move |_| accept_risk.update(|v| *v = !*v)/>" Apply anyway"</label>
                            </div>
                        }.into_any()),
                        Some(Gate::Open) => (!shown.with(|s| s.as_ref().is_some_and(|s| s.started))).then(|| view! { <p class="perm ok">"Your permissions allow every operation."</p> }.into_any()),
                        None => None,
                    },
                }}
                {move || (paused.get() && running()).then(|| view! {
                    <div role="alert" class="perm unknown paused">
                        <p><strong>"Paused: your sign-in has ended."</strong>" Nothing is sent until you sign in again (same user, above) to continue, or stop: then pullpath undoes what it wrote with the token it has left and says what it could not undo."</p>
                        <div class="actions">
                            <button on:click=move |_| change.stop_without_signing_in()>"Stop without signing in"</button>
                        </div>
                    </div>
                })}
                <div class="actions">
                    {move || (!running() && !finished()).then(|| {
                        let n = reviewed.get().map(|r| r.plan.operations.len()).unwrap_or(0);
                        let enabled = move || n > 0 && match gate() { Some(Gate::Open) => true, Some(Gate::Uncertain) => accept_risk.get(), _ => false };
                        view! {
                            <button class="primary" disabled=move || !enabled() on:click=move |_| change.apply()>
                                {format!("Apply {n} operation{}", if n == 1 { "" } else { "s" })}
                            </button>
                        }
                    })}
                    {move || running().then(|| view! {
                        <button on:click=move |_| stop()>"Cancel and roll back"</button>
                    })}
                    {move || report.with(Option::is_some).then(|| view! { <button on:click=download_journal>"Download journal"</button> })}
                    {move || finished().then(|| view! { <button on:click=move |_| state.screen.set(Screen::Results)>"Back to results"</button> })}
                </div>
                {move || running().then(|| view! { <p role="status">"Applying…"</p> })}
                {move || shown.get().filter(|s| s.ended).map(|s| {
                    let text = s.outcome_text.clone().unwrap_or_else(|| "The apply stopped before it finished: see each operation's status.".into());
                    let ok = matches!(s.outcome, Some(Outcome::Applied));
                    let headline = words::headline(s.outcome.as_ref());
                    view! { <p role="alert" class=if ok { "outcome ok" } else { "outcome bad" }><strong>{headline}</strong>" — "{text}</p> }
                })}
                {move || refreshing().then(|| view! { <p role="status">"Reading the tenant again…"</p> })}
                {move || (finished() && !refreshing() && report.with(|r| r.as_ref().is_some_and(|r| matches!(r.outcome, Some(Outcome::Applied))))).then(|| view! {
                    <p role="status" class="summary">"The results now show the tenant after these changes."</p>
                })}
            </section>

            <Exports reviewed=reviewed.into() origin=origin_for_export/>
        </section>
    }
}

fn origin_label(state: AppState) -> String {
    match state.source.get() {
        Some(Source::Demo) => "the demo tenant".into(),
        Some(Source::Snapshot(name)) => format!("snapshot {name}"),
        Some(Source::Tenant) | None => "your tenant".into(),
    }
}

fn stage_class(s: Stage) -> &'static str {
    match s {
        Stage::Pending => "pending",
        Stage::Running => "running",
        Stage::Retrying => "retrying",
        Stage::Done => "done",
        Stage::Failed => "failed",
        Stage::RolledBack => "rolled-back",
    }
}

#[component]
fn Change(before: &'static str, after: &'static str) -> impl IntoView {
    let changed = before != after;
    view! {
        <span class="change">
            <span class=format!("lv lv-{}", before.to_ascii_lowercase())>{before}</span>
            {changed.then(|| view! { <span aria-label="becomes">" → "</span><span class=format!("lv lv-{}", after.to_ascii_lowercase())>{after}</span> })}
        </span>
    }
}

#[component]
fn Exports(reviewed: Signal<Option<Arc<Review>>>, origin: String) -> impl IntoView {
    let format = RwSignal::new(Format::Arm);
    let status = RwSignal::new(String::new());
    let files = move || reviewed.get().map(|r| export::export(&r.plan, format.get(), &origin)).unwrap_or_default();
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let all = Format::ALL;
        let i = all.iter().position(|f| *f == format.get_untracked()).unwrap_or(0);
        let next = match ev.key().as_str() {
            "ArrowRight" => (i + 1) % all.len(),
            "ArrowLeft" => (i + all.len() - 1) % all.len(),
            "Home" => 0,
            "End" => all.len() - 1,
            _ => return,
        };
        ev.prevent_default();
        format.set(all[next]);
        if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(&format!("export-tab-{}", all[next].as_str()))) {
            if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        }
    };
    view! {
        <section aria-labelledby="export-h" class="plan-section">
            <h2 id="export-h">"Export"</h2>
            <p class="summary">"The same plan in other formats: review it, or run it from a pipeline. Every format uses the same role assignment names, so running more than one is harmless."</p>
            <div role="tablist" aria-label="Export formats" class="tabs" on:keydown=on_key>
                {Format::ALL.into_iter().map(|f| {
                    let selected = move || format.get() == f;
                    view! {
                        <button role="tab" id=format!("export-tab-{}", f.as_str()) aria-controls="export-panel"
                            aria-selected=move || selected().to_string()
                            tabindex=move || if selected() { "0" } else { "-1" }
                            on:click=move |_| { format.set(f); status.set(String::new()); }>{format_label(f)}</button>
                    }
                }).collect_view()}
            </div>
            <div role="tabpanel" id="export-panel" class="export-panel" aria-labelledby=move || format!("export-tab-{}", format.get().as_str())>
                {move || files().into_iter().map(|file| {
                    let text = file.text.clone();
                    let name = file.path.clone();
                    let name2 = name.clone();
                    let text2 = text.clone();
                    let mime = if name.ends_with(".json") { "application/json" } else { "text/plain" };
                    view! {
                        <div class="export-file">
                            <div class="export-head">
                                <span class="file-name">{name.clone()}</span>
                                <button on:click=move |_| {
                                    let t = text.clone();
                                    let n = name.clone();
                                    spawn_local(async move {
                                        match copy(&t).await {
                                            Ok(()) => status.set(format!("Copied {n}")),
                                            Err(e) => status.set(format!("{n} could not be copied: {e}")),
                                        }
                                    });
                                }>"Copy"</button>
                                <button on:click=move |_| match download(&name2, mime, &text2) {
                                    Ok(()) => status.set(format!("Downloaded {name2}")),
                                    Err(e) => status.set(e),
                                }>"Download"</button>
                            </div>
                            // Focusable, so the keyboard can scroll a long export (it is a region
                            // named after its file).
                            <pre class="export-text" tabindex="0" role="region" aria-label=file.path.clone()><code>{file.text}</code></pre>
                        </div>
                    }
                }).collect_view()}
            </div>
            <p role="status" class="copy-status">{move || status.get()}</p>
        </section>
    }
}
