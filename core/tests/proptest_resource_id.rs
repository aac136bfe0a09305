//! Property tests for `ResourceId`: parsing never panics, well-formed ids round-trip through
//! `Display` exactly, case never changes identity, and the parent chain is the scope
//! hierarchy (every ancestor contains the id, the chain ends at the tenant root).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use proptest::prelude::*;
use pullpath_core::id::ScopeLevel;
use pullpath_core::ResourceId;

/// A name segment as ARM allows them: no `/`, `?`, `#`, control characters or edge spaces;
/// non-ASCII included because lowercasing changes byte lengths there.
fn name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9._()-]{0,12}|[a-zé][a-zçéİ0-9-]{0,6}"
}

fn namespace() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Microsoft.ContainerRegistry".to_string()),
        Just("Microsoft.MachineLearningServices".to_string()),
        Just("Microsoft.Authorization".to_string()),
        "[A-Z][a-z]{1,8}\\.[A-Z][a-zA-Z]{1,10}",
    ]
}

/// Randomly re-cases ASCII letters of a keyword, as ARM clients do.
fn recase(word: &'static str) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<bool>(), word.len()).prop_map(move |flips| {
        word.chars().zip(flips).map(|(c, f)| if f { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() }).collect()
    })
}

/// Well-formed ids at every level: tenant, management group, subscription, resource group,
/// resources with children, and extension resources on top.
fn well_formed() -> impl Strategy<Value = String> {
    let root = prop_oneof![
        Just(String::new()),
        (recase("providers"), recase("Microsoft.Management"), recase("managementGroups"), name()).prop_map(|(p, m, g, n)| format!("/{p}/{m}/{g}/{n}")),
        (recase("subscriptions"), name()).prop_map(|(s, id)| format!("/{s}/{id}")),
        (recase("subscriptions"), name(), recase("resourceGroups"), name()).prop_map(|(s, id, r, g)| format!("/{s}/{id}/{r}/{g}")),
    ];
    let resource = (recase("providers"), namespace(), name(), name(), proptest::collection::vec((name(), name()), 0..3))
        .prop_map(|(p, ns, ty, n, children)| {
            let mut s = format!("/{p}/{ns}/{ty}/{n}");
            for (t, c) in children {
                // A child type named "providers" would start an extension instead.
                if !t.eq_ignore_ascii_case("providers") {
                    s.push_str(&format!("/{t}/{c}"));
                }
            }
            s
        });
    (root, proptest::collection::vec(resource, 0..3)).prop_map(|(root, resources)| {
        let s = format!("{root}{}", resources.concat());
        if s.is_empty() {
            "/".to_string()
        } else {
            s
        }
    })
}

fn hash_of(id: &ResourceId) -> u64 {
    let mut h = DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parse_never_panics(input in "\\PC{0,80}") {
        let _ = ResourceId::parse(&input);
    }

    #[test]
    fn parse_never_panics_on_near_ids(id in well_formed(), at in any::<prop::sample::Index>(), junk in "[/ ?#a-zA-Z.\\u{0}\\u{e9}]{1,3}") {
        let mut s = id.clone();
        let mut i = at.index(s.len() + 1);
        while !s.is_char_boundary(i) { i -= 1; }
        s.insert_str(i, &junk);
        if let Ok(parsed) = ResourceId::parse(&s) {
            // Whatever parses must round-trip.
            let again = ResourceId::parse(&parsed.to_string()).unwrap();
            prop_assert_eq!(again.as_str(), parsed.as_str());
        }
    }

    #[test]
    fn well_formed_ids_round_trip_exactly(id in well_formed()) {
        let parsed = ResourceId::parse(&id).unwrap();
        prop_assert_eq!(parsed.to_string(), id.clone());
        let again = ResourceId::parse(&parsed.to_string()).unwrap();
        prop_assert_eq!(&again, &parsed);
        prop_assert_eq!(again.as_str(), parsed.as_str());
        prop_assert_eq!(again.level(), parsed.level());
        prop_assert_eq!(again.resource_type(), parsed.resource_type());
        // Serde uses the same text.
        let json = serde_json::to_string(&parsed).unwrap();
        let back: ResourceId = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back.as_str(), id.as_str());
    }

    #[test]
    fn case_never_changes_identity(id in well_formed()) {
        let a = ResourceId::parse(&id).unwrap();
        let b = ResourceId::parse(&id.to_uppercase()).unwrap();
        let c = ResourceId::parse(&id.to_lowercase()).unwrap();
        prop_assert_eq!(&a, &c);
        prop_assert_eq!(a.key(), c.key());
        prop_assert_eq!(hash_of(&a), hash_of(&c));
        // Upper-casing can change non-ASCII letters into ones whose lowercase differs
        // (İ → i̇); ASCII ids must stay equal.
        if id.is_ascii() {
            prop_assert_eq!(&a, &b);
            prop_assert_eq!(hash_of(&a), hash_of(&b));
        }
        prop_assert_eq!(a.level(), c.level());
    }

    #[test]
    fn ancestors_form_the_scope_hierarchy(id in well_formed()) {
        let parsed = ResourceId::parse(&id).unwrap();
        let chain: Vec<ResourceId> = parsed.ancestors().collect();
        prop_assert_eq!(chain.first().unwrap(), &parsed);
        prop_assert_eq!(chain.last().unwrap(), &ResourceId::tenant());
        for (i, a) in chain.iter().enumerate() {
            prop_assert!(a.contains(&parsed), "{} should contain {}", a, parsed);
            prop_assert_eq!(a.is_ancestor_of(&parsed), i > 0);
            prop_assert!(!parsed.is_ancestor_of(a));
            // Every ancestor is itself a parseable id with the same text.
            let reparsed = ResourceId::parse(a.as_str()).unwrap();
            prop_assert_eq!(reparsed.as_str(), a.as_str());
            prop_assert!(parsed.as_str().starts_with(a.as_str()) || a.level() == ScopeLevel::Tenant);
        }
        for pair in chain.windows(2) {
            let parent = pair[0].parent();
            prop_assert_eq!(parent.as_ref(), Some(&pair[1]));
        }
        if let Some(scope) = parsed.scope() {
            prop_assert!(scope.is_ancestor_of(&parsed));
        }
    }

    #[test]
    fn siblings_with_a_common_prefix_do_not_contain_each_other(id in well_formed(), extra in "[a-z0-9]{1,4}") {
        let parsed = ResourceId::parse(&id).unwrap();
        prop_assume!(parsed.level() != ScopeLevel::Tenant);
        let longer = ResourceId::parse(&format!("{id}{extra}")).unwrap();
        prop_assert!(!parsed.contains(&longer));
        prop_assert!(!longer.contains(&parsed));
    }
}
