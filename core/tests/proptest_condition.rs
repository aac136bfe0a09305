//! Property tests for the condition reader (`condition`): it never panics on arbitrary text or
//! on mutations of documented conditions, nesting is bounded, and its verdicts agree with
//! testing names one by one (a condition said to allow every repository allows each sampled
//! name, one said to allow none allows none, one said to allow some has a name it allows and
//! one it refuses).

use proptest::prelude::*;
use pullpath_core::condition::{self, Verdict, MAX_DEPTH};

const READ: &str = "Microsoft.ContainerRegistry/registries/repositories/content/read";
const WRITE: &str = "Microsoft.ContainerRegistry/registries/repositories/content/write";
const NAME: &str = "@Request[Microsoft.ContainerRegistry/registries/repositories:name]";

/// Conditions as Microsoft's Container Registry page and the format page write them.
fn documented() -> Vec<String> {
    vec![
        format!("( ( !(ActionMatches{{'{READ}'}}) AND !(ActionMatches{{'Microsoft.ContainerRegistry/registries/repositories/metadata/read'}}) ) OR ( {NAME} StringEqualsIgnoreCase 'hello-world' ) )"),
        format!("((!(ActionMatches{{'{READ}'}}) AND !(ActionMatches{{'{WRITE}'}})) OR ({NAME} StringStartsWithIgnoreCase 'backend/' OR {NAME} StringStartsWithIgnoreCase 'frontend/js/'))"),
        format!("(!(ActionMatches{{'{READ}'}} AND SubOperationMatches{{'Blob.List'}}) || {NAME} ForAnyOfAnyValues:StringLike {{'a*', 'b?c'}}) && NOT Exists @Resource[x]"),
        "{'red', 'blue'} ForAllOfAnyValues:StringEquals {'orange', 'red', 'blue'}".to_string(),
    ]
}

fn cases() -> ProptestConfig {
    ProptestConfig { cases: 256, ..ProptestConfig::default() }
}

/// Parsing and evaluating `text` must not panic; a parse error must point inside the text.
fn exercise(text: &str) {
    match condition::parse(text) {
        Ok(c) => {
            for action in [READ, WRITE] {
                let _ = c.evaluate(action);
                let _ = c.allows(action, "team-a/app");
            }
        }
        Err(e) => assert!(e.offset <= text.len() && e.column >= 1, "{e:?}"),
    }
}

/// Pieces conditions are made of, so mutations reach deep into the grammar.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("(".to_string()),
        Just(")".to_string()),
        Just("!".to_string()),
        Just(" AND ".to_string()),
        Just(" OR ".to_string()),
        Just(" && ".to_string()),
        Just(" || ".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just(",".to_string()),
        Just("'".to_string()),
        Just("@Request[".to_string()),
        Just("]".to_string()),
        Just(format!("ActionMatches{{'{READ}'}}")),
        Just(" StringLike ".to_string()),
        Just(" ForAnyOfAllValues:StringNotEquals ".to_string()),
        "\\PC{0,6}",
    ]
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize, usize),
    Insert(usize, String),
    Duplicate(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0usize..20).prop_map(|(at, n)| Mutation::Delete(at, n)),
        (any::<usize>(), piece()).prop_map(|(at, s)| Mutation::Insert(at, s)),
        (any::<usize>(), 0usize..40).prop_map(|(at, n)| Mutation::Duplicate(at, n)),
    ]
}

fn apply(text: &str, m: &Mutation) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = |i: usize| if chars.is_empty() { 0 } else { i % (chars.len() + 1) };
    let s = |a: usize, b: usize| chars[a..b.min(chars.len())].iter().collect::<String>();
    match m {
        Mutation::Delete(i, n) => {
            let a = at(*i);
            s(0, a) + &s((a + n).min(chars.len()), chars.len())
        }
        Mutation::Insert(i, piece) => {
            let a = at(*i);
            s(0, a) + piece + &s(a, chars.len())
        }
        Mutation::Duplicate(i, n) => {
            let a = at(*i);
            let b = (a + n).min(chars.len());
            s(0, b) + &s(a, b) + &s(b, chars.len())
        }
    }
}

/// A name test over a small alphabet, so random names often hit it.
fn atom() -> impl Strategy<Value = String> {
    let op = prop_oneof![
        Just("StringEquals"),
        Just("StringEqualsIgnoreCase"),
        Just("StringNotEquals"),
        Just("StringStartsWith"),
        Just("StringStartsWithIgnoreCase"),
        Just("StringNotStartsWithIgnoreCase"),
        Just("StringLike"),
        Just("StringNotLikeIgnoreCase"),
    ];
    (op, "[abAB/*?]{0,4}").prop_map(|(op, v)| format!("{NAME} {op} '{v}'"))
}

fn name_test() -> impl Strategy<Value = String> {
    atom().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} AND {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} OR {b})")),
            inner.prop_map(|a| format!("!({a})")),
        ]
    })
}

proptest! {
    #![proptest_config(cases())]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        exercise(&text);
    }

    #[test]
    fn token_soup_never_panics(pieces in proptest::collection::vec(piece(), 0..40)) {
        exercise(&pieces.concat());
    }

    #[test]
    fn mutated_documented_conditions_never_panic(which in 0usize..4, ms in proptest::collection::vec(mutation(), 1..6)) {
        let mut text = documented()[which].clone();
        for m in &ms {
            text = apply(&text, m);
        }
        exercise(&text);
    }

    #[test]
    fn nesting_is_bounded(depth in 0usize..(3 * MAX_DEPTH), negate in any::<bool>()) {
        let open = if negate { "!(" } else { "(" };
        let text = format!("{}ActionMatches{{'{READ}'}}{}", open.repeat(depth), ")".repeat(depth));
        // Each level is one group, plus one more for each negation.
        let levels = if negate { 2 * depth } else { depth } + 1;
        match condition::parse(&text) {
            Ok(_) => prop_assert!(levels <= MAX_DEPTH, "{levels} levels parsed"),
            Err(e) => {
                prop_assert!(levels > MAX_DEPTH, "{e}");
                prop_assert!(e.message.contains("nested more than"), "{e}");
            }
        }
    }

    #[test]
    fn verdicts_agree_with_names(test in name_test(), names in proptest::collection::vec("[abAB/]{1,5}", 24)) {
        let text = format!("!(ActionMatches{{'{READ}'}}) OR ({test})");
        let c = condition::parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        let verdict = c.evaluate(READ);
        prop_assert_eq!(c.evaluate(WRITE), Verdict::Unrestricted);
        match &verdict {
            Verdict::Unrestricted => for n in &names { prop_assert_eq!(c.allows(READ, n), Some(true), "{} for {}", text, n) },
            Verdict::Never => for n in &names { prop_assert_eq!(c.allows(READ, n), Some(false), "{} for {}", text, n) },
            Verdict::Only(words) => {
                prop_assert!(words.starts_with("only repositories "), "{}", words);
                let (allowed, refused) = c.examples(READ).ok_or_else(|| TestCaseError::fail(format!("{text}: no examples")))?;
                prop_assert_eq!(c.allows(READ, &allowed), Some(true), "{} allows {:?}", text, allowed);
                prop_assert_eq!(c.allows(READ, &refused), Some(false), "{} refuses {:?}", text, refused);
            }
            Verdict::Undecided(why) => prop_assert!(why.contains("too complex"), "{}: {}", text, why),
        }
    }
}
