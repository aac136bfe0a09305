//! Reading a snapshot document's text without building it: each list as the raw text of its
//! items, each object only as far as the walk needs it (its `type`, `id`, envelope lists),
//! each resource's text straight into its typed model (`Json::Text`). Several times faster
//! than a `serde_json::Value` of the whole document, and the document costs what its
//! resources cost. Skipping over text is iterative in serde_json and the walk stops at
//! `Limits::max_depth`, so no nesting recurses without bound. Native only (see
//! `value_document` for why the browser reads through a `Value`).

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::{describe_object, json_error, table_rows, Head, Node, SnapshotError};

/// The document's items, or why it is not a list of them.
pub(super) fn document(text: &str) -> Result<Vec<Node<'_>>, SnapshotError> {
    let doc: Probe = serde_json::from_str(text).map_err(json_error)?;
    match doc {
        Probe::Object(o) if o.ty.is_some() => Err(describe_text(text)),
        Probe::Object(o) => o.into_items().ok_or_else(|| describe_text(text)),
        Probe::List(items) => Ok(items.into_iter().map(Node::Raw).collect()),
        Probe::Scalar(what) => Err(what.to_string()),
    }
    .map_err(|found| SnapshotError::Shape { found })
}

/// What one item is: a resource or directory object (its head), or a list's items.
pub(super) enum Item<'a> {
    Found(Head),
    List(Vec<Node<'a>>),
}

/// Reads one item's text, one pass; anything else than a resource or list says what it is.
pub(super) fn probe(raw: &RawValue) -> Result<Item<'_>, String> {
    if let Some(head) = quick_head(raw.get()) {
        return Ok(Item::Found(head));
    }
    match serde_json::from_str::<Probe>(raw.get()) {
        Ok(Probe::Object(o)) => {
            let head = o.head();
            if head.ty.is_some() || head.directory {
                return Ok(Item::Found(head));
            }
            let items = if o.ty.is_some() { None } else { o.into_items() };
            items.map(Item::List).ok_or_else(|| describe_text(raw.get()))
        }
        Ok(Probe::List(items)) => Ok(Item::List(items.into_iter().map(Node::Raw).collect())),
        Ok(Probe::Scalar(what)) => Err(what.to_string()),
        // Not reached: the document was read whole before.
        Err(e) => Err(format!("unreadable ({e})")),
    }
}

/// A resource's head read only as far as its `type`, where the rest of its text cannot
/// change the answer; `None` sends the item through the whole [`Probe`].
///
/// The probe was a fifth of reading a large tenant, and ARM, `az` and pullpath's own
/// snapshots write `id`, `name`, `type` first, so most of each item's text need not be walked
/// twice. Without backslashes (an escape such as `"\u0074ype"` is `type`) a string ends at the
/// next quote, so the keys and string values before `type` are read here without a parser;
/// anything else before it (a number, an object) and the whole probe decides. After `type`,
/// what could still change the answer is ruled out from the bytes: a blank marker (`null` or
/// `""` as `identity`, `sku`, `tags` or `kind`) needs `null` or `""`, a later `type` or `id`
/// (the last one wins) needs `"type"` or `"id"`. `tests/proptest_snapshot.rs` holds both
/// readings to the same answers.
pub(super) fn quick_head(text: &str) -> Option<Head> {
    let bytes = text.as_bytes();
    // The keys and string values before `type`: most items stop here on their first
    // non-string value when `type` comes late (as in a `Value`'s sorted text).
    let (mut ty, mut id) = (None, None);
    let mut at = skip_space(bytes, 0);
    if bytes.get(at) != Some(&b'{') {
        return None;
    }
    at += 1;
    while ty.is_none() {
        let (key, after) = string_at(text, skip_space(bytes, at))?;
        let colon = skip_space(bytes, after);
        if bytes.get(colon) != Some(&b':') {
            return None;
        }
        let (value, after) = string_at(text, skip_space(bytes, colon + 1))?;
        match key {
            "type" => ty = Some(value),
            // A repeated `id` before `type`: the last one wins, as in the whole probe.
            "id" => id = Some(value),
            // A blank marker before `type`.
            "identity" | "sku" | "tags" | "kind" if value.is_empty() => return None,
            _ => {}
        }
        at = skip_space(bytes, after);
        if !matches!(bytes.get(at), Some(b',' | b'}')) {
            return None;
        }
        at += 1;
    }
    // The rest cannot change the answer (see above): it holds no `null`, no `""`, no other
    // `"type"` or `"id"`. Each check is one vectorised pass; the searchers are built once, as
    // building one costs more than running it over a resource.
    static FINDERS: std::sync::OnceLock<[memchr::memmem::Finder<'static>; 4]> = std::sync::OnceLock::new();
    let finders = FINDERS.get_or_init(|| ["null", "\"\"", "\"type\"", "\"id\""].map(memchr::memmem::Finder::new));
    let rest = &bytes[at.min(bytes.len())..];
    if memchr::memchr(b'\\', bytes).is_some() || finders.iter().any(|f| f.find(rest).is_some()) {
        return None;
    }
    Some(Head { ty: ty.map(str::to_string), id: id.map(str::to_string), directory: false, blank: false })
}

/// JSON's white space from `at` on.
fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) {
        at += 1;
    }
    at
}

