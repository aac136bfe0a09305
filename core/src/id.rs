//! ARM resource ids and scopes: parsing, case-insensitive identity, and the parent chain.
//!
//! Modelled on the Azure SDK for Go's `ResourceID`: an id is only ever *parsed* (or built by
//! the typed constructors here, which parse what they build), it knows its parent all the way
//! up to the tenant root, and keywords, namespaces, types and names compare case-insensitively
//! because ARM does. `Display` returns the text exactly as it was given, so ids round-trip.
//!
//! This module does not know which resource types exist or what they mean; `arm` and
//! `request` do.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// What went wrong parsing an id, naming the part that is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid Azure resource id {input:?}: {problem}")]
pub struct IdError {
    pub input: String,
    pub problem: String,
}

/// The level an id sits at in the ARM scope hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScopeLevel {
    /// `/` — the tenant root.
    Tenant,
    /// `/providers/Microsoft.Management/managementGroups/{name}`
    ManagementGroup,
    /// `/subscriptions/{id}`
    Subscription,
    /// `/subscriptions/{id}/resourceGroups/{name}`
    ResourceGroup,
    /// A resource (top-level, child or extension) under any of the above.
    Resource,
}

type Span = (u32, u32);

/// One level of an id: where it ends in the text, and what it is.
#[derive(Debug, Clone, Copy)]
struct Level {
    /// Byte offset in `text` where this level's text ends (exclusive).
    end: u32,
    /// The same offset in `key` (lowercasing may change byte lengths outside ASCII).
    key_end: u32,
    kind: LevelKind,
}

#[derive(Debug, Clone, Copy)]
enum LevelKind {
    ManagementGroup { name: Span },
    Subscription { id: Span },
    ResourceGroup { name: Span },
    /// `providers/{ns}/{type}/{name}` (a new provider) or `{type}/{name}` (a child).
    Resource {
        namespace: Span,
        ty: Span,
        name: Span,
        /// Index of the level where this chain of types started with `providers/`: the
        /// resource's full type is the `ty` of every level from there to here.
        chain_start: u32,
        /// True when this level started with `providers/` under another resource.
        extension: bool,
    },
}

/// A parsed ARM resource id or scope.
///
/// Cheap to clone and to walk up: the text, its lowercased key and the level table are
/// shared (`Arc`), and a parent is the same buffers with fewer levels. Analysing tens of
/// thousands of role assignments walks these chains constantly.
#[derive(Clone)]
pub struct ResourceId {
    /// The full text as given, minus a trailing `/`; this id is its first `depth` levels.
    text: Arc<str>,
    /// `text` lowercased: the identity used by `Eq`, `Hash` and `Ord`.
    key: Arc<str>,
    levels: Arc<[Level]>,
    depth: usize,
}

