//! Property tests for the URL codec and `link::follow`: decoding undoes encoding for any text,
//! nothing panics on any input, and a link is followed only when the WHATWG URL parser (what a
//! browser would do with it) reads it as the configured origin, with the same path and query.

use percent_encoding::percent_decode_str;
use proptest::prelude::*;
use pullpath_core::link::{self, LinkError};
use pullpath_core::percent::{self, Plus};
use pullpath_core::request::{Method, Request};

const ORIGIN: &str = "https://management.azure.com";

/// Pieces hostile links are made of: scheme, separator, userinfo, host and port tricks.
fn arb_link() -> impl Strategy<Value = String> {
    let scheme = prop_oneof![Just("https"), Just("HTTPS"), Just("http"), Just("ftp"), Just("javascript"), Just("https:"), Just("")];
    let sep = prop_oneof![Just("://"), Just(":/"), Just(":///"), Just(":\\\\"), Just("//"), Just(":")];
    let userinfo = prop_oneof![Just(""), Just(""), Just("user@"), Just("management.azure.com@"), Just("a:b@"), Just("@"), Just("%40")];
    let host = prop_oneof![
        Just("management.azure.com"),
        Just("management.azure.com"),
        Just("MANAGEMENT.Azure.com"),
        Just("management.azure.com."),
        Just("evil.example"),
        Just("management.azure.com.evil.example"),
        Just("evil.example\\management.azure.com"),
        Just("management.azure.com\\@evil.example"),
        Just("[::1]"),
        Just("127.0.0.1"),
        Just("management%2eazure.com"),
        Just("managément.azure.com"),
        Just(""),
    ];
    let port = prop_oneof![Just(""), Just(""), Just(":443"), Just(":0443"), Just(":8443"), Just(":"), Just(":65536"), Just(":443@evil.example"), Just(":80")];
    let rest = proptest::collection::vec(
        prop_oneof![
            Just("/".to_string()),
            Just("//".to_string()),
            Just("/subscriptions".to_string()),
            Just("/%2e%2e".to_string()),
            Just("/..".to_string()),
            Just("/.".to_string()),
            Just("%2F".to_string()),
            Just("\\".to_string()),
            Just("%".to_string()),
            Just("%é".to_string()),
            Just("%C3%A9".to_string()),
            Just("%FF".to_string()),
            Just("é".to_string()),
            Just("?".to_string()),
            Just("#".to_string()),
            Just("&".to_string()),
            Just("=".to_string()),
            Just("+".to_string()),
            Just("%20".to_string()),
            Just("%2B".to_string()),
            Just(" ".to_string()),
            Just("\t".to_string()),
            Just("$skiptoken=".to_string()),
            "[a-zA-Z0-9._~-]{1,6}",
            "\\PC{1,3}",
        ],
        0..8,
    )
    .prop_map(|p| p.concat());
    let origin_like = prop_oneof![Just("https://management.azure.com"), Just("HTTPS://Management.Azure.COM"), Just("https://management.azure.com:443")];
    let random = (scheme, sep, userinfo, host, port).prop_map(|(s, sep, u, h, p)| format!("{s}{sep}{u}{h}{p}"));
    // Mostly the real origin, so that the path and query tricks are reached and links are
    // accepted often enough to check what was accepted.
    let front = prop_oneof![2 => origin_like.prop_map(str::to_string), 1 => random];
    (front, prop_oneof![1 => rest.clone(), 2 => rest.prop_map(|r| format!("/{r}"))]).prop_map(|(f, r)| format!("{f}{r}"))
}

/// Decoded path segments of a URL the WHATWG parser read.
fn segments(url: &url::Url) -> Vec<String> {
    url.path_segments().map(|s| s.map(|seg| percent_decode_str(seg).decode_utf8_lossy().into_owned()).collect()).unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn decoding_undoes_encoding(s in "\\PC{0,24}", raw in any::<String>()) {
        for text in [&s, &raw] {
            let encoded = percent::encode_component(text);
            prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)), "{encoded}");
            prop_assert_eq!(&percent::decode_component(&encoded, Plus::Literal).unwrap(), text);
            prop_assert_eq!(&percent::decode_component(&encoded, Plus::Space).unwrap(), text);
        }
    }

    #[test]
    fn decoding_never_panics(s in "(\\PC|%|%[0-9a-fA-F]|\\+){0,16}", raw in any::<String>()) {
        for text in [&s, &raw] {
            let _ = percent::decode_component(text, Plus::Literal);
            let _ = percent::decode_component(text, Plus::Space);
            let _ = percent::parse_query(text);
        }
    }

    /// Whatever `follow` accepts, a browser reads as the ARM origin itself (no userinfo, the
    /// default port), with the same path segments and query pairs the request carries.
    #[test]
    fn follow_never_accepts_another_origin(link in arb_link(), raw in any::<String>()) {
        let _ = link::follow(ORIGIN, &raw);
        if let Ok(req) = link::follow(ORIGIN, &link) {
            let parsed = url::Url::parse(&link).map_err(|e| TestCaseError::fail(format!("accepted {link:?}, which is no URL: {e}")))?;
            prop_assert_eq!(parsed.scheme(), "https", "{}", link);
            prop_assert_eq!(parsed.host_str(), Some("management.azure.com"), "{}", link);
            prop_assert_eq!(parsed.port_or_known_default(), Some(443), "{}", link);
            prop_assert!(parsed.username().is_empty() && parsed.password().is_none(), "{}", link);
            prop_assert!(parsed.fragment().is_none(), "{}", link);
            let sent = url::Url::parse(&req.url(ORIGIN)).unwrap();
            prop_assert_eq!(sent.origin(), parsed.origin());
            prop_assert_eq!(segments(&sent), segments(&parsed), "{}", link);
            let pairs = |u: &url::Url| u.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect::<Vec<_>>();
            prop_assert_eq!(pairs(&parsed), req.query.clone(), "{}", link);
            prop_assert_eq!(pairs(&sent), req.query, "{}", link);
        }
    }

    /// Any request pullpath builds, written as a link on the origin, follows back to itself;
    /// on any other origin it is refused.
    #[test]
    fn requests_round_trip_through_links(
        segs in proptest::collection::vec("\\PC{1,8}", 1..5),
        query in proptest::collection::vec(("\\PC{1,6}", "\\PC{0,8}"), 0..4),
        other in prop_oneof![Just("https://evil.example"), Just("http://management.azure.com"), Just("https://management.azure.com:8443"), Just("https://management.azure.com.evil.example")],
    ) {
        prop_assume!(segs.iter().all(|s| s != "." && s != ".."));
        let req = Request { method: Method::Get, path: format!("/{}", segs.iter().map(|s| s.replace('/', "_")).collect::<Vec<_>>().join("/")), query, body: None };
        let back = link::follow(ORIGIN, &req.url(ORIGIN)).map_err(|e| TestCaseError::fail(format!("{} refused: {e}", req.url(ORIGIN))))?;
        prop_assert_eq!(&back, &req);
        prop_assert!(matches!(link::follow(ORIGIN, &req.url(other)), Err(LinkError::OtherOrigin { .. })), "{}", req.url(other));
    }
}