/// The string starting at `at` (text without backslashes: it ends at the next quote), and
/// where it ends; `None` where no string starts there.
fn string_at(text: &str, at: usize) -> Option<(&str, usize)> {
    let bytes = text.as_bytes();
    if bytes.get(at) != Some(&b'"') {
        return None;
    }
    let end = at + 1 + memchr::memchr(b'"', &bytes[at + 1..])?;
    // Control characters must be escaped in JSON: the document was read whole before, so
    // none are here; the text between the quotes is the string.
    Some((&text[at + 1..end], end + 1))
}

/// "an object with keys …" for an object's text (only for messages: it is read whole again).
fn describe_text(text: &str) -> String {
    serde_json::from_str::<Map<String, Value>>(text).map(|m| describe_object(&m)).unwrap_or_else(|_| "an object".into())
}

/// One JSON value, read in one pass only as far as the walk needs it: a list's items as raw
/// text, an object's few keys of interest (the rest skipped over).
enum Probe<'a> {
    List(Vec<&'a RawValue>),
    Object(ObjectHead<'a>),
    /// What the value is instead: "null", "a number", ...
    Scalar(&'static str),
}

struct ObjectHead<'a> {
    ty: Option<&'a RawValue>,
    odata_type: Option<&'a RawValue>,
    id: Option<&'a RawValue>,
    resources: Listed<'a>,
    value: Listed<'a>,
    data: Listed<'a>,
    /// One of `identity`, `sku`, `tags`, `kind` is `null` or `""`.
    blank: bool,
}

/// An envelope's list, read with the envelope: its items' text, or a Resource Graph table.
enum Listed<'a> {
    Absent,
    Items(Vec<&'a RawValue>),
    Table(Map<String, Value>),
}

impl<'a> ObjectHead<'a> {
    fn head(&self) -> Head {
        let string = |raw: Option<&RawValue>| raw.and_then(|r| serde_json::from_str::<Key>(r.get()).ok()).map(|k| k.0.into_owned());
        let ty = string(self.ty);
        Head { directory: ty.is_none() && self.id.is_some() && string(self.odata_type).is_some(), id: string(self.id), ty, blank: self.blank }
    }

    /// The envelope's items: its `resources`, `value` or `data` list, in that order of
    /// preference, or the rows of a `data` table.
    fn into_items(self) -> Option<Vec<Node<'a>>> {
        for listed in [self.resources, self.value, self.data] {
            match listed {
                Listed::Items(items) => return Some(items.into_iter().map(Node::Raw).collect()),
                Listed::Table(table) => return table_rows(table).map(|rows| rows.into_iter().map(Node::Owned).collect()),
                Listed::Absent => {}
            }
        }
        None
    }
}

