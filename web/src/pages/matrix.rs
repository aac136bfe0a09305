//! The matrix tab: identities × registries, pull and push in each cell, sortable and
//! filterable, drawn as a window over the rows and columns in view so that tenants with
//! thousands of identities and hundreds of registries scroll smoothly.
//!
//! The table is an ARIA grid: one tab stop, arrow keys move between cells, Enter or Space
//! selects a cell for the detail panel (where pull can be granted and roles revoked). The row
//! model, sorting, filtering and the words of a cell are `pullpath_core::matrix`.

use std::sync::Arc;

use leptos::prelude::*;
use pullpath_core::access::IdentityKind;
use pullpath_core::graph::NodeId;
use pullpath_core::matrix::{cell_text, kind_name, CellTone, Direction, Matrix, Query, Show, Sort, KINDS};
use wasm_bindgen::JsCast;

use crate::state::{Analysed, AppState, Selection};

/// Fixed sizes (CSS pixels) the window arithmetic relies on; `matrix.css` uses the same.
const ROW_H: f64 = 44.0;
const HEAD_H: f64 = 48.0;
const COL_W: f64 = 170.0;
const NAME_W: f64 = 260.0;
/// Rows and columns drawn beyond the visible ones, so fast scrolling shows no gaps.
const OVERSCAN: usize = 4;

/// The analysis with its matrix, compared by identity (rebuilt only for a new analysis).
#[derive(Clone)]
struct Model(Arc<Analysed>, Arc<Matrix>);

impl PartialEq for Model {
    fn eq(&self, other: &Model) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// The visible window: `[r0, r1)` of the view's rows, `[c0, c1)` of its columns.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Window {
    r0: usize,
    r1: usize,
    c0: usize,
    c1: usize,
}

fn window(scroll: (f64, f64), viewport: (f64, f64), rows: usize, cols: usize) -> Window {
    let (top, left) = scroll;
    let (h, w) = viewport;
    let first_row = ((top - 0.0).max(0.0) / ROW_H) as usize;
    let r0 = first_row.saturating_sub(OVERSCAN).min(rows);
    let r1 = (first_row + ((h - HEAD_H).max(ROW_H) / ROW_H).ceil() as usize + OVERSCAN).min(rows);
    let first_col = (left.max(0.0) / COL_W) as usize;
    let c0 = first_col.saturating_sub(OVERSCAN / 2).min(cols);
    let c1 = (first_col + ((w - NAME_W).max(COL_W) / COL_W).ceil() as usize + OVERSCAN / 2).min(cols);
    Window { r0, r1, c0, c1 }
}

fn px(v: f64) -> String {
    format!("{v}px")
}

