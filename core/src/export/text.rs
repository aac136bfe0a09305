//! Quoting and literal rendering shared by the text formats (bash, Bicep, HCL, ARM template
//! expressions), and the text-from-data rules they share: data never ends a comment or a
//! string, never starts an interpolation, an expression or a command.
//!
//! Not here: what a format declares (that is `az`, `declarative`, `terraform`).

use serde_json::Value;

/// Characters that end a line, reorder what a reviewer sees (bidirectional controls), or are
/// otherwise invisible controls: written as visible escapes in comments, and as escapes in
/// string literals where the language has one.
fn is_unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// Text from data made safe for the inside of a one-line comment (`#` or `//`): every line
/// break and control character is written as a visible escape (`\n`, `\r`, `\t`, `\u{1b}`), so
/// the comment cannot end early and what a reviewer reads is what is there.
pub(super) fn comment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' => out.push_str(r"\n"),
            '\r' => out.push_str(r"\r"),
            '\t' => out.push_str(r"\t"),
            c if is_unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// A bash word that is exactly `s`, with nothing inside expanded: single quotes, or ANSI-C
/// `$'…'` quoting when `s` holds ASCII control characters (so a script never carries raw
/// carriage returns or escapes). `None` for a NUL character, which no command argument can
/// hold (bash would cut the word there).
pub(super) fn sh(s: &str) -> Option<String> {
    if s.contains('\0') {
        return None;
    }
    if !s.chars().any(|c| c.is_ascii_control()) {
        return Some(format!("'{}'", s.replace('\'', r"'\''")));
    }
    let mut out = String::from("$'");
    for c in s.chars() {
        match c {
            '\\' => out.push_str(r"\\"),
            '\'' => out.push_str(r"\'"),
            '\n' => out.push_str(r"\n"),
            '\r' => out.push_str(r"\r"),
            '\t' => out.push_str(r"\t"),
            // Two hex digits always: bash reads at most two, so a following digit stays text.
            c if c.is_ascii_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    Some(out)
}

/// A plain identifier: `[A-Za-z_][A-Za-z0-9_]*`.
fn is_ident(k: &str) -> bool {
    let mut chars = k.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A Bicep string literal. The escapes are Bicep's own, from "Data types in Bicep"
/// (https://learn.microsoft.com/azure/azure-resource-manager/bicep/data-types#strings):
/// "The following table lists the set of reserved characters that must be escaped by a
/// backslash (`\`) character: `\\` `\'` `\n` (line feed) `\r` (carriage return) `\t` (tab)
/// `\u{x}` (Unicode code point x) `\$` ($, only escape when followed by `{`)", and strings "must
/// be declared on a single line". Every other control character is written as `\u{x}` too.
pub(super) fn bicep_str(s: &str) -> String {
    let mut out = String::from("'");
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str(r"\\"),
            '\'' => out.push_str(r"\'"),
            '\n' => out.push_str(r"\n"),
            '\r' => out.push_str(r"\r"),
            '\t' => out.push_str(r"\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str(r"\$"),
            c if is_unsafe_char(c) => out.push_str(&format!("\\u{{{:X}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A Bicep object key: bare when a plain identifier other than the literals `true`,
/// `false`, `null`, a string literal otherwise ("quotes are optionally allowed on object
/// property keys", same page as `bicep_str`).
pub(super) fn bicep_key(k: &str) -> String {
    if is_ident(k) && !matches!(k, "true" | "false" | "null") {
        k.to_string()
    } else {
        bicep_str(k)
    }
}

/// A JSON value as a Bicep literal, indented by `indent` levels of two spaces.
pub(super) fn bicep_value(v: &Value, indent: usize) -> String {
    let pad = "  ".repeat(indent + 1);
    let end = "  ".repeat(indent);
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        // Bicep integers are 64-bit and "Floating point, decimal or binary formats aren't
        // currently supported" (same page as `bicep_str`): anything else goes through `json()`.
        Value::Number(n) if n.is_i64() => n.to_string(),
        Value::Number(n) => format!("json({})", bicep_str(&n.to_string())),
        Value::String(s) => bicep_str(s),
        Value::Array(items) if items.is_empty() => "[]".into(),
        Value::Array(items) => format!("[\n{}{end}]", items.iter().map(|i| format!("{pad}{}\n", bicep_value(i, indent + 1))).collect::<String>()),
        Value::Object(map) if map.is_empty() => "{}".into(),
        Value::Object(map) => {
            let body: String = map.iter().map(|(k, v)| format!("{pad}{}: {}\n", bicep_key(k), bicep_value(v, indent + 1))).collect();
            format!("{{\n{body}{end}}}")
        }
    }
}

/// An HCL quoted string that is exactly `s`. The escapes are Terraform's, from "Strings and
/// Templates" (https://developer.hashicorp.com/terraform/language/expressions/strings): "In
/// quoted strings, the backslash character serves as an escape sequence": `\n` `\r` `\t` `\"`
/// `\\` `\uNNNN` `\UNNNNNNNN`, and "two special escape sequences that do not use backslashes":
/// `$${` ("Literal `${`, without beginning an interpolation sequence") and `%%{` ("Literal
/// `%{`, without beginning a template directive sequence"). Other control characters are
/// written as `\uNNNN`.
pub(super) fn hcl_str(s: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str(r"\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str(r"\n"),
            '\r' => out.push_str(r"\r"),
            '\t' => out.push_str(r"\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if is_unsafe_char(c) => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An HCL object key: bare when a plain identifier that is not one of HCL's keywords
/// (`true`, `false`, `null`, `for`, `in`, `if`, which would not read as the name), quoted
/// otherwise.
fn hcl_key(k: &str) -> String {
    if is_ident(k) && !matches!(k, "true" | "false" | "null" | "for" | "in" | "if" | "endfor" | "endif" | "else") {
        k.to_string()
    } else {
        hcl_str(k)
    }
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
            let body: String = map.iter().map(|(k, v)| format!("{pad}{} = {}\n", hcl_key(k), hcl_value(v, indent + 1))).collect();
            format!("{{\n{body}{end}}}")
        }
    }
}

/// A string from data as an ARM template JSON string: one that would read as a template
/// expression gets the extra bracket. "To have a literal string start with a left bracket `[`
/// and end with a right bracket `]`, but not have it interpreted as an expression, add an
/// extra bracket to start the string with `[[`." and "if the literal string doesn't end with a
/// bracket, don't escape the first bracket"
/// (https://learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions#escape-characters).
/// Whether ARM ignores white space after the closing bracket is unverified: such a string is
/// escaped too, since an odd literal is better than an evaluated expression.
pub(super) fn arm_literal(s: &str) -> String {
    if s.starts_with('[') && s.trim_end().ends_with(']') {
        format!("[{s}")
    } else {
        s.to_string()
    }
}

/// A JSON value from data with every string and object key made an ARM template literal
/// (`arm_literal`). Whether ARM evaluates expressions in property names is unverified; a
/// key that would read as one is escaped the same way, since evaluating it would be worse
/// than an odd key.
pub(super) fn arm_literal_value(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(arm_literal(s)),
        Value::Array(items) => Value::Array(items.iter().map(arm_literal_value).collect()),
        Value::Object(map) => Value::Object(crate::sort::collect_object(map.iter().map(|(k, v)| (arm_literal(k), arm_literal_value(v))))),
        other => other.clone(),
    }
}

/// A string literal inside an ARM template expression: single quotes, a single quote
/// doubled ("To escape single quotes in an ARM expression output, double up the single
/// quotes", https://learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions#escape-characters).
pub(super) fn arm_expr_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A name usable as a Bicep symbol or Terraform resource label: `[a-z0-9_]`, at most 64
/// characters (callers keep names unique: an operation index first, or a claimed suffix).
pub(super) fn symbol(parts: &[&str]) -> String {
    let mut s: String = parts.join("_").chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    while s.contains("__") {
        s = s.replace("__", "_");
    }
    let s: String = s.trim_matches('_').chars().take(64).collect();
    let s = s.trim_end_matches('_').to_string();
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
        assert_eq!(sh("it's").as_deref(), Some(r"'it'\''s'"));
        assert_eq!(sh("a\nb'\x1b\\").as_deref(), Some(r"$'a\nb\'\x1b\\'"));
        assert_eq!(sh("a\0b"), None);
        assert_eq!(bicep_str("a'b${x}\\\r\t\u{0}\u{202e}"), r"'a\'b\${x}\\\r\t\u{0}\u{202E}'");
        assert_eq!(hcl_str("a\"b${x}%{y}\r\u{1}"), r#""a\"b$${x}%%{y}\r\u0001""#);
        assert_eq!(comment("x\ny\r\u{2028}\u{0}"), r"x\ny\r\u{2028}\u{0}");
        assert_eq!(symbol(&["0", "AcrPull", "acr-ml"]), "r_0_acrpull_acr_ml");
        assert_eq!(hcl_value(&json!({"/a": {}, "b": [1], "null": 2}), 0), "{\n  \"/a\" = {}\n  b = [\n    1,\n  ]\n  \"null\" = 2\n}");
        assert_eq!(bicep_value(&json!({"a-b": 1, "c": 2.5, "null": 3}), 0), "{\n  'a-b': 1\n  c: json('2.5')\n  'null': 3\n}");
    }

    #[test]
    fn arm_strings_that_read_as_expressions_get_the_extra_bracket() {
        assert_eq!(arm_literal("[listKeys('x')]"), "[[listKeys('x')]");
        assert_eq!(arm_literal("[[x]"), "[[[x]");
        assert_eq!(arm_literal("[test] value"), "[test] value");
        assert_eq!(arm_literal("plain"), "plain");
        assert_eq!(arm_literal("[x]\n"), "[[x]\n");
        assert_eq!(arm_literal_value(&json!({"[k]": ["[v]", 1]})), json!({"[[k]": ["[[v]", 1]}));
        assert_eq!(arm_expr_str("it's"), "'it''s'");
    }
}
