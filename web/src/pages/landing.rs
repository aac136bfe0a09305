//! The landing screen: sign in, explore the demo tenant, or open a snapshot file.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::state::AppState;

#[component]
pub fn Landing() -> impl IntoView {
    let state = expect_context::<AppState>();
    let config_ok = move || state.config.with(|c| matches!(c, Some(Ok(_))));
    // Inside another page's frame, sign-in could be clickjacked: it is not offered there.
    let framed = crate::auth::framed();
    let can_sign_in = move || config_ok() && !framed;
    let config_problem = move || state.config.with(|c| match c {
        Some(Err(e)) => Some(e.clone()),
        _ => None,
    });
    let on_file = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        let name = file.name();
        spawn_local(async move {
            match JsFuture::from(file.text()).await {
                Ok(text) => state.open_snapshot(name, text.as_string().unwrap_or_default()).await,
                Err(_) => state.error.set(Some(format!("{name} could not be read"))),
            }
        });
    };
    view! {
        <section class="landing" aria-labelledby="landing-h">
            <h1 id="landing-h">"Which identity can pull images from which registry?"</h1>
            <p>"pullpath reads your Azure tenant from the browser, draws the identity → registry permission graph, explains every edge and turns fixes into reviewed ARM changes."</p>
            <div class="actions">
                <Show when=can_sign_in>
                    <button class="primary" on:click=move |_| state.sign_in(None)>"Sign in with Microsoft"</button>
                </Show>
                <button class=move || if can_sign_in() { "" } else { "primary" } on:click=move |_| state.explore_demo()>"Explore the demo tenant"</button>
                <label class="button file">
                    "Open a snapshot file"
                    <input type="file" accept=".json,application/json" on:change=on_file/>
                </label>
            </div>
            {framed.then(|| {
                let own = crate::auth::redirect_uri();
                view! {
                    <div role="note" class="banner warn">
                        <span>
                            "pullpath is inside another page (a frame), which could trick you into approving what you cannot see, so sign-in is off here. "
                            <a href=own target="_blank" rel="noopener noreferrer">"Open pullpath in its own tab"</a>
                            " to sign in."
                        </span>
                    </div>
                }
            })}
            {move || config_problem().map(|problem| view! {
                <section class="setup" aria-labelledby="setup-h">
                    <h2 id="setup-h">"Set up sign-in"</h2>
                    <p>"Signing in to your own tenant needs a config.json next to index.html: "{problem}</p>
                    <p>"Register a single-page application in Microsoft Entra ID (see the README), then deploy:"</p>
                    <pre>{"{\n  \"clientId\": \"<application (client) id>\",\n  \"authority\": \"https://login.microsoftonline.com/<tenant id or organizations>/v2.0\",\n  \"cloud\": \"AzureCloud\"\n}"}</pre>
                    <p>"The demo tenant and snapshot files work without it."</p>
                </section>
            })}
        </section>
    }
}
