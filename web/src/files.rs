//! The browser chores several screens and the change share: downloading text as a file,
//! copying text to the clipboard, and today's date for file names. Below `pages` and
//! `change`, so the apply's sign-out journal is saved the same way the screens save files.

use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Today as `YYYY-MM-DD` (UTC), for file names.
pub fn today() -> String {
    let iso = String::from(js_sys::Date::new_0().to_iso_string());
    iso.chars().take(10).collect()
}

/// Offers `text` as a file download named `name`.
pub fn download(name: &str, mime: &str, text: &str) -> Result<(), String> {
    let fail = |e: JsValue| format!("{name} could not be saved: {}", e.as_string().unwrap_or_else(|| "the browser refused".into()));
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let bag = web_sys::BlobPropertyBag::new();
    bag.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &bag).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or_else(|| format!("{name} could not be saved: no document"))?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a").map_err(fail)?.dyn_into().map_err(|_| format!("{name} could not be saved"))?;
    a.set_href(&url);
    a.set_download(name);
    a.set_class_name("visually-hidden");
    if let Some(body) = document.body() {
        let _ = body.append_child(&a);
        a.click();
        let _ = body.remove_child(&a);
    }
    // Revoke later: some browsers read the URL after `click` returns.
    let url2 = url.clone();
    spawn_local(async move {
        gloo_timers::future::TimeoutFuture::new(10_000).await;
        let _ = web_sys::Url::revoke_object_url(&url2);
    });
    Ok(())
}

/// Copies `text` to the clipboard.
pub async fn copy(text: &str) -> Result<(), String> {
    let clipboard = web_sys::window().map(|w| w.navigator().clipboard()).ok_or("no clipboard in this browser")?;
    JsFuture::from(clipboard.write_text(text))
        .await
        .map(|_| ())
        .map_err(|e| e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_else(|| "the browser refused access to the clipboard".into()))
}
