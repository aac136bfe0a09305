//! The graph tab. (Being built: see issue 8.)

use leptos::prelude::*;

#[component]
pub fn GraphView() -> impl IntoView {
    view! { <h2>"Graph"</h2> }
}
