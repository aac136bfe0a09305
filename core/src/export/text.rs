//! Quoting and literal rendering shared by the text formats (bash, Bicep, HCL).

use serde_json::Value;

/// A bash single-quoted word: nothing inside is expanded.
pub(super) fn sh(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn is_ident(k: &str) -> bool {
    let mut chars = k.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A Bicep string literal: single quotes; `\` `'` and `${` escaped.
pub(super) fn bicep_str(s: &str) -> String {
    let mut out = String::from("'");
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str(r"\\"),
            '\'' => out.push_str(r"\'"),
            '\n' => out.push_str(r"\n"),
            '$' if chars.peek() == Some(&'{') => out.push_str(r"\$"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A JSON value as a Bicep literal, indented by `indent` levels of two spaces.
pub(super) fn bicep_value(v: &Value, indent: usize) -> String {
    let pad = "  ".repeat(indent + 1);
    let end = "  ".repeat(indent);
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => bicep_str(s),
        Value::Array(items) if items.is_empty() => "[]".into(),
        Value::Array(items) => format!("[\n{}{end}]", items.iter().map(|i| format!("{pad}{}\n", bicep_value(i, indent + 1))).collect::<String>()),
        Value::Object(map) if map.is_empty() => "{}".into(),
        Value::Object(map) => {
            let body: String = map.iter().map(|(k, v)| format!("{pad}{}: {}\n", if is_ident(k) { k.clone() } else { bicep_str(k) }, bicep_value(v, indent + 1))).collect();
            format!("{{\n{body}{end}}}")
        }
    }
}

/// An HCL string literal: `"`, `\` escaped, and `${`/`%{` doubled so nothing is interpolated.
pub(super) fn hcl_str(s: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str(r"\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str(r"\n"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON value as an HCL expression.
pub(super) fn hcl_value(v: &Value, indent: usize) -> String {
    let pad = "  ".repeat(indent + 1);
    let end = "  ".repeat(indent);
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => hcl_str(s),
        Value::Array(items) if items.is_empty() => "[]".into(),
        Value::Array(items) => format!("[\n{}{end}]", items.iter().map(|i| format!("{pad}{},\n", hcl_value(i, indent + 1))).collect::<String>()),
        Value::Object(map) if map.is_empty() => "{}".into(),
        Value::Object(map) => {
            let body: String = map.iter().map(|(k, v)| format!("{pad}{} = {}\n", if is_ident(k) { k.clone() } else { hcl_str(k) }, hcl_value(v, indent + 1))).collect();
            format!("{{\n{body}{end}}}")
        }
    }
}

/// A name usable as a Bicep symbol or Terraform resource label.
pub(super) fn symbol(parts: &[&str]) -> String {
    let mut s: String = parts.join("_").chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    while s.contains("__") {
        s = s.replace("__", "_");
    }
    let s = s.trim_matches('_').to_string();
    if s.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
        s
    } else {
        format!("r_{s}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn literals_are_not_interpolated() {
        assert_eq!(sh("it's"), r"'it'\''s'");
        assert_eq!(bicep_str("a'b${x}\\"), r"'a\'b\${x}\\'");
        assert_eq!(hcl_str("a\"b${x}%{y}"), r#""a\"b$${x}%%{y}""#);
        assert_eq!(symbol(&["0", "AcrPull", "acr-ml"]), "r_0_acrpull_acr_ml");
        assert_eq!(hcl_value(&json!({"/a": {}, "b": [1]}), 0), "{\n  \"/a\" = {}\n  b = [\n    1,\n  ]\n}");
    }
}
