//! The source's layers, read from its own `crate::` and `super::` paths: every dependency
//! points down (commands -> ui -> diagnose -> places -> hf -> hub -> git -> the leaves), no
//! module below `commands` names it, and no file imports another that imports it back.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

/// Top-level modules by layer, lowest first; a module may use its own layer and those below.
const LAYERS: &[&[&str]] = &[
    &[
        "cli", "env", "python", "token", "time", "redact", "settings", "options", "io",
    ],
    &["git"],
    &["hub"],
    &["hf"],
    &["places"],
    &["diagnose"],
    &["ui"],
    &["commands"],
    &["lib", "main"],
];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/hf/oauth.rs` -> `["hf", "oauth"]`, `src/hf/mod.rs` -> `["hf"]`, `src/lib.rs` -> `["lib"]`.
fn module_of(path: &Path) -> Vec<String> {
    let rel = path.strip_prefix(SRC).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

fn layer(top: &str) -> usize {
    LAYERS
        .iter()
        .position(|l| l.contains(&top))
        .unwrap_or_else(|| panic!("src/{top} is in no layer of tests/it/layers.rs"))
}

/// The modules a file names: `crate::a::b::c` and `super::x`, resolved to the longest module
/// path that exists. Test code (after `#[cfg(test)]`) is left out: it may reach anywhere.
fn uses(text: &str, me: &[String], modules: &BTreeSet<Vec<String>>) -> BTreeSet<Vec<String>> {
    let code = text.split("#[cfg(test)]").next().unwrap_or(text);
    let code: String = code
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = BTreeSet::new();
    for (prefix, base) in [("crate::", Vec::new()), ("super::", parent(me))] {
        let mut rest = code.as_str();
        while let Some(i) = rest.find(prefix) {
            let tail = &rest[i + prefix.len()..];
            let path: Vec<String> = tail
                .split("::")
                .map(|s| {
                    s.chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect::<String>()
                })
                .take_while(|s| !s.is_empty())
                .collect();
            let mut full = base.clone();
            full.extend(path);
            while !full.is_empty() && !modules.contains(&full) {
                full.pop();
            }
            if !full.is_empty() && full != me {
                found.insert(full);
            }
            rest = tail;
        }
    }
    found
}

fn parent(me: &[String]) -> Vec<String> {
    me[..me.len().saturating_sub(1)].to_vec()
}

#[test]
fn dependencies_point_down_and_never_in_a_circle() {
    let mut paths = Vec::new();
    files(Path::new(SRC), &mut paths);
    let modules: BTreeSet<Vec<String>> = paths.iter().map(|p| module_of(p)).collect();
    let mut graph: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    let mut wrong = Vec::new();
    for path in &paths {
        let me = module_of(path);
        let text = std::fs::read_to_string(path).unwrap();
        let deps = uses(&text, &me, &modules);
        for dep in &deps {
            let (from, to) = (layer(&me[0]), layer(&dep[0]));
            // A module may use its own parent (`super::`) and what lies below its layer.
            if to > from {
                wrong.push(format!("{} -> {}", me.join("::"), dep.join("::")));
            }
            if dep[0] == "commands" && me[0] != "commands" && me[0] != "lib" {
                wrong.push(format!("{} names commands", me.join("::")));
            }
        }
        graph.insert(me, deps);
    }
    assert!(
        wrong.is_empty(),
        "upward dependencies:\n{}",
        wrong.join("\n")
    );
    // No circle: a depth-first search never meets a module still on its path.
    fn visit(
        m: &Vec<String>,
        graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        path: &mut Vec<Vec<String>>,
        done: &mut BTreeSet<Vec<String>>,
    ) {
        if done.contains(m) {
            return;
        }
        if let Some(at) = path.iter().position(|p| p == m) {
            let circle: Vec<String> = path[at..].iter().map(|p| p.join("::")).collect();
            panic!("import circle: {} -> {}", circle.join(" -> "), m.join("::"));
        }
        path.push(m.clone());
        for dep in graph.get(m).into_iter().flatten() {
            // A parent module names its children (`mod x;`, `pub use`): not a dependency back.
            if dep.len() < m.len() && m.starts_with(dep) {
                continue;
            }
            visit(dep, graph, path, done);
        }
        path.pop();
        done.insert(m.clone());
    }
    let mut done = BTreeSet::new();
    for m in graph.keys() {
        visit(m, &graph, &mut Vec::new(), &mut done);
    }
    assert!(graph.len() > 40, "read {} modules", graph.len());
}

#[test]
fn the_machine_is_touched_in_one_place_each() {
    let mut paths = Vec::new();
    files(Path::new(SRC), &mut paths);
    for (needle, home) in [
        ("Command::new(\"git\")", "io/git.rs"),
        ("reqwest::", "io/http.rs"),
        ("try_lock()", "io/fs.rs"),
        ("keyring::", "io/keychain.rs"),
        ("secret_service::", "io/keychain.rs"),
        ("security_framework::", "io/keychain.rs"),
    ] {
        let places: Vec<String> = paths
            .iter()
            .filter(|p| {
                let text = std::fs::read_to_string(p).unwrap();
                text.contains(needle)
            })
            .map(|p| p.strip_prefix(SRC).unwrap().display().to_string())
            .collect();
        assert_eq!(places, [home], "{needle}");
    }
}
