//! Tidy checks on the source itself, as rust-analyzer's tidy tests do: no module of `core`,
//! `sim` or `web` depends on another that depends on it back, directly or through others.
//!
//! A module is a top-level module of its crate (`core/src/scan.rs`, everything under
//! `core/src/change/`); it depends on another when its code names `crate::other` (in a `use`
//! line or a path). Comments do not count.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Cycles that exist today, each as its modules in order from the smallest name: none since
/// issue 15 broke the last. A cycle would have to be listed here, on purpose, to pass; the test
/// also fails when a listed one is gone (so that this list stays true).
const KNOWN_CYCLES: &[(&str, &[&str])] = &[];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a source file without `//` comments (doc comments included) and string
/// literals, so that text about a module is not a dependency on it.
fn code(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let mut in_str = false;
        let mut prev = ' ';
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if in_str {
                if c == '"' && prev != '\\' {
                    in_str = false;
                }
                prev = if prev == '\\' && c == '\\' { ' ' } else { c };
                continue;
            }
            if c == '/' && chars.peek() == Some(&'/') {
                break;
            }
            if c == '"' {
                in_str = true;
                prev = ' ';
                continue;
            }
            out.push(c);
        }
        out.push('\n');
    }
    without_test_modules(&out)
}

/// `code` without its `#[cfg(test)] mod … { … }` blocks: tests may use any module.
fn without_test_modules(code: &str) -> String {
    let mut out = String::new();
    let mut lines = code.lines().peekable();
    while let Some(line) = lines.next() {
        let opens_test_module = line.trim() == "#[cfg(test)]" && lines.peek().is_some_and(|l| l.trim_start().trim_start_matches("pub(crate) ").trim_start_matches("pub ").starts_with("mod ") && l.trim_end().ends_with('{'));
        if !opens_test_module {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let mut depth = 0i64;
        for l in lines.by_ref() {
            depth += l.matches('{').count() as i64 - l.matches('}').count() as i64;
            if depth <= 0 {
                break;
            }
        }
    }
    out
}

/// Top-level module → the top-level modules its code names through `crate::`, including the
/// `crate::{a, b::c}` groups of a `use` line.
fn dependencies(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(src).unwrap();
        let first = rel.components().next().unwrap().as_os_str().to_string_lossy().to_string();
        let module = first.trim_end_matches(".rs").to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        let text = code(&std::fs::read_to_string(&file).unwrap());
        let entry = deps.entry(module.clone()).or_default();
        let mut rest = text.as_str();
        while let Some(at) = rest.find("crate::") {
            let before = rest[..at].chars().next_back();
            rest = &rest[at + "crate::".len()..];
            // `pullpath_core::…` or `some_crate::` are other crates.
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let names: Vec<String> = if let Some(group) = rest.strip_prefix('{') {
                // `crate::{a::X, b, c::{d, e}}`: the first segment of each top-level item.
                let mut depth = 0usize;
                let mut items = vec![String::new()];
                for c in group.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => items.push(String::new()),
                        c => {
                            if depth == 0 {
                                items.last_mut().unwrap().push(c);
                            }
                        }
                    }
                }
                items.iter().map(|i| i.trim().split("::").next().unwrap_or("").trim().to_string()).collect()
            } else {
                vec![rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()]
            };
            for name in names.into_iter().filter(|n| !n.is_empty() && *n != module && n != "self") {
                entry.insert(name);
            }
        }
    }
    // Names that are not modules (`crate::ResourceId`, a re-export in lib.rs) are not edges.
    let modules: BTreeSet<String> = deps.keys().cloned().collect();
    for d in deps.values_mut() {
        d.retain(|n| modules.contains(n));
    }
    deps
}

/// Every elementary cycle, each rotated to start at its smallest module and listed once.
fn cycles(deps: &BTreeMap<String, BTreeSet<String>>) -> BTreeSet<Vec<String>> {
    fn walk(deps: &BTreeMap<String, BTreeSet<String>>, start: &str, at: &str, path: &mut Vec<String>, out: &mut BTreeSet<Vec<String>>) {
        for next in deps.get(at).into_iter().flatten() {
            if next == start {
                out.insert(path.clone());
            } else if next.as_str() > start && !path.contains(next) {
                path.push(next.clone());
                walk(deps, start, next, path, out);
                path.pop();
            }
        }
    }
    let mut out = BTreeSet::new();
    for start in deps.keys() {
        walk(deps, start, start, &mut vec![start.clone()], &mut out);
    }
    out
}

