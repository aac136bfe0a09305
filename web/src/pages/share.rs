//! Save the scan as a snapshot, share the view by URL. (Being built: see issue 8.)

use leptos::prelude::*;

#[component]
pub fn ShareActions() -> impl IntoView {
    view! { <span></span> }
}
