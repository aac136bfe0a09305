//! Stable sorting by a comparison, compiled once for the whole browser app.
//!
//! The standard library's sorts are generic over the element and the comparison, so every call
//! site compiles its own copy of the sort: about 3.5 KB of wasm each, 31 copies (110 KB before
//! compression) in the app of 2026-12-01 (docs/benchmarks.md, Bundle size). On wasm32 these
//! functions sort *positions* with one non-generic routine that calls the comparison through a
//! `dyn` reference, then move the elements into place in one pass; each call site costs a few
//! hundred bytes. Natively (CLI, emulator, benchmarks) they are the standard library's sorts,
//! which are faster. The order is the same either way: a stable sort's result is fully
//! determined by its comparison. Not here: what is sorted by what (the callers decide).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// Sorts `v` stably by `cmp`, like [`slice::sort_by`].
pub fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    #[cfg(target_arch = "wasm32")]
    compact_sort_by(v, &mut cmp);
    #[cfg(not(target_arch = "wasm32"))]
    v.sort_by(|a, b| cmp(a, b));
}

/// Sorts `v` stably by the key `key` gives, like [`slice::sort_by_key`].
pub fn sort_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// Sorts `v` stably in its natural order, like [`slice::sort`].
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

/// Sorts `v` by `cmp` where equal elements may end up in any order, like
/// [`slice::sort_unstable_by`] (on wasm32 the compact stable sort, one valid such order).
pub fn sort_unstable_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    #[cfg(target_arch = "wasm32")]
    compact_sort_by(v, &mut cmp);
    #[cfg(not(target_arch = "wasm32"))]
    v.sort_unstable_by(|a, b| cmp(a, b));
}

/// [`sort_unstable_by`] by a key, like [`slice::sort_unstable_by_key`].
pub fn sort_unstable_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_unstable_by(v, |a, b| key(a).cmp(&key(b)));
}

/// [`sort_unstable_by`] in the natural order, like [`slice::sort_unstable`].
pub fn sort_unstable<T: Ord>(v: &mut [T]) {
    sort_unstable_by(v, T::cmp);
}

/// Collects pairs into a map, like `BTreeMap::from_iter`: of pairs with equal keys the last
/// one is kept, key and value. (`from_iter` sorts the pairs first, with a sort of its own.)
pub fn collect_map<K: Ord, V>(pairs: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    #[cfg(target_arch = "wasm32")]
    {
        // Inserted last to first, and only where the key is new: the last pair wins.
        let pairs: Vec<(K, V)> = pairs.into_iter().collect();
        let mut map = BTreeMap::new();
        for (k, v) in pairs.into_iter().rev() {
            if let std::collections::btree_map::Entry::Vacant(e) = map.entry(k) {
                e.insert(v);
            }
        }
        map
    }
    #[cfg(not(target_arch = "wasm32"))]
    pairs.into_iter().collect()
}

/// Collects items into a set, like `BTreeSet::from_iter`: of equal items the last is kept.
pub fn collect_set<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    #[cfg(target_arch = "wasm32")]
    {
        // `insert` keeps an equal item already present, so last to first keeps the last.
        let items: Vec<T> = items.into_iter().collect();
        let mut set = BTreeSet::new();
        for item in items.into_iter().rev() {
            set.insert(item);
        }
        set
    }
    #[cfg(not(target_arch = "wasm32"))]
    items.into_iter().collect()
}

/// Collects pairs into a JSON object, like `serde_json::Map::from_iter` (the last of equal
/// keys wins).
pub fn collect_object(pairs: impl IntoIterator<Item = (String, serde_json::Value)>) -> serde_json::Map<String, serde_json::Value> {
    #[cfg(target_arch = "wasm32")]
    {
        let pairs: Vec<(String, serde_json::Value)> = pairs.into_iter().collect();
        let mut map = serde_json::Map::new();
        for (k, v) in pairs.into_iter().rev() {
            map.entry(k).or_insert(v);
        }
        map
    }
    #[cfg(not(target_arch = "wasm32"))]
    pairs.into_iter().collect()
}