impl ResourceId {
    /// Parses an ARM id or scope. Leading `/` is required except that a scope written without
    /// it (as the role-assignment `scope` parameter in spec examples is) is accepted too.
    pub fn parse(input: &str) -> Result<ResourceId, IdError> {
        let err = |problem: String| IdError { input: input.to_string(), problem };
        // What `trim` would remove, without comparing the whole id with its trimmed self.
        if input.starts_with(char::is_whitespace) || input.ends_with(char::is_whitespace) {
            return Err(err("it has leading or trailing white space".into()));
        }
        if input.is_empty() {
            return Err(err("it is empty (the tenant root is written \"/\")".into()));
        }
        if input.len() > u32::MAX as usize / 2 {
            return Err(err("it is far longer than any ARM id".into()));
        }
        // Borrowed in the usual case (a leading slash, no trailing one): ids are copied once,
        // into the `Arc`s at the end.
        let mut text: std::borrow::Cow<str> = if input.starts_with('/') { input.into() } else { format!("/{input}").into() };
        if text.len() > 1 && text.ends_with('/') {
            let kept = text.trim_end_matches('/').len().max(1);
            text.to_mut().truncate(kept);
        }
        // "…/name /" would otherwise keep the space once the slash is gone, and the id would
        // not read back.
        if text.ends_with(char::is_whitespace) {
            return Err(err("it has white space before its trailing \"/\"".into()));
        }
        // This runs for every id a snapshot holds (150,000 in a large one), so the check for
        // bad characters is one branch-free pass the compiler vectorises (`memchr` for the
        // slashes was slower: segments are short).
        let ascii = text.is_ascii();
        let bad_byte = text.bytes().fold(false, |acc, b| acc | b.is_ascii_control() | (b == b'?') | (b == b'#'));
        // Segment spans within `text`.
        // A role assignment on a registry has 14 segments.
        let mut segs: Vec<Span> = Vec::with_capacity(16);
        let mut empty_segment = false;
        if text.len() > 1 {
            let mut start = 1u32;
            // A plain index loop: iterator adapters (`enumerate().filter()`) cost three
            // times as much here, and a vectorised mask of the slashes (64 bytes at a time)
            // cost more than it saved on ids this short (measured).
            let bytes = text.as_bytes();
            for i in 1..bytes.len() {
                if bytes[i] == b'/' {
                    empty_segment |= i as u32 == start;
                    segs.push((start, i as u32));
                    start = i as u32 + 1;
                }
            }
            segs.push((start, text.len() as u32));
        }
        if empty_segment {
            return Err(err("it has an empty segment (\"//\")".into()));
        }
        if bad_byte || !ascii {
            // C1 controls and the like are more than one byte.
            if let Some(bad) = text.chars().find(|c| c.is_control() || matches!(c, '?' | '#')) {
                return Err(err(format!("it contains the character {bad:?}, which ARM ids never do")));
            }
        }
        // Lowercased char by char (not `str::to_lowercase`, which lowercases a final Σ by
        // context) so that the key of a parent is always a prefix of the key of its child.
        let lower = |t: &str| -> String { t.chars().flat_map(char::to_lowercase).collect() };
        let key: Arc<str> = if ascii {
            let mut key = Arc::<str>::from(&*text);
            // A fresh `Arc` is not shared yet: lowercased in place, without a second copy.
            match Arc::get_mut(&mut key) {
                Some(k) => {
                    k.make_ascii_lowercase();
                    key
                }
                None => text.to_ascii_lowercase().into(),
            }
        } else {
            lower(&text).into()
        };
        let s = |span: Span| &text[span.0 as usize..span.1 as usize];
        // Keywords (given lowercase) against the lowercased key where its bytes line up with
        // the text's (an ASCII id), a plain comparison; on bytes, as slicing the `str` checks
        // char boundaries and this runs for every segment.
        let aligned = ascii && key.len() == text.len();
        let eq = |span: Span, kw: &str| {
            let (a, b) = (span.0 as usize, span.1 as usize);
            if aligned {
                &key.as_bytes()[a..b] == kw.as_bytes()
            } else {
                text.as_bytes()[a..b].eq_ignore_ascii_case(kw.as_bytes())
            }
        };
        let level = |end: u32, kind: LevelKind| Level { end, key_end: 0, kind };

        let mut levels: Vec<Level> = Vec::with_capacity(segs.len() / 2 + 1);
        let mut i = 0;
        // Root-level scopes.
        if i < segs.len() && eq(segs[i], "subscriptions") {
            let id = *segs.get(i + 1).ok_or_else(|| err("\"subscriptions\" is not followed by a subscription id".into()))?;
            levels.push(level(id.1, LevelKind::Subscription { id }));
            i += 2;
            if i < segs.len() && eq(segs[i], "resourcegroups") {
                let name = *segs.get(i + 1).ok_or_else(|| err("\"resourceGroups\" is not followed by a resource group name".into()))?;
                levels.push(level(name.1, LevelKind::ResourceGroup { name }));
                i += 2;
            }
        } else if i + 1 < segs.len()
            && eq(segs[i], "providers")
            && eq(segs[i + 1], "microsoft.management")
            && segs.get(i + 2).is_some_and(|t| eq(*t, "managementgroups"))
        {
            let name = *segs.get(i + 3).ok_or_else(|| err("\"managementGroups\" is not followed by a management group name".into()))?;
            levels.push(level(name.1, LevelKind::ManagementGroup { name }));
            i += 4;
        }
        // Provider resources, children and extensions.
        while i < segs.len() {
            let seg = s(segs[i]);
            if eq(segs[i], "providers") {
                let namespace = *segs.get(i + 1).ok_or_else(|| err("\"providers\" is not followed by a provider namespace".into()))?;
                if !text.as_bytes()[namespace.0 as usize..namespace.1 as usize].contains(&b'.') {
                    return Err(err(format!("{:?} after \"providers\" is not a provider namespace like Microsoft.ContainerRegistry", s(namespace))));
                }
                let ty = *segs.get(i + 2).ok_or_else(|| err(format!("provider {:?} is not followed by a resource type", s(namespace))))?;
                let name = *segs.get(i + 3).ok_or_else(|| err(format!("resource type {:?} is not followed by a resource name", s(ty))))?;
                let extension = levels.last().is_some_and(|l| matches!(l.kind, LevelKind::Resource { .. }));
                let chain_start = levels.len() as u32;
                levels.push(level(name.1, LevelKind::Resource { namespace, ty, name, chain_start, extension }));
                i += 4;
            } else if let Some(LevelKind::Resource { namespace, chain_start, .. }) = levels.last().map(|l| l.kind) {
                let name = *segs.get(i + 1).ok_or_else(|| err(format!("child type {seg:?} is not followed by a name")))?;
                levels.push(level(name.1, LevelKind::Resource { namespace, ty: segs[i], name, chain_start, extension: false }));
                i += 2;
            } else if levels.is_empty() {
                return Err(err(format!("it starts with {seg:?}; an id starts with \"/subscriptions/\", \"/providers/\" or is \"/\"")));
            } else {
                let after = &text[1..(segs[i].0 as usize).saturating_sub(1).max(1)];
                return Err(err(format!("{seg:?} after {after:?} is neither \"resourceGroups\" nor \"providers\"")));
            }
        }
        if key.len() == text.len() {
            for l in &mut levels {
                l.key_end = l.end;
            }
        } else {
            for l in &mut levels {
                l.key_end = lower(&text[..l.end as usize]).len() as u32;
            }
        }
        let depth = levels.len();
        Ok(ResourceId { text: Arc::from(&*text), key, levels: levels.into(), depth })
    }

