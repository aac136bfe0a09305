//! The matrix tab: identities × registries, pull and push in each cell, sortable and
//! filterable, drawn as a window over the rows and columns in view so that tenants with
//! thousands of identities and hundreds of registries scroll smoothly.
//!
//! The table is an ARIA grid: one tab stop among the cells, arrow keys move between cells and
//! on to the row and column headers, Enter or Space selects a cell for the detail panel (where
//! pull can be granted and roles revoked). Rows, headers and cells are keyed by their place and
//! what is shown there, so a scroll keeps every node that stays drawn, and with it the focus.
//! The row model, sorting, filtering and the words of a cell are `pullpath_core::matrix`.

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

/// The drawn window: `[r0, r1)` of the view's rows, `[c0, c1)` of its columns; `top` and
/// `left` are the first row and column wholly in view (not under the sticky headers).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Window {
    r0: usize,
    r1: usize,
    c0: usize,
    c1: usize,
    top: usize,
    left: usize,
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
    let top = ((top.max(0.0) / ROW_H).ceil() as usize).clamp(r0, r1.saturating_sub(1).max(r0));
    let left = ((left.max(0.0) / COL_W).ceil() as usize).clamp(c0, c1.saturating_sub(1).max(c0));
    Window { r0, r1, c0, c1, top, left }
}

/// A place in the grid that takes focus: a cell, a column header's registry button or a row
/// header's identity button, by position in the view. Its element id names it, so a key press
/// knows where it happened and focus can be put back on the same place after a redraw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Spot {
    Cell(usize, usize),
    Column(usize),
    Row(usize),
}

impl Spot {
    fn id(self) -> String {
        match self {
            Spot::Cell(r, c) => format!("mx-{r}-{c}"),
            Spot::Column(c) => format!("mx-col-{c}"),
            Spot::Row(r) => format!("mx-row-{r}"),
        }
    }

    fn of_id(id: &str) -> Option<Spot> {
        let rest = id.strip_prefix("mx-")?;
        if let Some(c) = rest.strip_prefix("col-") {
            return c.parse().ok().map(Spot::Column);
        }
        if let Some(r) = rest.strip_prefix("row-") {
            return r.parse().ok().map(Spot::Row);
        }
        let (r, c) = rest.split_once('-')?;
        Some(Spot::Cell(r.parse().ok()?, c.parse().ok()?))
    }
}

/// What a key pressed at a spot does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyAction {
    Focus(Spot),
    Select(usize, usize),
}

/// The grid's keys, on a `rows` × `cols` view (both non-zero) with `page` rows in view. Cells
/// follow the ARIA grid pattern and step out onto their row's and column's header at the
/// edges; headers step along their own row or column and back into the cells. Enter and Space
/// on a header are its button's own (`None`), as is every key the grid does not use.
fn key_action(at: Spot, key: &str, ctrl: bool, (rows, cols): (usize, usize), page: usize) -> Option<KeyAction> {
    let (last_r, last_c) = (rows - 1, cols - 1);
    let to = match at {
        Spot::Cell(r, c) => {
            let (r, c) = (r.min(last_r), c.min(last_c));
            match key {
                "ArrowDown" => Spot::Cell((r + 1).min(last_r), c),
                "ArrowUp" if r == 0 => Spot::Column(c),
                "ArrowUp" => Spot::Cell(r - 1, c),
                "ArrowRight" => Spot::Cell(r, (c + 1).min(last_c)),
                "ArrowLeft" if c == 0 => Spot::Row(r),
                "ArrowLeft" => Spot::Cell(r, c - 1),
                "PageDown" => Spot::Cell((r + page).min(last_r), c),
                "PageUp" => Spot::Cell(r.saturating_sub(page), c),
                "Home" if ctrl => Spot::Cell(0, 0),
                "End" if ctrl => Spot::Cell(last_r, last_c),
                "Home" => Spot::Cell(r, 0),
                "End" => Spot::Cell(r, last_c),
                "Enter" | " " => return Some(KeyAction::Select(r, c)),
                _ => return None,
            }
        }
        Spot::Column(c) => {
            let c = c.min(last_c);
            match key {
                "ArrowLeft" => Spot::Column(c.saturating_sub(1)),
                "ArrowRight" => Spot::Column((c + 1).min(last_c)),
                "Home" => Spot::Column(0),
                "End" => Spot::Column(last_c),
                "ArrowDown" => Spot::Cell(0, c),
                _ => return None,
            }
        }
        Spot::Row(r) => {
            let r = r.min(last_r);
            match key {
                "ArrowUp" => Spot::Row(r.saturating_sub(1)),
                "ArrowDown" => Spot::Row((r + 1).min(last_r)),
                "PageDown" => Spot::Row((r + page).min(last_r)),
                "PageUp" => Spot::Row(r.saturating_sub(page)),
                "ArrowRight" => Spot::Cell(r, 0),
                _ => return None,
            }
        }
    };
    Some(KeyAction::Focus(to))
}