/// The wasm32 sort (compiled and tested on every target): positions sorted by one shared
/// routine, then elements moved along the permutation's cycles.
// Natively only the tests call it.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub(crate) fn compact_sort_by<T>(v: &mut [T], cmp: &mut dyn FnMut(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let mut order: Vec<usize> = (0..v.len()).collect();
    {
        let items: &[T] = v;
        sort_positions(&mut order, &mut |a, b| cmp(&items[a], &items[b]));
    }
    // `order[i]` is where the element that belongs at `i` is now. Each cycle of the
    // permutation is walked once; a finished position is marked by pointing at itself.
    for start in 0..order.len() {
        let mut at = start;
        while order[at] != start {
            let from = order[at];
            v.swap(at, from);
            order[at] = at;
            at = from;
        }
        order[at] = at;
    }
}

/// The one sort routine: not generic, so the wasm module holds a single copy.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
#[inline(never)]
fn sort_positions(order: &mut [usize], cmp: &mut dyn FnMut(usize, usize) -> Ordering) {
    order.sort_by(|&a, &b| cmp(a, b));
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// The compact sort orders exactly as the standard library's stable sort, ties
        /// included (pairs compared by their first half only keep their input order).
        #[test]
        fn compact_sort_matches_the_standard_stable_sort(items in proptest::collection::vec((0u8..8, any::<u16>()), 0..200)) {
            let mut expected = items.clone();
            expected.sort_by_key(|a| a.0);
            let mut got = items;
            compact_sort_by(&mut got, &mut |a, b| a.0.cmp(&b.0));
            prop_assert_eq!(got, expected);
        }
    }

    /// Key text differs between "equal" ids (ARM ids compare case-insensitively); like
    /// `from_iter`, the last pair of equal keys is kept whole.
    #[test]
    fn collecting_keeps_the_last_of_equal_keys() {
        #[derive(Debug, Clone)]
        struct Caseless(&'static str);
        impl PartialEq for Caseless {
            fn eq(&self, o: &Self) -> bool {
                self.0.eq_ignore_ascii_case(o.0)
            }
        }
        impl Eq for Caseless {}
        impl PartialOrd for Caseless {
            fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
                Some(self.cmp(o))
            }
        }
        impl Ord for Caseless {
            fn cmp(&self, o: &Self) -> Ordering {
                self.0.to_ascii_lowercase().cmp(&o.0.to_ascii_lowercase())
            }
        }
        let pairs = [(Caseless("b"), 1), (Caseless("A"), 2), (Caseless("B"), 3), (Caseless("a"), 4)];
        let show = |m: Vec<(&Caseless, &i32)>| m.into_iter().map(|(k, v)| format!("{}={v}", k.0)).collect::<Vec<_>>();
        let std_map: BTreeMap<_, _> = pairs.iter().cloned().collect();
        let want = show(std_map.iter().collect());
        assert_eq!(want, ["a=4", "B=3"]);
        assert_eq!(show(collect_map(pairs.iter().cloned()).iter().collect()), want);
        let mut compact = BTreeMap::new();
        for (k, v) in pairs.iter().cloned().rev() {
            compact.entry(k).or_insert(v);
        }
        assert_eq!(show(compact.iter().collect()), want, "the wasm32 way");
        let std_set: BTreeSet<_> = pairs.iter().map(|p| p.0.clone()).collect();
        let mut compact_set = BTreeSet::new();
        for (k, _) in pairs.iter().cloned().rev() {
            compact_set.insert(k);
        }
        let names = |s: &BTreeSet<Caseless>| s.iter().map(|k| k.0).collect::<Vec<_>>();
        assert_eq!(names(&std_set), ["a", "B"]);
        assert_eq!(names(&compact_set), names(&std_set));
        assert_eq!(names(&collect_set(pairs.iter().map(|p| p.0.clone()))), names(&std_set));
        let object = collect_object([("k".to_string(), 1.into()), ("j".to_string(), 2.into()), ("k".to_string(), 3.into())]);
        assert_eq!(serde_json::Value::Object(object), serde_json::json!({"j": 2, "k": 3}));
    }

    #[test]
    fn strings_sort_in_place() {
        let mut v: Vec<String> = ["c", "a", "b", "a", "d", "c"].iter().map(|s| s.to_string()).collect();
        compact_sort_by(&mut v, &mut |a, b| a.cmp(b));
        assert_eq!(v, ["a", "a", "b", "c", "c", "d"]);
        let mut v = vec!["b", "a"];
        sort(&mut v);
        assert_eq!(v, ["a", "b"]);
        let mut v = vec![3, 1, 2];
        sort_by_key(&mut v, |x| std::cmp::Reverse(*x));
        assert_eq!(v, [3, 2, 1]);
    }
}