    /// The tenant root scope `/`.
    pub fn tenant() -> ResourceId {
        ResourceId { text: Arc::from("/"), key: Arc::from("/"), levels: Arc::from(Vec::new()), depth: 0 }
    }

    /// `/subscriptions/{id}`.
    pub fn subscription(id: &str) -> Result<ResourceId, IdError> {
        check_name(id, "subscription id")?;
        ResourceId::parse(&format!("/subscriptions/{id}"))
    }

    /// `/providers/Microsoft.Management/managementGroups/{name}`.
    pub fn management_group(name: &str) -> Result<ResourceId, IdError> {
        check_name(name, "management group name")?;
        ResourceId::parse(&format!("/providers/Microsoft.Management/managementGroups/{name}"))
    }

    /// `/subscriptions/{id}/resourceGroups/{name}`.
    pub fn resource_group(subscription: &str, name: &str) -> Result<ResourceId, IdError> {
        check_name(subscription, "subscription id")?;
        check_name(name, "resource group name")?;
        ResourceId::parse(&format!("/subscriptions/{subscription}/resourceGroups/{name}"))
    }

    /// `{self}/providers/{namespace}/{type}/{name}`: a top-level resource under this scope, or an
    /// extension resource when `self` is itself a resource.
    pub fn provider(&self, namespace: &str, ty: &str, name: &str) -> Result<ResourceId, IdError> {
        check_name(namespace, "provider namespace")?;
        check_name(ty, "resource type")?;
        check_name(name, "resource name")?;
        ResourceId::parse(&format!("{}/providers/{namespace}/{ty}/{name}", self.prefix()))
    }

    /// `{self}/{type}/{name}`: a child resource of this resource.
    pub fn child(&self, ty: &str, name: &str) -> Result<ResourceId, IdError> {
        if self.level() != ScopeLevel::Resource {
            return Err(IdError { input: self.as_str().to_string(), problem: format!("a {:?} scope has no child resources; use provider()", self.level()) });
        }
        check_name(ty, "child resource type")?;
        check_name(name, "child resource name")?;
        ResourceId::parse(&format!("{}/{ty}/{name}", self.as_str()))
    }

