//! The pending-changes tray and the plan review screen. (Being built: see issue 8.)

use leptos::prelude::*;

#[component]
pub fn Tray() -> impl IntoView {
    view! { <span></span> }
}

#[component]
pub fn PlanReview() -> impl IntoView {
    view! { <h1>"Review changes"</h1> }
}