fn px(v: f64) -> String {
    format!("{v}px")
}

/// A keyed piece of the grid: its position in the view, the row or registry index shown
/// there, and for a row the group it is shown under. Its key, so a node is kept exactly as long
/// as the same thing is drawn at the same place.
type Place = (usize, u32, Option<u32>);

/// The pieces in the window, in order.
type Places = Arc<dyn Fn() -> Vec<Place> + Send + Sync>;

/// Draws one piece; nothing for an index the analysis does not have.
type DrawPlace = Arc<dyn Fn(Place) -> Option<AnyView> + Send + Sync>;

/// The one keyed list that the rows, the column headers and each row's cells all go through:
/// a single `For`, so its diffing is compiled into the bundle once, not once per use.
fn keyed(each: Places, draw: DrawPlace) -> impl IntoView {
    view! { <For each=move || each() key=|place| *place children=move |place| draw(place)/> }
}

/// Focuses the element with this id; false when none is drawn.
fn focus_by_id(id: &str) -> bool {
    match document().get_element_by_id(id).and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        Some(el) => el.focus().is_ok(),
        None => false,
    }
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

    // The drawn columns as (position in the view, registry), and the drawn rows as (position,
    // row, group it is shown under): the keys the grid's nodes are kept by. A node is drawn
    // again only when what sits at its place changes, never because the window moved.
    let cols_drawn = move || {
        let w = win.get();
        view_rows.with(|v| v.as_ref().map(|v| (w.c0..w.c1).filter_map(|c| Some((c, *v.columns.get(c)?, None))).collect::<Vec<Place>>()).unwrap_or_default())
    };
    let rows_drawn = move || {
        let w = win.get();
        view_rows.with(|v| v.as_ref().map(|v| (w.r0..w.r1).filter_map(|r| Some((r, *v.rows.get(r)?, v.member_of.get(r).copied().flatten()))).collect::<Vec<Place>>()).unwrap_or_default())
    };
    // The cell that takes Tab: the active one while it is drawn, else the first wholly in view.
    let tab_stop = move || {
        let (ar, ac) = active.get();
        let w = win.get();
        if (w.r0..w.r1).contains(&ar) && (w.c0..w.c1).contains(&ac) { (ar, ac) } else { (w.top, w.left) }
    };

    // Scrolls so that a spot is wholly in view, clear of the sticky headers. The browser's own
    // scroll on focus does not know about them: it leaves a header or cell half under the name
    // column, and the window then stops short of its neighbours, which Shift+Tab would skip.
    let reveal = move |spot: Spot| {
        let Some(el) = scroller.get_untracked() else { return };
        let (h, w) = viewport.get_untracked();
        // The element, not the signal: a scroll the browser has just made is not yet in it.
        let (mut top, mut left) = (el.scroll_top() as f64, el.scroll_left() as f64);
        let (row, col) = match spot {
            Spot::Cell(r, c) => (Some(r), Some(c)),
            Spot::Column(c) => (None, Some(c)),
            Spot::Row(r) => (Some(r), None),
        };
        if let Some(r) = row {
            let row_top = r as f64 * ROW_H;
            if row_top < top {
                top = row_top;
            } else if row_top + ROW_H > top + h - HEAD_H {
                top = row_top + ROW_H - (h - HEAD_H);
            }
        }
        if let Some(c) = col {
            let col_left = c as f64 * COL_W;
            if col_left < left {
                left = col_left;
            } else if col_left + COL_W > left + w - NAME_W {
                left = col_left + COL_W - (w - NAME_W);
            }
        }
        el.set_scroll_top(top as i32);
        el.set_scroll_left(left as i32);
        scroll.set((el.scroll_top() as f64, el.scroll_left() as f64));
    };
    // Moves focus to a spot (a cell also takes the tab stop), drawing it first if need be.
    let focus_spot = move |to: Spot| {
        if let Spot::Cell(r, c) = to {
            active.set((r, c));
        }
        reveal(to);
        request_animation_frame(move || {
            focus_by_id(&to.id());
        });
    };

    // The spot that last had focus in the grid, while focus is (or should be) there. A redraw
    // can still remove the focused node: a new analysis draws the grid anew, and a scroll by
    // pointer or screen reader can carry the focused place out of the window. Focus then falls
    // to the page; it is put back on the same spot, or on the tab stop when that is not drawn.
    let last_focus = StoredValue::new(None::<Spot>);
    let on_focusin = move |ev: leptos::ev::FocusEvent| {
        let Some(el) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
        let spot = Spot::of_id(&el.id());
        // Only focus the keyboard moved: a scroll between a click's press and release would
        // move the cell from under the pointer and lose the click.
        if let Some(spot) = spot.filter(|_| el.matches(":focus-visible").unwrap_or(false)) {
            reveal(spot);
        }
        last_focus.set_value(Some(spot.unwrap_or_else(|| {
            let (r, c) = untrack(tab_stop);
            Spot::Cell(r, c)
        })));
    };
    let on_focusout = move |ev: leptos::ev::FocusEvent| {
        let Some(from) = ev.target().and_then(|t| t.dyn_into::<web_sys::Node>().ok()) else { return };
        match ev.related_target().and_then(|t| t.dyn_into::<web_sys::Node>().ok()) {
            // Focus moved elsewhere in the grid (its focusin says where) or out of it.
            Some(to) => {
                if !scroller.get_untracked().is_some_and(|s| s.contains(Some(&to))) {
                    last_focus.set_value(None);
                }
            }
            // Nowhere: a click on the page or the window losing focus, unless the node was
            // removed, which is told by it being gone once the redraw is over.
            None => request_animation_frame(move || {
                if from.is_connected() {
                    last_focus.set_value(None);
                }
            }),
        }
    };
    Effect::new(move |_| {
        model.track();
        view_rows.track();
        win.track();
        request_animation_frame(move || {
            let Some(spot) = last_focus.get_value() else { return };
            if document().active_element().is_some_and(|e| e.tag_name() != "BODY") {
                return;
            }
            if !focus_by_id(&spot.id()) {
                let (r, c) = untrack(tab_stop);
                focus_by_id(&Spot::Cell(r, c).id());
            }
        });
    });

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

    // Keys act by where they were pressed; keys on the members toggle, and those the grid does
    // not use, keep their default.
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let (rows, cols) = view_rows.with_untracked(|v| v.as_ref().map(|v| (v.rows.len(), v.columns.len())).unwrap_or_default());
        if rows == 0 || cols == 0 {
            return;
        }
        let Some(at) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).and_then(|e| Spot::of_id(&e.id())) else { return };
        let page = ((viewport.get_untracked().0 - HEAD_H) / ROW_H).max(1.0) as usize;
        match key_action(at, &ev.key(), ev.ctrl_key(), (rows, cols), page) {
            Some(KeyAction::Focus(to)) => {
                ev.prevent_default();
                focus_spot(to);
            }
            Some(KeyAction::Select(r, c)) => {
                ev.prevent_default();
                select(r, c);
            }
            None => {}
        }
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

    // Drawn anew only for a new analysis; everything that follows the query or the scroll is
    // keyed below it.
    let grid = move || {
        // A piece looks its row and registry up with `get`: for the moment after a newer
        // analysis arrives, before this grid is replaced, the keyed lists may hand it the new
        // view's indexes.
        let Some(Model(a, m)) = model.get() else { return view! { <p>"Nothing scanned yet."</p> }.into_any() };
        let counts = move || view_rows.with(|v| v.as_ref().map(|v| (v.rows.len(), v.columns.len())).unwrap_or_default());
        let pads = move || {
            let w = win.get();
            let (rows, cols) = counts();
            (w.r0 as f64 * ROW_H, rows.saturating_sub(w.r1) as f64 * ROW_H, w.c0 as f64 * COL_W, cols.saturating_sub(w.c1) as f64 * COL_W)
        };
        // The drawn columns share one `col`; the spacer rows and columns are always there, empty
        // (0px) when the window is at an edge, so that scrolling only restyles them. A spacer
        // row's height is on the row itself, where it overrides the stylesheet's row height.
        let drawn = move || win.with(|w| w.c1 - w.c0);
        let span = move || drawn() + 3;
        let sort_dir = move || match query.with(|q| (q.sort, q.direction)) {
            (Sort::Name, Direction::Ascending) => "ascending",
            (Sort::Name, Direction::Descending) => "descending",
            _ => "none",
        };

        let head_cells = {
            let a = a.clone();
            keyed(Arc::new(cols_drawn), Arc::new(move |(c, reg_i, _)| {
                let reg = a.analysis.registries.get(reg_i as usize)?;
                let node = NodeId::resource(&reg.id);
                let name = reg.name.clone();
                let title = reg.login_server.clone().unwrap_or_else(|| reg.name.clone());
                Some(view! {
                    <th scope="col" aria-colindex=c + 2 class="reg">
                        <button class="link" id=Spot::Column(c).id() title=title
                            on:click=move |_| state.selection.set(Some(Selection::Node(node.clone())))>{name}</button>
                    </th>
                }.into_any())
            }))
        };

        let row_view = {
            let (a, m) = (a.clone(), m.clone());
            move |(r, row_i, group): Place| {
                let row = m.rows.get(row_i as usize)?;
                let node = NodeId::principal(&row.principal_id);
                let cells = {
                    let (a, m) = (a.clone(), m.clone());
                    keyed(Arc::new(cols_drawn), Arc::new(move |(c, reg_i, _)| {
                        let (row, reg) = (m.rows.get(row_i as usize)?, a.analysis.registries.get(reg_i as usize)?);
                        let (text, tone) = match row.cell(reg_i).and_then(|i| a.analysis.access.get(i as usize)) {
                            Some(x) => cell_text(x),
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
                        Some(view! {
                            <td role="gridcell" id=Spot::Cell(r, c).id() class=class aria-colindex=c + 2
                                aria-selected=selected title=title
                                tabindex=move || if tab_stop() == (r, c) { "0" } else { "-1" }
                                on:click=move |_| select(r, c)
                                on:focus=move |_| active.set((r, c))>{text}</td>
                        }.into_any())
                    }))
                };
                let name = row.identity.clone();
                let full_name = name.clone();
                // A member shown under its expanded group says so; a group with members read
                // offers to show them below it.
                let under = group.and_then(|g| m.rows.get(g as usize)).map(|g| g.identity.clone());
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
                Some(view! {
                    <tr aria-rowindex=r + 2>
                        <th scope="row" class=who_class>
                            {toggle}
                            <button class="link" id=Spot::Row(r).id() title=full_name on:click=move |_| state.selection.set(Some(Selection::Node(node.clone())))>{name}</button>
                            <span class="kind">{kind}</span>
                        </th>
                        <td class="sp" aria-hidden="true"></td>
                        {cells}
                        <td class="sp" aria-hidden="true"></td>
                    </tr>
                }.into_any())
            }
        };

        view! {
            <table role="grid" class="matrix" aria-label="Access by identity and registry"
                aria-rowcount=move || counts().0 + 1 aria-colcount=move || counts().1 + 1
                style:width=move || px(NAME_W + counts().1 as f64 * COL_W)
                on:keydown=on_key on:focusin=on_focusin on:focusout=on_focusout>
                <colgroup>
                    <col style:width=px(NAME_W)/>
                    <col style:width=move || px(pads().2)/>
                    <col span=move || drawn().max(1) style:width=move || px(if drawn() == 0 { 0.0 } else { COL_W })/>
                    <col style:width=move || px(pads().3)/>
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
                    <tr class="sp" aria-hidden="true" style:height=move || px(pads().0)><td colspan=span></td></tr>
                    {keyed(Arc::new(rows_drawn), Arc::new(row_view))}
                    <tr class="sp" aria-hidden="true" style:height=move || px(pads().1)><td colspan=span></td></tr>
                </tbody>
            </table>
            {move || (counts().0 == 0).then(|| view! { <p class="empty">"No identity matches these filters."</p> })}
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

#[cfg(test)]
mod tests {
    use super::{key_action, window, KeyAction, Spot, COL_W, ROW_H};

    #[test]
    fn a_spot_is_named_by_its_element_id() {
        for spot in [Spot::Cell(0, 0), Spot::Cell(12, 3), Spot::Column(7), Spot::Row(1999)] {
            assert_eq!(Spot::of_id(&spot.id()), Some(spot));
        }
        assert_eq!(Spot::of_id("mx-4-2"), Some(Spot::Cell(4, 2)));
        for other in ["mx-f-identity", "mx-f-sort", "matrix-h", "mx-col-", "mx-3", "", "mx-row-x"] {
            assert_eq!(Spot::of_id(other), None, "{other}");
        }
    }

    #[test]
    fn keys_step_from_cells_onto_headers_and_back() {
        let at = |spot, key| key_action(spot, key, false, (5, 3), 2);
        let to = |spot| Some(KeyAction::Focus(spot));
        assert_eq!(at(Spot::Cell(0, 1), "ArrowUp"), to(Spot::Column(1)));
        assert_eq!(at(Spot::Cell(3, 0), "ArrowLeft"), to(Spot::Row(3)));
        assert_eq!(at(Spot::Cell(4, 2), "ArrowDown"), to(Spot::Cell(4, 2)));
        assert_eq!(at(Spot::Cell(4, 2), "ArrowRight"), to(Spot::Cell(4, 2)));
        assert_eq!(at(Spot::Cell(1, 1), "PageDown"), to(Spot::Cell(3, 1)));
        assert_eq!(at(Spot::Cell(1, 1), "Enter"), Some(KeyAction::Select(1, 1)));
        assert_eq!(key_action(Spot::Cell(2, 1), "End", true, (5, 3), 2), to(Spot::Cell(4, 2)));
        assert_eq!(at(Spot::Column(1), "ArrowDown"), to(Spot::Cell(0, 1)));
        assert_eq!(at(Spot::Column(2), "ArrowRight"), to(Spot::Column(2)));
        assert_eq!(at(Spot::Column(0), "ArrowLeft"), to(Spot::Column(0)));
        assert_eq!(at(Spot::Column(1), "End"), to(Spot::Column(2)));
        assert_eq!(at(Spot::Row(3), "ArrowRight"), to(Spot::Cell(3, 0)));
        assert_eq!(at(Spot::Row(4), "ArrowDown"), to(Spot::Row(4)));
        assert_eq!(at(Spot::Row(0), "ArrowUp"), to(Spot::Row(0)));
        // A header's Enter and Space are its button's; letters are nobody's.
        for key in ["Enter", " ", "a", "Tab"] {
            assert_eq!(at(Spot::Column(1), key), None, "{key:?}");
            assert_eq!(at(Spot::Row(1), key), None, "{key:?}");
        }
        // A spot past a view that has just shrunk moves within the view.
        assert_eq!(at(Spot::Cell(9, 9), "ArrowUp"), to(Spot::Cell(3, 2)));
    }

    #[test]
    fn the_window_knows_its_first_wholly_visible_row_and_column() {
        let w = window((0.0, 0.0), (600.0, 900.0), 100, 50);
        assert_eq!((w.r0, w.c0, w.top, w.left), (0, 0, 0, 0));
        let w = window((ROW_H * 10.5, COL_W * 6.5), (600.0, 900.0), 100, 50);
        assert_eq!((w.top, w.left), (11, 7));
        assert!(w.r0 < w.top && w.top < w.r1 && w.c0 < w.left && w.left < w.c1, "{w:?}");
        let w = window((0.0, 0.0), (600.0, 900.0), 0, 0);
        assert_eq!((w.r0, w.r1, w.top, w.c0, w.c1, w.left), (0, 0, 0, 0, 0, 0));
    }
}