    fn prefix(&self) -> &str {
        if self.depth == 0 { "" } else { self.as_str() }
    }

    fn span(&self, span: Span) -> &str {
        &self.text[span.0 as usize..span.1 as usize]
    }

    fn last(&self) -> Option<&LevelKind> {
        self.depth.checked_sub(1).map(|i| &self.levels[i].kind)
    }

    /// The id exactly as given (without a trailing `/`).
    pub fn as_str(&self) -> &str {
        match self.depth {
            0 => "/",
            d => &self.text[..self.levels[d - 1].end as usize],
        }
    }

    /// The lowercased id: a stable key for maps and joins with other data sources.
    pub fn key(&self) -> &str {
        match self.depth {
            0 => "/",
            d => &self.key[..self.levels[d - 1].key_end as usize],
        }
    }

    pub fn level(&self) -> ScopeLevel {
        match self.last() {
            None => ScopeLevel::Tenant,
            Some(LevelKind::ManagementGroup { .. }) => ScopeLevel::ManagementGroup,
            Some(LevelKind::Subscription { .. }) => ScopeLevel::Subscription,
            Some(LevelKind::ResourceGroup { .. }) => ScopeLevel::ResourceGroup,
            Some(LevelKind::Resource { .. }) => ScopeLevel::Resource,
        }
    }

    /// The enclosing scope; `None` only for the tenant root. Does not copy the text.
    pub fn parent(&self) -> Option<ResourceId> {
        self.depth.checked_sub(1).map(|d| self.truncate(d))
    }

    /// The id made of the first `depth` levels, sharing this id's buffers.
    fn truncate(&self, depth: usize) -> ResourceId {
        ResourceId { text: self.text.clone(), key: self.key.clone(), levels: self.levels.clone(), depth }
    }

    /// This id, then its parent, and so on up to the tenant root.
    pub fn ancestors(&self) -> impl Iterator<Item = ResourceId> {
        let id = self.clone();
        (0..=self.depth).rev().map(move |d| id.truncate(d))
    }

    /// True when `self` is `other` or encloses it (a role assigned at `self` applies at `other`).
    pub fn contains(&self, other: &ResourceId) -> bool {
        let n = self.depth;
        if n == 0 {
            return true;
        }
        // Keys are compared at level boundaries only: `/subscriptions/a` does not contain
        // `/subscriptions/ab`.
        let key = self.key();
        n <= other.depth && other.levels[n - 1].key_end as usize == key.len() && other.key().starts_with(key)
    }

    /// True when `self` strictly encloses `other`.
    pub fn is_ancestor_of(&self, other: &ResourceId) -> bool {
        self.depth < other.depth && self.contains(other)
    }

    /// Subscription id, for ids under a subscription.
    pub fn subscription_id(&self) -> Option<&str> {
        self.levels[..self.depth].iter().find_map(|l| match l.kind {
            LevelKind::Subscription { id } => Some(self.span(id)),
            _ => None,
        })
    }

    /// Resource group name, for ids under a resource group.
    pub fn resource_group_name(&self) -> Option<&str> {
        self.levels[..self.depth].iter().find_map(|l| match l.kind {
            LevelKind::ResourceGroup { name } => Some(self.span(name)),
            _ => None,
        })
    }

    /// The last name in the id: resource name, group name, subscription id or group name.
    pub fn name(&self) -> &str {
        match self.last() {
            None => "/",
            Some(LevelKind::ManagementGroup { name } | LevelKind::ResourceGroup { name } | LevelKind::Resource { name, .. }) => self.span(*name),
            Some(LevelKind::Subscription { id }) => self.span(*id),
        }
    }

    /// Provider namespace of a resource id, e.g. `Microsoft.ContainerRegistry`.
    pub fn namespace(&self) -> Option<&str> {
        match self.last() {
            Some(LevelKind::Resource { namespace, .. }) => Some(self.span(*namespace)),
            _ => None,
        }
    }