/// `visit_*` for every JSON scalar, each answering `$make(what)`.
macro_rules! scalar_visits {
    ($value:ty, $make:expr) => {
        fn visit_unit<E>(self) -> Result<$value, E> {
            Ok($make("null"))
        }
        fn visit_bool<E>(self, _: bool) -> Result<$value, E> {
            Ok($make("a boolean"))
        }
        fn visit_i64<E>(self, _: i64) -> Result<$value, E> {
            Ok($make("a number"))
        }
        fn visit_u64<E>(self, _: u64) -> Result<$value, E> {
            Ok($make("a number"))
        }
        fn visit_f64<E>(self, _: f64) -> Result<$value, E> {
            Ok($make("a number"))
        }
        fn visit_str<E>(self, _: &str) -> Result<$value, E> {
            Ok($make("a string"))
        }
    };
}

impl<'de> serde::Deserialize<'de> for Probe<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Probe<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            scalar_visits!(Probe<'de>, Probe::Scalar);
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Probe<'de>, A::Error> {
                raw_items(seq).map(Probe::List)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Probe<'de>, A::Error> {
                let mut o = ObjectHead { ty: None, odata_type: None, id: None, resources: Listed::Absent, value: Listed::Absent, data: Listed::Absent, blank: false };
                // A later duplicate key wins, as it does in a parsed `Value`.
                while let Some(Key(key)) = map.next_key()? {
                    let slot = match &*key {
                        "type" => &mut o.ty,
                        "@odata.type" => &mut o.odata_type,
                        "id" => &mut o.id,
                        "resources" => {
                            o.resources = map.next_value_seed(ListSeed { table: false })?;
                            continue;
                        }
                        "value" => {
                            o.value = map.next_value_seed(ListSeed { table: false })?;
                            continue;
                        }
                        "data" => {
                            o.data = map.next_value_seed(ListSeed { table: true })?;
                            continue;
                        }
                        "identity" | "sku" | "tags" | "kind" => {
                            let raw: &RawValue = map.next_value()?;
                            o.blank |= matches!(raw.get(), "null" | "\"\"");
                            continue;
                        }
                        _ => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                            continue;
                        }
                    };
                    *slot = Some(map.next_value()?);
                }
                Ok(Probe::Object(o))
            }
        }
        d.deserialize_any(V)
    }
}

/// A list's items as slices of the text.
fn raw_items<'de, A: serde::de::SeqAccess<'de>>(mut seq: A) -> Result<Vec<&'de RawValue>, A::Error> {
    let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
    while let Some(item) = seq.next_element::<&'de RawValue>()? {
        items.push(item);
    }
    Ok(items)
}

/// Reads an envelope's `resources`, `value` or `data` field: a list, or (`table`: for `data`)
/// a Resource Graph table object; anything else is skipped over.
struct ListSeed {
    table: bool,
}

impl<'de> serde::de::DeserializeSeed<'de> for ListSeed {
    type Value = Listed<'de>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Listed<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

    impl<'de> serde::de::Visitor<'de> for ListSeed {
        type Value = Listed<'de>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("any JSON value")
        }
        scalar_visits!(Listed<'de>, |_| Listed::Absent);
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Listed<'de>, A::Error> {
            raw_items(seq).map(Listed::Items)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Listed<'de>, A::Error> {
            if self.table {
                return serde::Deserialize::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Listed::Table);
            }
            while map.next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?.is_some() {}
            Ok(Listed::Absent)
        }
    }

/// An object key or string, borrowed from the text where it has no escapes.
struct Key<'a>(std::borrow::Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(s.into()))
            }
            fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(s.to_string().into()))
            }
            fn visit_string<E>(self, s: String) -> Result<Key<'de>, E> {
                Ok(Key(s.into()))
            }
        }
        d.deserialize_str(V)
    }
}