#[component]
pub fn MatrixView() -> impl IntoView {
    let state = expect_context::<AppState>();
    let model = Memo::new(move |_| state.analysed.get().map(|a| {
        let m = Arc::new(Matrix::new(&a.analysis));
        Model(a, m)
    }));
    let query = RwSignal::new(Query::default());
    let view_rows = Memo::new(move |_| model.with(|m| m.as_ref().map(|Model(a, m)| Arc::new(m.view(&a.analysis, &query.get())))));
    let scroll = RwSignal::new((0.0f64, 0.0f64));
    let viewport = RwSignal::new((600.0f64, 900.0f64));
    // The cell that holds the grid's tab stop, as (row, column) positions in the view.
    let active = RwSignal::new((0usize, 0usize));
    let scroller = NodeRef::<leptos::html::Div>::new();

    let measure = move || {
        if let Some(el) = scroller.get_untracked() {
            viewport.set((el.client_height() as f64, el.client_width() as f64));
            scroll.set((el.scroll_top() as f64, el.scroll_left() as f64));
        }
    };
    Effect::new(move |_| {
        if scroller.get().is_some() {
            measure();
        }
    });
    let resize = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || resize.remove());
    // A new query starts at the top-left.
    Effect::new(move |prev: Option<()>| {
        query.track();
        if prev.is_some() {
            active.set((0, 0));
            if let Some(el) = scroller.get_untracked() {
                el.set_scroll_top(0);
                el.set_scroll_left(0);
            }
            scroll.set((0.0, 0.0));
        }
    });

    let win = Memo::new(move |_| {
        let (rows, cols) = view_rows.with(|v| v.as_ref().map(|v| (v.rows.len(), v.columns.len())).unwrap_or_default());
        window(scroll.get(), viewport.get(), rows, cols)
    });

    // Moves the tab stop, scrolls it into the window and focuses it once drawn.
    let focus_cell = move |r: usize, c: usize| {
        active.set((r, c));
        if let Some(el) = scroller.get_untracked() {
            let (h, w) = viewport.get_untracked();
            let (mut top, mut left) = scroll.get_untracked();
            let row_top = r as f64 * ROW_H;
            if row_top < top {
                top = row_top;
            } else if row_top + ROW_H > top + h - HEAD_H {
                top = row_top + ROW_H - (h - HEAD_H);
            }
            let col_left = c as f64 * COL_W;
            if col_left < left {
                left = col_left;
            } else if col_left + COL_W > left + w - NAME_W {
                left = col_left + COL_W - (w - NAME_W);
            }
            el.set_scroll_top(top as i32);
            el.set_scroll_left(left as i32);
            scroll.set((top.max(0.0), left.max(0.0)));
        }
        request_animation_frame(move || {
            if let Some(el) = document().get_element_by_id(&format!("mx-{r}-{c}")).and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = el.focus();
            }
        });
    };

    let select = move |r: usize, c: usize| {
        let Some(sel) = model.with_untracked(|m| {
            view_rows.with_untracked(|v| {
                let (Some(Model(a, m)), Some(v)) = (m, v) else { return None };
                let row = &m.rows[*v.rows.get(r)? as usize];
                let reg = &a.analysis.registries[*v.columns.get(c)? as usize];
                Some(Selection::Access { principal_id: row.principal_id.clone(), registry: reg.id.clone() })
            })
        }) else {
            return;
        };
        active.set((r, c));
        state.selection.set(Some(sel));
    };

    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let (rows, cols) = view_rows.with_untracked(|v| v.as_ref().map(|v| (v.rows.len(), v.columns.len())).unwrap_or_default());
        if rows == 0 || cols == 0 {
            return;
        }
        let (r, c) = active.get_untracked();
        let page = ((viewport.get_untracked().0 - HEAD_H) / ROW_H).max(1.0) as usize;
        let (nr, nc) = match ev.key().as_str() {
            "ArrowDown" => ((r + 1).min(rows - 1), c),
            "ArrowUp" => (r.saturating_sub(1), c),
            "ArrowRight" => (r, (c + 1).min(cols - 1)),
            "ArrowLeft" => (r, c.saturating_sub(1)),
            "PageDown" => ((r + page).min(rows - 1), c),
            "PageUp" => (r.saturating_sub(page), c),
            "Home" if ev.ctrl_key() => (0, 0),
            "End" if ev.ctrl_key() => (rows - 1, cols - 1),
            "Home" => (r, 0),
            "End" => (r, cols - 1),
            "Enter" | " " => {
                ev.prevent_default();
                select(r, c);
                return;
            }
            _ => return,
        };
        ev.prevent_default();
        focus_cell(nr.min(rows - 1), nc.min(cols - 1));
    };

    let on_scroll = move |_| {
        if let Some(el) = scroller.get_untracked() {
            scroll.set((el.scroll_top() as f64, el.scroll_left() as f64));
        }
    };

    let kinds_present = move || model.with(|m| m.as_ref().map(|Model(_, m)| KINDS.into_iter().filter(|k| m.rows.iter().any(|r| r.kind == *k)).collect::<Vec<_>>()).unwrap_or_default());
    let summary = move || {
        model.with(|m| {
            view_rows.with(|v| match (m, v) {
                (Some(Model(_, m)), Some(v)) => {
                    // Members shown again under an expanded group are not counted twice.
                    let own = v.member_of.iter().filter(|g| g.is_none()).count();
                    format!("{own} of {} identities × {} of {} registries", m.rows.len(), v.columns.len(), m.registries)
                }
                _ => String::new(),
            })
        })
    };
    let sort_value = move || match query.with(|q| q.sort) {
        Sort::Name => "name",
        Sort::Kind => "kind",
        Sort::Pulls => "pulls",
    };

    // As tall as its rows (CSS caps it): short tables leave no empty box, and the window is
    // measured again once the height has changed.
    let content_height = move || {
        let rows = view_rows.with(|v| v.as_ref().map(|v| v.rows.len()).unwrap_or(0));
        px(HEAD_H + rows.max(1) as f64 * ROW_H + 20.0)
    };
    Effect::new(move |_| {
        view_rows.track();
        request_animation_frame(measure);
    });

    let grid = move || {
        let Some(Model(a, m)) = model.get() else { return view! { <p>"Nothing scanned yet."</p> }.into_any() };
        let Some(v) = view_rows.get() else { return ().into_any() };
        let w = win.get();
        // The tab stop: the active cell, or the window's first while the active one is away.
        let tab_stop = move || {
            let (ar, ac) = active.get();
            let w = win.get();
            if (w.r0..w.r1).contains(&ar) && (w.c0..w.c1).contains(&ac) { (ar, ac) } else { (w.r0, w.c0) }
        };
        let ncols = v.columns.len();
        let visible_cols = w.c1 - w.c0;
        let head_cells = (w.c0..w.c1)
            .map(|c| {
                let reg = &a.analysis.registries[v.columns[c] as usize];
                let node = NodeId::resource(&reg.id);
                let name = reg.name.clone();
                let title = reg.login_server.clone().unwrap_or_else(|| reg.name.clone());
                view! {
                    <th scope="col" aria-colindex=c + 2 class="reg">
                        <button class="link" title=title
                            on:click=move |_| state.selection.set(Some(Selection::Node(node.clone())))>{name}</button>
                    </th>
                }
            })
            .collect_view();
        let sort_dir = match query.with(|q| (q.sort, q.direction)) {
            (Sort::Name, Direction::Ascending) => "ascending",
            (Sort::Name, Direction::Descending) => "descending",
            _ => "none",
        };
        let body = (w.r0..w.r1)
            .map(|r| {
                let row = &m.rows[v.rows[r] as usize];
                let node = NodeId::principal(&row.principal_id);
                let cells = (w.c0..w.c1)
                    .map(|c| {
                        let reg_i = v.columns[c];
                        let reg = &a.analysis.registries[reg_i as usize];
                        let (text, tone) = match row.cell(reg_i) {
                            Some(i) => cell_text(&a.analysis.access[i as usize]),
                            None => ("no access".to_string(), CellTone::None),
                        };
                        let class = match tone {
                            CellTone::Ok => "cell ok",
                            CellTone::Warn => "cell warn",
                            CellTone::Bad => "cell bad",
                            CellTone::None => "cell none",
                        };
                        let (pid, rid) = (row.principal_id.clone(), reg.id.clone());
                        let selected = move || state.selection.with(|s| matches!(s, Some(Selection::Access { principal_id, registry }) if *principal_id == pid && *registry == rid)).to_string();
                        let title = format!("{} → {}", row.identity, reg.name);
                        view! {
                            <td role="gridcell" id=format!("mx-{r}-{c}") class=class aria-colindex=c + 2
                                aria-selected=selected title=title
                                tabindex=move || if tab_stop() == (r, c) { "0" } else { "-1" }
                                on:click=move |_| select(r, c)
                                on:focus=move |_| active.set((r, c))>{text}</td>
                        }
                    })
                    .collect_view();
                let name = row.identity.clone();
                let full_name = name.clone();
                // A member shown under its expanded group says so; a group with members read
                // offers to show them below it.
                let under = v.member_of.get(r).copied().flatten().map(|g| m.rows[g as usize].identity.clone());
                let kind = match &under {
                    Some(g) => format!("{}, member of {g}", kind_name(row.kind)),
                    None => kind_name(row.kind).to_string(),
                };
                let toggle = (under.is_none() && !row.members.is_empty()).then(|| {
                    let (gid, n, gname) = (row.principal_id.clone(), row.members.len(), row.identity.clone());
                    let gid2 = gid.clone();
                    let open = Signal::derive(move || query.with(|q| q.expanded.contains(&gid)));
                    view! {
                        <button class="members-toggle" aria-expanded=move || open.get().to_string()
                            aria-label=move || format!("{} the {n} member{} of {gname}", if open.get() { "Hide" } else { "Show" }, if n == 1 { "" } else { "s" })
                            on:click=move |_| query.update(|q| match q.expanded.iter().position(|g| *g == gid2) {
                                Some(i) => { q.expanded.remove(i); }
                                None => q.expanded.push(gid2.clone()),
                            })>{move || format!("{} {n}", if open.get() { "▾" } else { "▸" })}</button>
                    }
                });
                let who_class = if under.is_some() { "who member" } else { "who" };
                view! {
                    <tr aria-rowindex=r + 2>
                        <th scope="row" class=who_class>
                            {toggle}
                            <button class="link" title=full_name on:click=move |_| state.selection.set(Some(Selection::Node(node.clone())))>{name}</button>
                            <span class="kind">{kind}</span>
                        </th>
                        <td class="sp" aria-hidden="true"></td>
                        {cells}
                        <td class="sp" aria-hidden="true"></td>
                    </tr>
                }
            })
            .collect_view();
        let top_pad = w.r0 as f64 * ROW_H;
        let bottom_pad = (v.rows.len() - w.r1) as f64 * ROW_H;
        let left_pad = w.c0 as f64 * COL_W;
        let right_pad = (ncols - w.c1) as f64 * COL_W;
        let span = visible_cols + 3;
        let empty = v.rows.is_empty();
        view! {
            <table role="grid" class="matrix" aria-label="Access by identity and registry"
                aria-rowcount=v.rows.len() + 1 aria-colcount=ncols + 1
                style:width=px(NAME_W + ncols as f64 * COL_W)
                on:keydown=on_key>
                <colgroup>
                    <col style:width=px(NAME_W)/>
                    <col style:width=px(left_pad)/>
                    {(w.c0..w.c1).map(|_| view! { <col style:width=px(COL_W)/> }).collect_view()}
                    <col style:width=px(right_pad)/>
                </colgroup>
                <thead>
                    <tr aria-rowindex="1">
                        <th scope="col" class="who corner" aria-sort=sort_dir>"Identity"</th>
                        <th class="sp" aria-hidden="true"></th>
                        {head_cells}
                        <th class="sp" aria-hidden="true"></th>
                    </tr>
                </thead>
                <tbody>
                    {(top_pad > 0.0).then(|| view! { <tr class="sp" aria-hidden="true"><td colspan=span style:height=px(top_pad)></td></tr> })}
                    {body}
                    {(bottom_pad > 0.0).then(|| view! { <tr class="sp" aria-hidden="true"><td colspan=span style:height=px(bottom_pad)></td></tr> })}
                </tbody>
            </table>
            {empty.then(|| view! { <p class="empty">"No identity matches these filters."</p> })}
        }
        .into_any()
    };

    view! {
        <section class="matrix-view" aria-labelledby="matrix-h">
            <h2 id="matrix-h">"Access matrix"</h2>
            <div class="matrix-tools">
                <span class="field"><label for="mx-f-identity">"Identity"</label> <input id="mx-f-identity" type="search" placeholder="name or principal id"
                    prop:value=move || query.with(|q| q.identity.clone())
                    on:input=move |ev| { let t = event_target_value(&ev); query.update(|q| q.identity = t) }/></span>
                <span class="field"><label for="mx-f-registry">"Registry"</label> <input id="mx-f-registry" type="search" placeholder="name or login server"
                    prop:value=move || query.with(|q| q.registry.clone())
                    on:input=move |ev| { let t = event_target_value(&ev); query.update(|q| q.registry = t) }/></span>
                <span class="field"><label for="mx-f-kind">"Kind"</label> <select id="mx-f-kind" on:change=move |ev| {
                        let t = event_target_value(&ev);
                        query.update(|q| q.kind = KINDS.into_iter().find(|k| kind_name(*k) == t));
                    }>
                    <option value="">"All kinds"</option>
                    {move || kinds_present().into_iter().map(|k: IdentityKind| view! { <option value=kind_name(k)>{kind_name(k)}</option> }).collect_view()}
                </select></span>
                <label class="check"><input type="checkbox"
                    prop:checked=move || query.with(|q| q.show == Show::Problems)
                    on:change=move |ev| { let on = event_target_checked(&ev); query.update(|q| q.show = if on { Show::Problems } else { Show::All }) }/>
                    "Only problems"</label>
                <label class="check"><input type="checkbox"
                    prop:checked=move || query.with(|q| q.show == Show::NetworkBlocked)
                    on:change=move |ev| { let on = event_target_checked(&ev); query.update(|q| q.show = if on { Show::NetworkBlocked } else { Show::All }) }/>
                    "Only allowed by roles, blocked by network"</label>
                <label class="check"><input type="checkbox"
                    prop:checked=move || query.with(|q| q.show == Show::Used)
                    on:change=move |ev| { let on = event_target_checked(&ev); query.update(|q| q.show = if on { Show::Used } else { Show::All }) }/>
                    "Only pulls actually used"</label>
                <span class="field"><label for="mx-f-sort">"Sort by"</label> <select id="mx-f-sort" prop:value=sort_value on:change=move |ev| {
                        let t = event_target_value(&ev);
                        query.update(|q| q.sort = match t.as_str() { "kind" => Sort::Kind, "pulls" => Sort::Pulls, _ => Sort::Name });
                    }>
                    <option value="name">"Name"</option>
                    <option value="kind">"Kind"</option>
                    <option value="pulls">"Registries it can pull from"</option>
                </select></span>
                <button class="order" on:click=move |_| query.update(|q| q.direction = match q.direction { Direction::Ascending => Direction::Descending, Direction::Descending => Direction::Ascending })>
                    {move || if query.with(|q| q.direction) == Direction::Descending { "Order: ↓ descending" } else { "Order: ↑ ascending" }}
                </button>
            </div>
            <p class="summary" role="status">{summary}</p>
            <p class="hint">"Arrow keys move between cells; Enter shows why, with actions to grant or revoke."</p>
            <div class="matrix-scroll" node_ref=scroller on:scroll=on_scroll style:height=content_height>
                {grid}
            </div>
        </section>
    }
}
