//! The ARM template rules the exporter tests check against: which strings ARM evaluates as
//! expressions, how an escaped literal reads back, and the one expression shape the exporter
//! writes (`[fn('a', 'b', …)]`).
//!
//! "To have a literal string start with a left bracket `[` and end with a right bracket `]`,
//! but not have it interpreted as an expression, add an extra bracket to start the string
//! with `[[`" (https://learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions#escape-characters).

/// Whether ARM would evaluate `s` (as the exporter reads the rule: white space after the
/// closing bracket counts as ending with it).
pub fn is_expression(s: &str) -> bool {
    s.starts_with('[') && !s.starts_with("[[") && s.trim_end().ends_with(']')
}

/// The value ARM gives the literal `s`.
pub fn literal_value(s: &str) -> String {
    if s.starts_with("[[") && s.trim_end().ends_with(']') {
        s[1..].to_string()
    } else {
        s.to_string()
    }
}

/// `[name('a', 'b')]` as `(name, [a, b])`; `None` for anything else, including a string
/// argument that does not end where it should (data breaking out of its quotes).
pub fn call(s: &str) -> Option<(String, Vec<String>)> {
    let inner = s.strip_prefix('[')?.strip_suffix(']')?;
    let open = inner.find('(')?;
    let name = &inner[..open];
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let chars: Vec<char> = inner[open + 1..].chars().collect();
    let mut args = Vec::new();
    let mut i = 0;
    loop {
        while chars.get(i) == Some(&' ') {
            i += 1;
        }
        if chars.get(i) != Some(&'\'') {
            return None;
        }
        i += 1;
        let mut arg = String::new();
        loop {
            match chars.get(i) {
                Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                    arg.push('\'');
                    i += 2;
                }
                Some('\'') => {
                    i += 1;
                    break;
                }
                Some(&c) => {
                    arg.push(c);
                    i += 1;
                }
                None => return None,
            }
        }
        args.push(arg);
        match chars.get(i) {
            Some(',') => i += 1,
            Some(')') if i + 1 == chars.len() => return Some((name.to_string(), args)),
            _ => return None,
        }
    }
}

#[test]
fn reads_the_exporters_expressions() {
    assert_eq!(call("[resourceId('a', 'it''s')]"), Some(("resourceId".into(), vec!["a".into(), "it's".into()])));
    assert_eq!(call("[resourceId('a', 'x'), listKeys('y')]"), None);
    assert_eq!(call("[resourceId('a')]x]"), None);
    assert!(is_expression("[x]") && !is_expression("[[x]") && !is_expression("[x] y"));
    assert_eq!(literal_value("[[x]"), "[x]");
    assert_eq!(literal_value("[x"), "[x");
}
