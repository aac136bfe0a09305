//! Text from a snapshot made safe to print on a terminal: names, ids and messages come from
//! files anyone can write, and a control character in one (an ANSI escape sequence, a carriage
//! return, a bidirectional override) could rewrite what the user sees. Every such character is
//! shown as a visible escape (`\u{1b}`) instead. The JSON reports go through [`Inert`], which
//! writes the same characters as JSON `\u` escapes: the document parses to the same values, and
//! `pullpath analyze --format jsonl | grep …` prints nothing a terminal obeys. Not here: export
//! files (their formats quote their own text).

use std::fmt;

/// True for characters a terminal acts on instead of showing: C0 and C1 controls, DEL, the
/// Unicode line and paragraph separators, and the bidirectional formatting characters
/// (Unicode Standard Annex #9: LRM, RLM, ALM, the embeddings, overrides and isolates) that
/// reorder what follows them.
fn acts_on_terminal(c: char) -> bool {
    c.is_control() || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A serde_json formatter that writes every character a terminal acts on as a `\uXXXX`
/// escape (serde_json itself escapes only C0 controls, `"` and `\`), around `F`'s layout.
pub struct Inert<F>(pub F);

macro_rules! forward {
    ($($name:ident($($arg:ident: $ty:ty),*)),* $(,)?) => {
        $(fn $name<W: ?Sized + std::io::Write>(&mut self, w: &mut W $(, $arg: $ty)*) -> std::io::Result<()> {
            self.0.$name(w $(, $arg)*)
        })*
    };
}

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for Inert<F> {
    fn write_string_fragment<W: ?Sized + std::io::Write>(&mut self, w: &mut W, fragment: &str) -> std::io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices().filter(|&(_, c)| acts_on_terminal(c)) {
            self.0.write_string_fragment(w, &fragment[start..i])?;
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                write!(w, "\\u{u:04x}")?;
            }
            start = i + c.len_utf8();
        }
        self.0.write_string_fragment(w, &fragment[start..])
    }

    // Everything `PrettyFormatter` lays out differently from the defaults.
    forward!(
        begin_array(),
        end_array(),
        begin_array_value(first: bool),
        end_array_value(),
        begin_object(),
        end_object(),
        begin_object_key(first: bool),
        end_object_key(),
        begin_object_value(),
        end_object_value(),
    );
}

/// Displays a name or value with every control character escaped, newlines included: one
/// value never spans lines.
pub struct Shown<'a>(pub &'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write(self.0, f, Lines::Escape)
    }
}

/// `s` ready to print as one field.
pub fn shown(s: &str) -> Shown<'_> {
    Shown(s)
}

/// A whole message of the CLI's own (an error that quotes the input): its own line breaks
/// stay, every other control character is escaped.
pub fn message(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let _ = write(s, &mut out, Lines::Keep);
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lines {
    Keep,
    Escape,
}

fn write(s: &str, out: &mut impl fmt::Write, lines: Lines) -> fmt::Result {
    for c in s.chars() {
        if acts_on_terminal(c) && !(lines == Lines::Keep && c == '\n') {
            write!(out, "\\u{{{:x}}}", c as u32)?;
        } else {
            out.write_char(c)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_shown_not_obeyed() {
        assert_eq!(shown("acr-prod").to_string(), "acr-prod");
        assert_eq!(shown("née ✓").to_string(), "née ✓");
        assert_eq!(shown("a\u{1b}[2Jb").to_string(), "a\\u{1b}[2Jb");
        assert_eq!(shown("ok\rFAKE\nline\t").to_string(), "ok\\u{d}FAKE\\u{a}line\\u{9}");
        assert_eq!(shown("\u{9b}31m\u{7f}\u{0}").to_string(), "\\u{9b}31m\\u{7f}\\u{0}");
        assert_eq!(shown("txt.\u{202e}exe\u{2066}\u{200f}").to_string(), "txt.\\u{202e}exe\\u{2066}\\u{200f}");
        assert_eq!(message("first\nsecond \u{1b}]0;title\u{7}"), "first\nsecond \\u{1b}]0;title\\u{7}");
    }

    #[test]
    fn json_written_inert_parses_to_the_same_values() {
        use serde::Serialize as _;
        let value = serde_json::json!({ "name": "acr\u{1b}[2J\u{9b}31m \u{202e}gpj.exe\u{1F600}\n", "list": [1, "née ✓"] });
        for pretty in [false, true] {
            let mut out = Vec::new();
            if pretty {
                value.serialize(&mut serde_json::Serializer::with_formatter(&mut out, Inert(serde_json::ser::PrettyFormatter::new()))).unwrap();
            } else {
                value.serialize(&mut serde_json::Serializer::with_formatter(&mut out, Inert(serde_json::ser::CompactFormatter))).unwrap();
            }
            let text = String::from_utf8(out).unwrap();
            assert!(!text.chars().any(|c| acts_on_terminal(c) && c != '\n'), "{text:?}");
            assert!(text.contains("\\u001b[2J\\u009b31m \\u202egpj.exe\u{1F600}\\n"), "{text}");
            assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap(), value);
            assert_eq!(text.contains('\n'), pretty, "the layout is the inner formatter's");
        }
    }
}
