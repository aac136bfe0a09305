//! Screens of the app, one module per screen, and the frame around them.

mod inventory;
mod landing;
mod scanning;
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
            <Show when=move || state.session.with(Option::is_some)>
                <span class="user">{move || state.session.with(|s| s.as_ref().map(|s| s.user()).unwrap_or_default())}</span>
                <button on:click=move |_| state.sign_out()>"Sign out"</button>
            </Show>
        </header>
        <main id="main">
            <Show when=move || state.needs_sign_in.get()>
                <div role="alert" class="banner warn">
                    <span>"Your session has expired. Your scan and pending changes are kept."</span>
                    <button class="primary" on:click=move |_| state.sign_in_again()>"Sign in again"</button>
                </div>
            </Show>
            {move || state.error.get().map(|e| view! {
                <div role="alert" class="banner error">
                    <span>{e}</span>
                    <button aria-label="Dismiss the message" on:click=move |_| state.error.set(None)>"×"</button>
                </div>
            })}
            {move || match state.screen.get() {
                Screen::Starting => view! { <p role="status">"Loading…"</p> }.into_any(),
                Screen::Landing => view! { <landing::Landing/> }.into_any(),
                Screen::Subscriptions => view! { <subscriptions::Subscriptions/> }.into_any(),
                Screen::Scanning => view! { <scanning::Scanning/> }.into_any(),
                Screen::Inventory => view! { <inventory::InventoryPage/> }.into_any(),
            }}
        </main>
    }
}