#[test]
fn no_module_depends_on_itself_through_others() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut problems = Vec::new();
    for krate in ["core", "sim", "web"] {
        let deps = dependencies(&root.join(krate).join("src"));
        assert!(deps.len() >= 5, "{krate}: expected its modules, found {:?}", deps.keys());
        let found = cycles(&deps);
        let known: BTreeSet<Vec<String>> = KNOWN_CYCLES.iter().filter(|(k, _)| *k == krate).map(|(_, c)| c.iter().map(|s| s.to_string()).collect()).collect();
        for c in found.difference(&known) {
            let why: Vec<String> = c.iter().zip(c.iter().cycle().skip(1)).map(|(a, b)| format!("{a} uses {b}")).collect();
            problems.push(format!("{krate}: a new import cycle: {}", why.join(", ")));
        }
        for c in known.difference(&found) {
            problems.push(format!("{krate}: the cycle {c:?} is gone: remove it from KNOWN_CYCLES"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_dependency_reader_sees_groups_paths_and_skips_comments() {
    let dir = std::env::temp_dir().join(format!("pullpath-tidy-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("c")).unwrap();
    std::fs::write(dir.join("a.rs"), "//! uses crate::d in words only\nuse crate::{b::X, c::{self, Y}};\nfn f() { let s = \"crate::d\"; }\n").unwrap();
    std::fs::write(dir.join("b.rs"), "fn g() { crate::a::f(); pullpath_core::d::h(); }\n").unwrap();
    std::fs::write(dir.join("c").join("mod.rs"), "pub mod inner;\n").unwrap();
    std::fs::write(dir.join("c").join("inner.rs"), "use crate::b;\n").unwrap();
    std::fs::write(dir.join("d.rs"), "#[cfg(test)]\nmod tests {\n    use crate::a;\n    fn t() {\n    }\n}\n").unwrap();
    let deps = dependencies(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    let names = |m: &str| deps[m].iter().cloned().collect::<Vec<_>>();
    assert_eq!(names("a"), ["b", "c"]);
    assert_eq!(names("b"), ["a"]);
    assert_eq!(names("c"), ["b"]);
    assert!(names("d").is_empty());
    let found = cycles(&deps);
    assert!(found.contains(&vec!["a".to_string(), "b".to_string()]), "{found:?}");
    assert!(found.contains(&vec!["a".to_string(), "c".to_string(), "b".to_string()]), "{found:?}");
    assert_eq!(found.len(), 2, "{found:?}");
}

/// The sections of a manifest that name `package` (`dependencies`, `dev-dependencies`,
/// `target.'cfg(…)'.dependencies`, …).
fn sections_naming(manifest: &str, package: &str) -> Vec<String> {
    let mut section = String::new();
    let mut out = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_string();
        } else if line.split(['=', '.', ' ']).next() == Some(package) || section.ends_with(&format!("dependencies.{package}")) {
            out.push(section.clone());
        }
    }
    out
}

/// The simulator (crate `pullpath-sim`) is a host of core like the others, and not in the
/// app's main module (ARCHITECTURE.md, `sim/` and `demo/`): no manifest under `web/` names it
/// and the web crate's code does not either; core depends on it only for its integration tests
/// and benches (a dev-dependency), never in its own code.
#[test]
fn the_simulator_stays_out_of_core_and_the_apps_main_module() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    rust_files(&root.join("web/src"), &mut files);
    for f in &files {
        let text = code(&std::fs::read_to_string(f).unwrap());
        assert!(!text.contains("pullpath_sim") && !text.contains("sim::"), "{} names the simulator", f.display());
    }
    let web = std::fs::read_to_string(root.join("web/Cargo.toml")).unwrap();
    assert_eq!(sections_naming(&web, "pullpath-sim"), Vec::<String>::new(), "web/Cargo.toml depends on the simulator");
    let core = std::fs::read_to_string(root.join("core/Cargo.toml")).unwrap();
    assert_eq!(sections_naming(&core, "pullpath-sim"), ["dev-dependencies"], "core/Cargo.toml: the simulator only for tests");
    assert!(!core.lines().any(|l| l.trim() == "[features]"), "core/Cargo.toml has features again (the simulator was one)");
    let mut files = Vec::new();
    rust_files(&root.join("core/src"), &mut files);
    assert!(files.len() > 20, "{files:?}");
    for f in &files {
        let text = code(&std::fs::read_to_string(f).unwrap());
        assert!(!text.contains("pullpath_sim") && !text.contains("sim::"), "{} uses the simulator", f.display());
    }
}

#[test]
fn the_manifest_reader_finds_every_kind_of_dependency() {
    let manifest = "[dependencies]\npullpath-core.workspace = true\npullpath-simple = \"1\"\n[dev-dependencies]\npullpath-sim = { path = \"../sim\" }\n[target.'cfg(unix)'.dependencies]\npullpath-sim.workspace = true\n[dependencies.pullpath-sim]\npath = \"../sim\"\n";
    assert_eq!(sections_naming(manifest, "pullpath-sim"), ["dev-dependencies", "target.'cfg(unix)'.dependencies", "dependencies.pullpath-sim"]);
}

/// Graph node ids are `graph::NodeId`s: only its `Display` and `FromStr` know their text form,
/// so the web crate never spells `principal:…` or `anyone` as a node id, and never words an
/// edge kind itself (`words` does, for the app and the SVG export alike). Comments do not count.
#[test]
fn the_web_crate_spells_no_node_id_and_no_kind_words() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    rust_files(&root.join("web/src"), &mut files);
    assert!(files.len() >= 10, "expected the web crate's sources, found {files:?}");
    let mut problems = Vec::new();
    for f in &files {
        for (n, line) in std::fs::read_to_string(f).unwrap().lines().enumerate() {
            let line = line.split("//").next().unwrap_or("");
            for needle in ["\"principal:", "\"anyone\"", "strip_prefix(\"principal"] {
                // The anyone node's CSS class is named after its kind, not its id.
                let kind_mapping = needle == "\"anyone\"" && line.contains("NodeKind::Anyone => \"anyone\"");
                if line.contains(needle) && !kind_mapping {
                    problems.push(format!("{}:{}: a node id as text ({needle}); use graph::NodeId", f.display(), n + 1));
                }
            }
            if line.contains("EdgeKind::") && line.contains("=> \"") {
                problems.push(format!("{}:{}: words for an edge kind; use pullpath_core::words", f.display(), n + 1));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The screens render state and send intents (issue 15): no page builds an executor, a plan,
/// a scan or a change, nor drives a machine. `state` and `change` do, below every page.
#[test]
fn no_page_builds_an_executor_a_plan_a_scan_or_a_change() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    rust_files(&root.join("web/src/pages"), &mut files);
    assert!(files.len() >= 10, "expected the web crate's pages, found {files:?}");
    let needles = ["ArmExecutor", "AnyExecutor", "DemoExecutor", "demo_executor", "Change::new", "Scan::new", "ScanConfig", "plan::plan(", "engine::run", "Apply::new"];
    let mut problems = Vec::new();
    for f in &files {
        let text = code(&std::fs::read_to_string(f).unwrap());
        for needle in needles {
            if text.contains(needle) {
                problems.push(format!("{} names {needle}: pages render state and send intents; move the work to `state` or `change`", f.display()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Whether a line holds a quoted `"YYYY-MM-DD` literal, the shape of every ARM api-version.
fn quoted_date(line: &str) -> bool {
    let b = line.as_bytes();
    (0..b.len().saturating_sub(10)).any(|i| {
        let d = |j: usize| b[i + j].is_ascii_digit();
        b[i] == b'"' && d(1) && d(2) && d(3) && d(4) && b[i + 5] == b'-' && d(6) && d(7) && b[i + 8] == b'-' && d(9) && d(10)
    })
}

/// Every api-version pullpath sends is in `request.rs`'s table (ARCHITECTURE.md: "no ARM path
/// is assembled anywhere else"), so a version bump is one change checked against one spec:
/// no other production code in core, web or the CLI names `api-version`. Tests (a module
/// after `#[cfg(test)]`) and comments may; the simulator parses requests and is not here.
#[test]
fn api_versions_live_only_in_the_request_table() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    for dir in ["core/src", "web/src", "cli/src"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.iter().any(|f| f.ends_with("core/src/request.rs")), "the request table is where it is expected");
    let mut problems = Vec::new();
    for f in files.iter().filter(|f| !f.ends_with("core/src/request.rs")) {
        let text = std::fs::read_to_string(f).unwrap();
        let production = text.split("#[cfg(test)]").next().unwrap_or("");
        for (n, line) in production.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            // A version is a quoted date (`"2025-11-01"`, `"…-preview"`) or a query key.
            if line.contains("\"api-version\"") || line.contains("api-version=") || quoted_date(line) {
                problems.push(format!("{}:{}: an api-version outside core/src/request.rs", f.display(), n + 1));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(quoted_date(r#"  "apiVersion": "2022-09-01","#) && !quoted_date("pullpath does not know an api-version for"), "the reader sees a version");
}
