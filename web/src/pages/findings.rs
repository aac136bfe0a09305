//! The findings tab. (Being built: see issue 8.)

use leptos::prelude::*;

#[component]
pub fn FindingsView() -> impl IntoView {
    view! { <h2>"Findings"</h2> }
}
