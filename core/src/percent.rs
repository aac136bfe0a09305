//! The one percent codec every part of pullpath encodes and decodes URLs with: the
//! `percent-encoding` crate, so no module hand-writes its own. [`encode_component`] keeps only
//! RFC 3986 unreserved characters; the decoders refuse malformed escapes and bytes that are not
//! UTF-8 instead of guessing.
//!
//! It sits below `request` (which encodes paths and queries) and `link` (which decodes what ARM
//! sends back and builds requests from it), so neither has to import the other's half.
//! Not here: which links are followed (`link`).

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but RFC 3986 unreserved characters (`ALPHA / DIGIT / "-" / "." / "_" / "~"`).
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes everything but RFC 3986 unreserved characters, so the result is one path
/// segment, query key or query value whatever it contains.
pub fn encode_component(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

/// [`COMPONENT`] less the path separator and RFC 3986 sub-delimiters that ids contain.
const PATH_IN_FRAGMENT: &AsciiSet = &COMPONENT.remove(b'/').remove(b'(').remove(b')');

/// Percent-encodes a resource id to stand as a path inside a URL fragment (the Azure portal's
/// `#@/resource/subscriptions/...`): `/`, `(` and `)` stay, everything else but unreserved
/// characters is encoded, so a name can end neither the fragment nor the id.
pub fn encode_path_in_fragment(s: &str) -> String {
    utf8_percent_encode(s, PATH_IN_FRAGMENT).to_string()
}

/// What a `+` means in the text being decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plus {
    /// A path segment (RFC 3986): `+` is itself.
    Literal,
    /// A query key or value (`application/x-www-form-urlencoded`, the WHATWG URL standard's
    /// query parsing): `+` is a space.
    Space,
}

/// Why a percent-encoded text could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("'%' at byte {at} is not followed by two hex digits")]
    BadEscape { at: usize },
    #[error("the decoded bytes are not UTF-8 text")]
    NotUtf8,
}

/// Decodes one percent-encoded component, exactly once. Malformed escapes (`%zz`, a `%` at the
/// end) and escapes that decode to bytes that are not UTF-8 are errors, not guesses.
pub fn decode_component(s: &str, plus: Plus) -> Result<String, DecodeError> {
    let bytes = s.as_bytes();
    if let Some(at) = bytes.iter().enumerate().find_map(|(i, &b)| {
        let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
        (b == b'%' && !(hex(i + 1) && hex(i + 2))).then_some(i)
    }) {
        return Err(DecodeError::BadEscape { at });
    }
    let spaced;
    let text = match plus {
        Plus::Space if s.contains('+') => {
            spaced = s.replace('+', " ");
            spaced.as_str()
        }
        _ => s,
    };
    percent_decode_str(text).decode_utf8().map(|c| c.into_owned()).map_err(|_| DecodeError::NotUtf8)
}

/// Splits a query string (without the `?`) into decoded `key=value` pairs, `+` as space.
/// Empty pairs (`a=1&&b=2`) are dropped; a pair without `=` has an empty value.
pub fn parse_query(query: &str) -> Result<Vec<(String, String)>, DecodeError> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Ok((decode_component(k, Plus::Space)?, decode_component(v, Plus::Space)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_everything_but_unreserved() {
        assert_eq!(encode_component("a-b.c_d~e"), "a-b.c_d~e");
        assert_eq!(encode_component("$skiptoken"), "%24skiptoken");
        assert_eq!(encode_component("a b+c/d?e&f=g%"), "a%20b%2Bc%2Fd%3Fe%26f%3Dg%25");
        assert_eq!(encode_component("é"), "%C3%A9");
        assert_eq!(encode_path_in_fragment("/subscriptions/s/resourceGroups/rg(1)/x y#z?"), "/subscriptions/s/resourceGroups/rg(1)/x%20y%23z%3F");
    }

    #[test]
    fn decodes_once_and_refuses_what_it_cannot_decode() {
        assert_eq!(decode_component("a%20b+c", Plus::Literal).unwrap(), "a b+c");
        assert_eq!(decode_component("a%20b+c", Plus::Space).unwrap(), "a b c");
        assert_eq!(decode_component("%2525", Plus::Literal).unwrap(), "%25", "decoded once, not twice");
        assert_eq!(decode_component("%C3%A9", Plus::Literal).unwrap(), "é");
        assert_eq!(decode_component("é", Plus::Literal).unwrap(), "é");
        // The hand-written decoders this replaces sliced "%é" mid-character and panicked.
        assert_eq!(decode_component("%é", Plus::Literal), Err(DecodeError::BadEscape { at: 0 }));
        assert_eq!(decode_component("x%4", Plus::Literal), Err(DecodeError::BadEscape { at: 1 }));
        assert_eq!(decode_component("%", Plus::Space), Err(DecodeError::BadEscape { at: 0 }));
        assert_eq!(decode_component("%zz", Plus::Space), Err(DecodeError::BadEscape { at: 0 }));
        assert_eq!(decode_component("%FF", Plus::Literal), Err(DecodeError::NotUtf8));
        assert_eq!(parse_query("a=1&&b&c=%2B+x").unwrap(), vec![("a".into(), "1".into()), ("b".into(), "".into()), ("c".into(), "+ x".into())]);
    }
}
