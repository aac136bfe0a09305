//! What a snapshot costs in memory, measured by a counting allocator in this test binary: a
//! document whose lists nest deep costs what the same resources cost flat (reading used to
//! copy every nested list once per level: 5 MB nested 120 deep took 2.4 GB).
//!
//! One test function only, so no other test allocates while it measures.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use pullpath_core::snapshot;
use serde_json::{json, Value};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Peak bytes allocated while parsing `text`, above what was allocated before.
fn peak_parse(text: &str) -> (usize, usize) {
    let before = CURRENT.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let (inv, _) = snapshot::parse(text).expect("the document parses");
    let found = inv.registries.len();
    drop(inv);
    (PEAK.load(Ordering::Relaxed) - before, found)
}

fn registry(n: usize) -> Value {
    json!({
        "id": format!("/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r{n}"),
        "name": format!("r{n}"), "type": "Microsoft.ContainerRegistry/registries", "location": "westeurope",
        "tags": {"team": "platform", "cost": "shared"}, "sku": {"name": "Premium"},
        "properties": {"loginServer": format!("r{n}.azurecr.io"), "adminUserEnabled": false, "anonymousPullEnabled": false},
    })
}

#[test]
fn nesting_does_not_multiply_memory() {
    const RESOURCES: usize = 12_000;
    // The snapshot format reads lists up to 16 deep; the deepest legal nesting is the worst
    // case for a reader that copies per level.
    const LEVELS: usize = 15;
    let flat = json!({"resources": (0..RESOURCES).map(registry).collect::<Vec<_>>()}).to_string();
    // Level k holds its share of the resources and then the list of level k + 1.
    let per_level = RESOURCES / LEVELS;
    let mut nested = Value::Array(Vec::new());
    for level in (0..LEVELS).rev() {
        let mut items: Vec<Value> = (level * per_level..(level + 1) * per_level).map(registry).collect();
        items.push(nested);
        nested = Value::Array(items);
    }
    let nested = json!({"resources": nested}).to_string();

    let (flat_peak, flat_found) = peak_parse(&flat);
    let (nested_peak, nested_found) = peak_parse(&nested);
    assert_eq!(flat_found, RESOURCES);
    assert_eq!(nested_found, per_level * LEVELS);
    eprintln!("text {} bytes: flat peak {flat_peak} bytes, nested {LEVELS} deep peak {nested_peak} bytes", flat.len());
    // Copying per level would cost about LEVELS / 2 times the flat figure.
    assert!(nested_peak <= flat_peak + flat_peak / 4, "nested {nested_peak} vs flat {flat_peak}");
    assert!(flat_peak <= 30 * flat.len(), "flat {flat_peak} for {} bytes of text", flat.len());

    // Nested deeper than the format allows: skipped with a diagnostic, at no extra cost.
    let mut deep = json!([registry(0)]);
    for _ in 0..120 {
        deep = json!([deep]);
    }
    let deep = json!({"resources": [deep, (1..RESOURCES).map(registry).collect::<Vec<_>>()]}).to_string();
    let before = CURRENT.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let (inv, diags) = snapshot::parse(&deep).expect("serde_json reads 128 levels");
    let deep_peak = PEAK.load(Ordering::Relaxed) - before;
    assert_eq!(inv.registries.len(), RESOURCES - 1);
    assert!(diags.iter().any(|d| d.message.contains("nested more than 16 deep")), "{diags:?}");
    drop((inv, diags));
    assert!(deep_peak <= flat_peak + flat_peak / 4, "deep {deep_peak} vs flat {flat_peak}");
}
