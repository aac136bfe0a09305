//! Saving the graph as a file: the SVG document the core renders, as is or drawn into a PNG.
//!
//! Browser plumbing only (Blob, object URL, a temporary `<a download>`, an `Image` drawn on a
//! canvas); the picture itself comes from `pullpath_core::layout::svg::render`.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Offers `text` as a download named `name`.
pub fn download_text(name: &str, mime: &str, text: &str) -> Result<(), String> {
    let url = object_url(mime, text)?;
    let r = click_link(&url, name);
    let _ = web_sys::Url::revoke_object_url(&url);
    r
}

fn object_url(mime: &str, text: &str) -> Result<String, String> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts).map_err(|_| "the file could not be made".to_string())?;
    web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| "the file could not be made".to_string())
}

fn click_link(href: &str, name: &str) -> Result<(), String> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a").map_err(|_| "no link")?.dyn_into().map_err(|_| "no link")?;
    a.set_href(href);
    a.set_download(name);
    let body = document.body().ok_or("no body")?;
    let _ = body.append_child(&a);
    a.click();
    let _ = body.remove_child(&a);
    Ok(())
}

/// The largest PNG side we draw: canvases much bigger than this fail in some browsers.
const MAX_SIDE: f64 = 8192.0;

/// Draws the SVG document (`width` × `height` CSS pixels) into a PNG at up to 2× and offers it
/// as a download named `name`. What happens once the image has loaded goes to `on_done`: what
/// to tell the user, or what went wrong.
pub fn download_png(name: &str, svg: &str, width: f64, height: f64, on_done: impl FnOnce(Result<String, String>) + 'static) -> Result<(), String> {
    let url = object_url("image/svg+xml", svg)?;
    let img = web_sys::HtmlImageElement::new().map_err(|_| "no image")?;
    let scale = (MAX_SIDE / width.max(height).max(1.0)).min(2.0);
    let (w, h) = ((width * scale).round().max(1.0), (height * scale).round().max(1.0));
    let name = name.to_string();
    let img2 = img.clone();
    let url2 = url.clone();
    let onload = Closure::once_into_js(move || {
        let r = (|| -> Result<(), String> {
            let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
            let canvas: web_sys::HtmlCanvasElement = document.create_element("canvas").map_err(|_| "no canvas")?.dyn_into().map_err(|_| "no canvas")?;
            canvas.set_width(w as u32);
            canvas.set_height(h as u32);
            let ctx: web_sys::CanvasRenderingContext2d = canvas.get_context("2d").ok().flatten().ok_or("no 2d canvas")?.dyn_into().map_err(|_| "no 2d canvas")?;
            ctx.draw_image_with_html_image_element_and_dw_and_dh(&img2, 0.0, 0.0, w, h).map_err(|_| "the picture could not be drawn")?;
            let data = canvas.to_data_url_with_type("image/png").map_err(|_| "the PNG could not be made")?;
            click_link(&data, &name)?;
            Ok(())
        })();
        let _ = web_sys::Url::revoke_object_url(&url2);
        on_done(r.map(|()| format!("Saved {name}")).map_err(|e| format!("The PNG could not be saved: {e}")));
    });
    img.set_onload(Some(onload.unchecked_ref()));
    img.set_src(&url);
    Ok(())
}
