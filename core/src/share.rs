//! The view state a share link carries in its URL fragment: which tab, what is selected, and
//! whether it is the demo tenant — never tokens or resource data.
//!
//! Not here: encoding and decoding URL text itself (`link`, the one URL codec), reading or
//! writing the browser's location (the web app).

use crate::graph::NodeId;
use crate::percent::{self, Plus};

/// The view a share link restores. It carries only what is on screen — which tab, what is
/// selected, and whether it is the demo tenant — never tokens or resource data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ViewState {
    /// Lowercase tab name (`graph`, `matrix`, `findings`, `inventory`).
    pub tab: String,
    pub demo: bool,
    pub selection: Option<ViewSelection>,
}

/// What is selected, mirroring the app's selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViewSelection {
    /// A graph node, in `NodeId`'s text form.
    Node(NodeId),
    Access { principal_id: String, registry: String },
    Edge(usize),
    Finding(usize),
}

/// Longest text a link may carry per field: ids are short; anything longer is not ours.
const MAX_FIELD: usize = 1024;

impl ViewState {
    /// The URL fragment, e.g. `#view=matrix&src=demo&sel=access:p1:%2Fsubscriptions%2F...`.
    pub fn to_fragment(&self) -> String {
        let mut out = format!("#view={}", encode(&self.tab));
        if self.demo {
            out.push_str("&src=demo");
        }
        if let Some(sel) = &self.selection {
            out.push_str("&sel=");
            out.push_str(&match sel {
                ViewSelection::Node(n) => format!("node:{}", encode(&n.to_string())),
                ViewSelection::Access { principal_id, registry } => format!("access:{}:{}", encode(principal_id), encode(registry)),
                ViewSelection::Edge(i) => format!("edge:{i}"),
                ViewSelection::Finding(i) => format!("finding:{i}"),
            });
        }
        out
    }

    /// Reads a fragment written by [`ViewState::to_fragment`] (with or without the `#`);
    /// `None` when it is not a view link. Unknown parameters are ignored; a malformed
    /// selection is dropped rather than guessed.
    pub fn from_fragment(fragment: &str) -> Option<ViewState> {
        let f = fragment.strip_prefix('#').unwrap_or(fragment);
        let mut parts = f.split('&');
        let tab = decode(parts.next()?.strip_prefix("view=")?)?;
        if tab.is_empty() || tab.len() > 32 || !tab.bytes().all(|b| b.is_ascii_lowercase()) {
            return None;
        }
        let mut state = ViewState { tab, demo: false, selection: None };
        for p in parts {
            match p.split_once('=') {
                Some(("src", "demo")) => state.demo = true,
                Some(("sel", v)) => state.selection = parse_selection(v),
                _ => {}
            }
        }
        Some(state)
    }
}

fn parse_selection(v: &str) -> Option<ViewSelection> {
    let (kind, rest) = v.split_once(':')?;
    let text = |s: &str| decode(s).filter(|t| !t.is_empty() && t.len() <= MAX_FIELD);
    match kind {
        "node" => text(rest)?.parse().ok().map(ViewSelection::Node),
        "access" => {
            let (p, r) = rest.split_once(':')?;
            Some(ViewSelection::Access { principal_id: text(p)?, registry: text(r)? })
        }
        "edge" => rest.parse().ok().map(ViewSelection::Edge),
        "finding" => rest.parse().ok().map(ViewSelection::Finding),
        _ => None,
    }
}

fn encode(s: &str) -> String {
    percent::encode_component(s)
}

/// A fragment part as [`encode`] wrote it; `None` for a malformed escape or bytes that are not
/// text. `+` is itself: the encoder never writes one for a space.
fn decode(s: &str) -> Option<String> {
    percent::decode_component(s, Plus::Literal).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acr() -> String {
        "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-ml-prod/providers/Microsoft.ContainerRegistry/registries/acrmlprod".into()
    }

    #[test]
    fn view_state_round_trips_through_a_fragment() {
        let cases = [
            ViewState { tab: "graph".into(), demo: true, selection: None },
            ViewState { tab: "matrix".into(), demo: true, selection: Some(ViewSelection::Access { principal_id: "p:1 &=#".into(), registry: acr() }) },
            ViewState { tab: "graph".into(), demo: false, selection: Some(ViewSelection::Node(NodeId::principal("abc"))) },
            ViewState { tab: "graph".into(), demo: true, selection: Some(ViewSelection::Node(NodeId::Anyone)) },
            ViewState { tab: "findings".into(), demo: true, selection: Some(ViewSelection::Finding(3)) },
            ViewState { tab: "graph".into(), demo: true, selection: Some(ViewSelection::Edge(12)) },
            ViewState { tab: "inventory".into(), demo: true, selection: Some(ViewSelection::Node(acr().parse().unwrap())) },
        ];
        for c in cases {
            let f = c.to_fragment();
            assert!(f.starts_with("#view="), "{f}");
            assert!(!f[1..].contains(['#', ' ', '<']), "{f}");
            assert_eq!(ViewState::from_fragment(&f), Some(c.clone()), "{f}");
        }
        let f = ViewState { tab: "matrix".into(), demo: true, selection: Some(ViewSelection::Node(acr().parse().unwrap())) }.to_fragment();
        assert!(f.starts_with("#view=matrix&src=demo&sel=node:%2Fsubscriptions%2F11111111-1111-1111-1111-111111111111%2Fresourcegroups%2F"), "{f}");
    }

    /// Links written before node ids were typed (node ids as plain text) still open the same
    /// node, and a node id that is no node's is dropped like any malformed selection.
    #[test]
    fn links_with_text_node_ids_still_select_their_node() {
        let node = |f: &str| ViewState::from_fragment(f).and_then(|v| v.selection);
        assert_eq!(node("#view=graph&src=demo&sel=node:principal%3Aaaaaaaaa-0000-0000-0000-000000000005"), Some(ViewSelection::Node(NodeId::principal("aaaaaaaa-0000-0000-0000-000000000005"))));
        assert_eq!(node("#view=graph&src=demo&sel=node:anyone"), Some(ViewSelection::Node(NodeId::Anyone)));
        let reg = node("#view=graph&src=demo&sel=node:%2Fsubscriptions%2F11111111-1111-1111-1111-111111111111%2Fresourcegroups%2Frg-ml-prod%2Fproviders%2Fmicrosoft.containerregistry%2Fregistries%2Facrmlprod");
        assert_eq!(reg, Some(ViewSelection::Node(acr().parse().unwrap())));
        assert_eq!(node("#view=inventory&src=demo&sel=node:%3Cscript%3E%C3%A9"), None);
        assert_eq!(node("#view=graph&sel=node:principal%3A"), None);
    }

    #[test]
    fn foreign_fragments_are_not_views() {
        assert_eq!(ViewState::from_fragment(""), None);
        assert_eq!(ViewState::from_fragment("#access_token=abc"), None);
        assert_eq!(ViewState::from_fragment("#view="), None);
        assert_eq!(ViewState::from_fragment("#view=Matrix%20x"), None);
        // A broken selection is dropped, the tab kept.
        assert_eq!(ViewState::from_fragment("#view=graph&sel=node:%ZZ"), Some(ViewState { tab: "graph".into(), demo: false, selection: None }));
        assert_eq!(ViewState::from_fragment("#view=graph&sel=edge:x&src=demo"), Some(ViewState { tab: "graph".into(), demo: true, selection: None }));
        let long = format!("#view=graph&sel=node:{}", "a".repeat(2000));
        assert_eq!(ViewState::from_fragment(&long).unwrap().selection, None);
    }
}
