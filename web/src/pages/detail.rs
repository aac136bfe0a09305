//! The detail panel for the selection. (Being built: see issue 8.)

use leptos::prelude::*;

#[component]
pub fn Detail() -> impl IntoView {
    view! { <aside class="detail" aria-label="Details"></aside> }
}
