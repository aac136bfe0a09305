//! Screens of the app, one module per screen, and the frame around them.

mod detail;
mod findings;
mod graph;
mod inventory;
mod landing;
mod matrix;
mod plan;
mod results;
mod scanning;
mod share;
mod subscriptions;

use leptos::prelude::*;


use crate::state::{AppState, Screen};

#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);
    state.start();
    view! {
        <header class="topbar">
            <a class="brand" href="#" on:click=move |ev| { ev.prevent_default(); if state.session.with(Option::is_none) { state.screen.set(Screen::Landing) } }>"pullpath"</a>
            <span class="tagline">"who can pull from which container registry — and why"</span>
            <span class="spacer"></span>
            <ThemeToggle/>
            <Show when=move || state.session.with(Option::is_some)>
                <span class="user">{move || state.session.with(|s| s.as_ref().map(|s| s.user()).unwrap_or_default())}</span>
                <button on:click=move |_| state.sign_out() disabled=move || state.signing_out.get()>"Sign out"</button>
            </Show>
        </header>
        <main id="main">
            <Show when=move || state.needs_sign_in.get()>
                <div role="alert" class="banner warn">
                    <span>"Your session has expired. Your scan and pending changes are kept."</span>
                    <button class="primary" on:click=move |_| state.sign_in_again()>"Sign in again"</button>
                </div>
            </Show>
            {dismissable(state.notice, "status", "banner info", "Dismiss the note")}
            {dismissable(state.error, "alert", "banner error", "Dismiss the message")}
            {move || match state.screen.get() {
                Screen::Starting => view! { <p role="status">"Loading…"</p> }.into_any(),
                Screen::Landing => view! { <landing::Landing/> }.into_any(),
                Screen::Subscriptions => view! { <subscriptions::Subscriptions/> }.into_any(),
                Screen::Scanning => view! { <scanning::Scanning/> }.into_any(),
                Screen::Results => view! { <results::Results/> }.into_any(),
                Screen::Plan => view! { <plan::PlanReview/> }.into_any(),
            }}
        </main>
    }
}

/// A message line with a dismiss button, shown while `text` holds one (one view for notes and
/// problems alike).
fn dismissable(text: RwSignal<Option<String>>, role: &'static str, class: &'static str, dismiss: &'static str) -> impl IntoView {
    move || text.get().map(|t| view! {
        <div role=role class=class>
            <span>{t}</span>
            <button aria-label=dismiss on:click=move |_| text.set(None)>"×"</button>
        </div>
    })
}

/// Light or dark, overriding the system's choice for this visit (and the next: the choice is
/// kept in localStorage, which holds nothing else).
#[component]
fn ThemeToggle() -> impl IntoView {
    let root = || web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element());
    let storage = || web_sys::window().and_then(|w| w.local_storage().ok().flatten());
    let system_dark = || web_sys::window().and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten()).is_some_and(|m| m.matches());
    let initial = storage().and_then(|s| s.get_item("pullpath.theme").ok().flatten()).filter(|t| t == "light" || t == "dark");
    let dark = RwSignal::new(initial.as_deref().map(|t| t == "dark").unwrap_or_else(system_dark));
    if let (Some(t), Some(r)) = (initial, root()) {
        let _ = r.set_attribute("data-theme", &t);
    }
    let toggle = move |_| {
        let now_dark = !dark.get_untracked();
        dark.set(now_dark);
        let t = if now_dark { "dark" } else { "light" };
        if let Some(r) = root() {
            let _ = r.set_attribute("data-theme", t);
        }
        if let Some(s) = storage() {
            let _ = s.set_item("pullpath.theme", t);
        }
    };
    view! {
        // A toggle button keeps one name; its pressed state says which theme is on.
        <button class="theme-toggle" aria-pressed=move || dark.get().to_string() on:click=toggle>"Dark theme"</button>
    }
}
