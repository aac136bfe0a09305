//! The matrix tab. (Being built: see issue 8.)

use leptos::prelude::*;

#[component]
pub fn MatrixView() -> impl IntoView {
    view! { <h2>"Matrix"</h2> }
}