    /// The parts of the type: namespace, then each type segment from the top-level type down.
    fn type_parts(&self) -> Vec<&str> {
        match self.last() {
            None => vec!["/"],
            Some(LevelKind::ManagementGroup { .. }) => vec!["Microsoft.Management", "managementGroups"],
            Some(LevelKind::Subscription { .. }) => vec!["Microsoft.Resources", "subscriptions"],
            Some(LevelKind::ResourceGroup { .. }) => vec!["Microsoft.Resources", "resourceGroups"],
            Some(LevelKind::Resource { namespace, chain_start, .. }) => {
                let mut parts = vec![self.span(*namespace)];
                for l in &self.levels[*chain_start as usize..self.depth] {
                    if let LevelKind::Resource { ty, .. } = l.kind {
                        parts.push(self.span(ty));
                    }
                }
                parts
            }
        }
    }

    /// Full resource type as ARM writes it in the `type` field, e.g.
    /// `Microsoft.MachineLearningServices/workspaces/computes`. Scopes have their own:
    /// `Microsoft.Resources/subscriptions`, `Microsoft.Resources/resourceGroups`,
    /// `Microsoft.Management/managementGroups`, and `/` for the tenant.
    pub fn resource_type(&self) -> String {
        self.type_parts().join("/")
    }

    /// True when the resource type equals `ty` (case-insensitively).
    pub fn is_type(&self, ty: &str) -> bool {
        if self.depth == 0 {
            return ty == "/";
        }
        let parts = self.type_parts();
        let mut rest = ty.split('/');
        parts.iter().all(|p| rest.next().is_some_and(|r| r.eq_ignore_ascii_case(p))) && rest.next().is_none()
    }

    /// True for `{scope}/providers/...` under another resource (role assignments on a registry).
    pub fn is_extension(&self) -> bool {
        matches!(self.last(), Some(LevelKind::Resource { extension: true, .. }))
    }

    /// For an extension resource, the scope it extends (e.g. the registry a role assignment is
    /// on); for anything else, the parent scope.
    pub fn scope(&self) -> Option<ResourceId> {
        match self.last()? {
            LevelKind::Resource { chain_start, .. } => Some(self.truncate(*chain_start as usize)),
            _ => self.parent(),
        }
    }
}

fn check_name(value: &str, what: &str) -> Result<(), IdError> {
    let problem = if value.is_empty() {
        Some(format!("the {what} is empty"))
    } else if value.contains('/') {
        Some(format!("the {what} {value:?} contains \"/\""))
    } else if value.trim() != value {
        Some(format!("the {what} {value:?} has leading or trailing white space"))
    } else {
        None
    };
    match problem {
        Some(problem) => Err(IdError { input: value.to_string(), problem }),
        None => Ok(()),
    }
}

impl PartialEq for ResourceId {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl Eq for ResourceId {}
impl Hash for ResourceId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key().hash(state)
    }
}
impl PartialOrd for ResourceId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for ResourceId {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(other.key())
    }
}
impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
impl fmt::Debug for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResourceId({:?})", self.as_str())
    }
}
impl std::str::FromStr for ResourceId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ResourceId::parse(s)
    }
}
impl serde::Serialize for ResourceId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
impl<'de> serde::Deserialize<'de> for ResourceId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        shared::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Ids read while [`sharing`] is on are parsed once per distinct text and then shared: a
/// snapshot repeats the same few role definition ids and scopes across tens of thousands of
/// role assignments (parsing was a third of reading a large tenant, and each copy held its
/// own buffers). The cache is a fixed number of slots indexed by hash, so unique ids only
/// evict each other and it never grows, whatever the input; a hit requires the exact text,
/// so a shared id is the one `parse` would have made.
pub mod shared {
    use std::cell::RefCell;
    use std::hash::Hasher;

    use super::{IdError, ResourceId};

    const SLOTS: usize = 4096;

    thread_local! {
        static CACHE: RefCell<Option<Vec<Option<ResourceId>>>> = const { RefCell::new(None) };
    }

    /// Runs `f` with ids shared (nested calls share one cache; it is dropped at the end of
    /// the outermost).
    pub fn sharing<R>(f: impl FnOnce() -> R) -> R {
        let outermost = CACHE.with(|c| {
            let mut c = c.borrow_mut();
            let fresh = c.is_none();
            if fresh {
                // The slots are made on the first id read, so a scan page without ids costs
                // nothing.
                *c = Some(Vec::new());
            }
            fresh
        });
        // Dropped on unwind too, so a panic never leaves a cache behind.
        struct End(bool);
        impl Drop for End {
            fn drop(&mut self) {
                if self.0 {
                    CACHE.with(|c| c.borrow_mut().take());
                }
            }
        }
        let _end = End(outermost);
        f()
    }

