//! Screens of the app, one module per screen.

mod inventory;
mod landing;

use leptos::prelude::*;
use pullpath_core::scan::ScanResult;

/// What the app is showing.
#[derive(Clone)]
enum Screen {
    Landing,
    Scanning,
    Inventory(ScanResult),
}

#[component]
pub fn App() -> impl IntoView {
    let (screen, set_screen) = signal(Screen::Landing);
    provide_context(set_screen);
    view! {
        <header class="topbar">
            <a class="brand" href="#" on:click=move |_| set_screen.set(Screen::Landing)>"pullpath"</a>
            <span class="tagline">"who can pull from which container registry — and why"</span>
        </header>
        <main id="main">
            {move || match screen.get() {
                Screen::Landing => view! { <landing::Landing/> }.into_any(),
                Screen::Scanning => view! { <p role="status">"Scanning…"</p> }.into_any(),
                Screen::Inventory(result) => view! { <inventory::InventoryPage result/> }.into_any(),
            }}
        </main>
    }
}