    /// [`ResourceId::parse`], through the cache while [`sharing`] is on.
    pub fn parse(input: &str) -> Result<ResourceId, IdError> {
        CACHE.with(|c| {
            let mut c = c.borrow_mut();
            let Some(slots) = c.as_mut() else { return ResourceId::parse(input) };
            if slots.is_empty() {
                slots.resize(SLOTS, None);
            }
            let mut h = crate::fast::FastHasher::default();
            h.write(input.as_bytes());
            let slot = &mut slots[(h.finish() >> 52) as usize % SLOTS];
            // An id's text is its input (unless a slash was added or dropped: those are not
            // kept), so the cached id itself is the key and a miss copies nothing extra.
            if let Some(id) = slot.as_ref().filter(|id| id.as_str() == input) {
                return Ok(id.clone());
            }
            let id = ResourceId::parse(input)?;
            if id.as_str() == input {
                *slot = Some(id.clone());
            }
            Ok(id)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REG: &str = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-ml/providers/Microsoft.ContainerRegistry/registries/acrml";

    #[test]
    fn equality_ignores_case_display_keeps_it() {
        let a = ResourceId::parse(REG).unwrap();
        let b = ResourceId::parse(&REG.to_lowercase()).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), REG);
        let mut set = std::collections::HashSet::new();
        set.insert(a);
        assert!(set.contains(&b));
    }

    #[test]
    fn shared_ids_are_the_ids_parse_makes() {
        let texts = [REG, &REG.to_lowercase(), "/subscriptions/s", "/", "not an id", REG];
        let plain: Vec<_> = texts.iter().map(|t| ResourceId::parse(t).map(|i| i.as_str().to_string())).collect();
        let shared: Vec<_> = shared::sharing(|| texts.iter().map(|t| shared::parse(t).map(|i| i.as_str().to_string())).collect());
        assert_eq!(plain, shared);
        // The second REG is the first one's buffers; outside `sharing` nothing is kept.
        let (a, b) = shared::sharing(|| (shared::parse(REG).unwrap(), shared::parse(REG).unwrap()));
        assert!(Arc::ptr_eq(&a.text, &b.text));
        assert!(!Arc::ptr_eq(&shared::parse(REG).unwrap().text, &shared::parse(REG).unwrap().text));
    }

    /// Found by proptest: a space before a trailing slash survived the slash's removal.
    #[test]
    fn space_before_a_trailing_slash_is_refused() {
        for bad in [format!("{REG} /"), format!("{REG}\t//"), "/subscriptions/s1 /".to_string()] {
            let e = ResourceId::parse(&bad).unwrap_err();
            assert!(e.to_string().contains("white space"), "{bad:?}: {e}");
        }
        assert!(ResourceId::parse(&format!("{REG}/")).is_ok());
    }

    #[test]
    fn levels_and_parts() {
        let id = ResourceId::parse("/subscriptions/s1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w/computes/c").unwrap();
        assert_eq!(id.level(), ScopeLevel::Resource);
        assert_eq!(id.resource_type(), "Microsoft.MachineLearningServices/workspaces/computes");
        assert_eq!(id.name(), "c");
        assert_eq!(id.subscription_id(), Some("s1"));
        assert_eq!(id.resource_group_name(), Some("rg"));
        let chain: Vec<String> = id.ancestors().map(|a| a.to_string()).collect();
        assert_eq!(
            chain,
            [
                "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w/computes/c",
                "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w",
                "/subscriptions/s1/resourceGroups/rg",
                "/subscriptions/s1",
                "/",
            ]
        );
    }

    #[test]
    fn extension_resources() {
        let ra = ResourceId::parse(&format!("{REG}/providers/Microsoft.Authorization/roleAssignments/abc")).unwrap();
        assert!(ra.is_extension());
        assert_eq!(ra.resource_type(), "Microsoft.Authorization/roleAssignments");
        assert_eq!(ra.scope().unwrap().to_string(), REG);
        let sub_ra = ResourceId::parse("/subscriptions/s1/providers/Microsoft.Authorization/roleAssignments/x").unwrap();
        assert!(!sub_ra.is_extension());
        assert_eq!(sub_ra.scope().unwrap().to_string(), "/subscriptions/s1");
        let root_rd = ResourceId::parse("/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d").unwrap();
        assert_eq!(root_rd.scope().unwrap(), ResourceId::tenant());
    }

    #[test]
    fn containment_is_by_level_not_by_prefix() {
        let sub = ResourceId::parse("/subscriptions/a").unwrap();
        let other = ResourceId::parse("/subscriptions/ab/resourceGroups/x").unwrap();
        assert!(!sub.contains(&other));
        let rg = ResourceId::parse("/SUBSCRIPTIONS/A/resourcegroups/RG").unwrap();
        assert!(sub.contains(&rg));
        assert!(sub.is_ancestor_of(&rg));
        assert!(!rg.is_ancestor_of(&sub));
        assert!(ResourceId::tenant().contains(&rg));
        let sibling = ResourceId::parse("/subscriptions/a/resourceGroups/rg2").unwrap();
        assert!(!rg.contains(&sibling));
    }

    #[test]
    fn management_group_scope() {
        let mg = ResourceId::parse("/providers/Microsoft.Management/managementGroups/root-mg").unwrap();
        assert_eq!(mg.level(), ScopeLevel::ManagementGroup);
        assert_eq!(mg.name(), "root-mg");
        assert_eq!(mg.parent().unwrap(), ResourceId::tenant());
    }

    #[test]
    fn errors_name_the_offending_part() {
        let cases = [
            ("", "empty"),
            ("/subscriptions", "not followed by a subscription id"),
            ("/subscriptions/s/resourceGroups", "resource group name"),
            ("/subscriptions/s/foo/bar", "\"foo\""),
            ("/subscriptions/s/providers/NoDot/t/n", "\"NoDot\""),
            ("/subscriptions/s/providers/Microsoft.X/type", "\"type\" is not followed by a resource name"),
            ("/subscriptions//x", "empty segment"),
            ("/hello", "\"hello\""),
        ];
        for (input, needle) in cases {
            let e = ResourceId::parse(input).unwrap_err().to_string();
            assert!(e.contains(needle), "{input:?}: {e}");
        }
    }

    #[test]
    fn parents_share_text_and_compare_by_content() {
        let ra = ResourceId::parse(&format!("{REG}/providers/Microsoft.Authorization/roleAssignments/abc")).unwrap();
        let scope = ra.scope().unwrap();
        assert_eq!(scope, ResourceId::parse(&REG.to_uppercase()).unwrap());
        assert_eq!(scope.as_str(), REG);
        assert_eq!(scope.key(), REG.to_lowercase());
        assert!(scope.is_type("microsoft.containerregistry/REGISTRIES"));
        assert!(!scope.is_type("Microsoft.ContainerRegistry"));
        assert!(!scope.is_type("Microsoft.ContainerRegistry/registries/x"));
        assert!(ResourceId::tenant().is_type("/"));
        let mut seen = std::collections::HashSet::new();
        seen.insert(scope.clone());
        assert!(seen.contains(&ResourceId::parse(REG).unwrap()));
        // Non-ASCII names: identity is by lowercase, and a parent's key prefixes its child's.
        let odd = ResourceId::parse("/subscriptions/s/resourceGroups/ΣΑΣ/providers/Microsoft.X/t/İx").unwrap();
        assert!(odd.parent().unwrap().contains(&odd));
        assert_eq!(odd, ResourceId::parse("/subscriptions/S/resourcegroups/σασ/providers/microsoft.x/T/i̇x").unwrap());
    }

    #[test]
    fn builders_parse_what_they_build() {
        let rg = ResourceId::resource_group("s", "rg").unwrap();
        let acr = rg.provider("Microsoft.ContainerRegistry", "registries", "r").unwrap();
        assert_eq!(acr.to_string(), "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r");
        assert!(rg.provider("Microsoft.X", "t", "a/b").is_err());
        let ra = acr.provider("Microsoft.Authorization", "roleAssignments", "n").unwrap();
        assert!(ra.is_extension());
        assert!(rg.child("x", "y").is_err());
    }
}
