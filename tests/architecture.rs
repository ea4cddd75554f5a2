//! The shape of the house, checked: the core (model, strategy, sim, detect,
//! report, engine) imports no terminal, async runtime or Kafka
//! client and no adapter (source, tui, cli); the TUI runs no rule,
//! simulation or detector itself but asks the engine. Scans `src/` as text
//! (comments skipped), so it fails on the line that breaks the rule.
//! Function lengths (issue 13: at most 120 lines outside tests) are read
//! from the source parsed with `syn`, and fail naming file:line, function
//! and length. Every file opens with a `//!` header saying what it owns; the
//! TUI's say what they must not do.

use std::path::{Path, PathBuf};

/// Core modules: a folder under `src/` or a file `src/NAME.rs`.
const CORE: [&str; 6] = ["model", "strategy", "sim", "detect", "report", "engine"];

/// Crates the core must not use.
const FORBIDDEN_CRATES: [&str; 5] = ["ratatui", "crossterm", "tokio", "rdkafka", "futures"];

/// Adapters the core must not reach into.
const FORBIDDEN_MODULES: [&str; 3] = ["crate::source", "crate::tui", "crate::cli"];

/// What the TUI must get from the engine rather than run itself.
const ENGINE_ONLY: [&str; 9] = [
    "Runner",
    "Rule",
    "rule_for",
    "simulate",
    "Detector",
    "advise",
    "intended_runner",
    "intended_order",
    "run_pass",
];

/// Known exceptions, each with the work that removes it. None left: the
/// record parser moved from `source/recording.rs` into `model::line`.
const KNOWN: [(&str, &str); 0] = [];

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rel(p: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    p.strip_prefix(root)
        .unwrap_or(p)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The code of a line: what comes before a `//` comment (a `//` inside a
/// string literal ends the code early, which only makes the scan miss text
/// in strings, never report it).
fn code(line: &str) -> &str {
    match line.find("//") {
        Some(i) => &line[..i],
        None => line,
    }
}

/// Whether `word` occurs in `text` as a whole identifier (or path start).
fn has_word(text: &str, word: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut from = 0;
    while let Some(i) = text[from..].find(word) {
        let at = from + i;
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        if !before.is_some_and(ident) && !after.is_some_and(ident) {
            return true;
        }
        from = at + word.len();
    }
    false
}

/// Lines of `files` that contain one of `needles` (as words), minus the
/// known exceptions: "file:line: text".
fn offending(files: &[PathBuf], needles: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let name = rel(f);
        for (n, line) in text.lines().enumerate() {
            let c = code(line);
            for needle in needles {
                if has_word(c, needle)
                    && !KNOWN.iter().any(|(kf, kt)| *kf == name && c.contains(kt))
                {
                    out.push(format!("{name}:{}: {}", n + 1, line.trim()));
                }
            }
        }
    }
    out
}

fn core_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for m in CORE {
        let dir = src().join(m);
        if dir.is_dir() {
            rs_files(&dir, &mut files);
        }
        let file = src().join(format!("{m}.rs"));
        if file.is_file() {
            files.push(file);
        }
    }
    files
}

#[test]
fn the_scan_sees_the_core_and_catches_what_it_looks_for() {
    let files = core_files();
    let names: Vec<String> = files.iter().map(|f| rel(f)).collect();
    for must in [
        "src/engine/mod.rs",
        "src/strategy/runner.rs",
        "src/sim/mod.rs",
        "src/model/partition.rs",
    ] {
        assert!(names.iter().any(|n| n == must), "{must} not scanned");
    }
    // The matcher itself: whole words, code only.
    assert!(has_word("use tokio::sync;", "tokio"));
    assert!(!has_word("use tokio_util::x;", "tokio"));
    assert!(has_word("use crate::source::x;", "crate::source"));
    assert!(!has_word("crate::sources", "crate::source"));
    assert!(!has_word(code("let a = 1; // tokio::spawn"), "tokio"));
    assert!(!has_word("simulated", "simulate"));
}

#[test]
fn the_core_imports_no_terminal_runtime_kafka_or_adapter() {
    let files = core_files();
    let mut bad = offending(&files, &FORBIDDEN_CRATES);
    bad.extend(offending(&files, &FORBIDDEN_MODULES));
    assert!(
        bad.is_empty(),
        "the core must stay pure (no ratatui, crossterm, tokio, rdkafka, futures, \
         crate::source, crate::tui, crate::cli):\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_tui_asks_the_engine() {
    let mut files = Vec::new();
    rs_files(&src().join("tui"), &mut files);
    assert!(files.len() > 5, "src/tui not found");
    let bad = offending(&files, &ENGINE_ONLY);
    assert!(
        bad.is_empty(),
        "the TUI runs rules, the simulation or detectors only through crate::engine:\n{}",
        bad.join("\n")
    );
}

#[test]
fn every_engine_module_says_what_it_owns() {
    let mut files = Vec::new();
    rs_files(&src().join("engine"), &mut files);
    assert!(!files.is_empty());
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        assert!(
            text.trim_start().starts_with("//!"),
            "{} must open with a //! line saying what it owns",
            rel(&f)
        );
        assert!(
            text.to_lowercase().contains("must not"),
            "{} must say what it must not touch",
            rel(&f)
        );
    }
}

#[test]
fn tui_state_never_imports_the_views() {
    // State, actions, input and layout: everything under src/tui but `ui/`
    // (the views), `run.rs` (which owns the terminal and calls draw) and
    // `mod.rs` (which declares the modules).
    let mut files = Vec::new();
    rs_files(&src().join("tui"), &mut files);
    files.retain(|f| {
        let n = rel(f);
        !n.starts_with("src/tui/ui/") && n != "src/tui/run.rs" && n != "src/tui/mod.rs"
    });
    let names: Vec<String> = files.iter().map(|f| rel(f)).collect();
    for must in ["src/tui/app.rs", "src/tui/layout.rs", "src/tui/keys.rs"] {
        assert!(names.iter().any(|n| n == must), "{must} not scanned");
    }
    let bad = offending(&files, &["ui"]);
    assert!(
        bad.is_empty(),
        "TUI state reads geometry from crate::tui::layout, never the views:\n{}",
        bad.join("\n")
    );
}

/// The longest a function outside tests may be, in lines from `fn` to its
/// closing brace (issue 13).
const MAX_FN_LINES: usize = 120;

/// One function's length: where it starts and how many lines it spans.
#[derive(Debug)]
struct FnLength {
    file: String,
    line: usize,
    /// `name` for a free function, `Type::name` for a method.
    name: String,
    lines: usize,
}

/// Whether an item is test-only: `#[test]` (or `#[tokio::test]`) or
/// `#[cfg(test)]`.
fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let path = a.path();
        path.segments.last().is_some_and(|s| s.ident == "test")
            || (path.is_ident("cfg") && a.parse_args::<syn::Ident>().is_ok_and(|i| i == "test"))
    })
}

/// Collects the length of every function of one file outside tests, and the
/// names of its out-of-line `#[cfg(test)] mod NAME;` modules.
struct Lengths {
    file: String,
    owner: Option<String>,
    found: Vec<FnLength>,
    test_mods: Vec<String>,
}

impl Lengths {
    fn add(&mut self, sig: &syn::Signature, block: &syn::Block) {
        let line = sig.fn_token.span.start().line;
        let end = block.brace_token.span.close().end().line;
        let name = match &self.owner {
            Some(owner) => format!("{owner}::{}", sig.ident),
            None => sig.ident.to_string(),
        };
        self.found.push(FnLength {
            file: self.file.clone(),
            line,
            name,
            lines: end + 1 - line,
        });
    }

    fn with_owner(&mut self, owner: Option<String>, visit: impl FnOnce(&mut Self)) {
        let outer = std::mem::replace(&mut self.owner, owner);
        visit(self);
        self.owner = outer;
    }
}

impl<'ast> syn::visit::Visit<'ast> for Lengths {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if is_test(&m.attrs) {
            if m.content.is_none() {
                self.test_mods.push(m.ident.to_string());
            }
            return;
        }
        syn::visit::visit_item_mod(self, m);
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if is_test(&f.attrs) {
            return;
        }
        self.add(&f.sig, &f.block);
        // A function nested in a method belongs to no type.
        self.with_owner(None, |v| syn::visit::visit_item_fn(v, f));
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        if is_test(&i.attrs) {
            return;
        }
        let owner = match &*i.self_ty {
            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        };
        self.with_owner(Some(owner.unwrap_or_else(|| "_".into())), |v| {
            syn::visit::visit_item_impl(v, i)
        });
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if is_test(&f.attrs) {
            return;
        }
        self.add(&f.sig, &f.block);
        syn::visit::visit_impl_item_fn(self, f);
    }

    fn visit_item_trait(&mut self, t: &'ast syn::ItemTrait) {
        if is_test(&t.attrs) {
            return;
        }
        self.with_owner(Some(t.ident.to_string()), |v| {
            syn::visit::visit_item_trait(v, t)
        });
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if is_test(&f.attrs) {
            return;
        }
        if let Some(block) = &f.default {
            self.add(&f.sig, block);
        }
        syn::visit::visit_trait_item_fn(self, f);
    }
}

/// Parses `text` (the file `file`) and measures its functions outside tests.
fn measure(file: &str, text: &str) -> Lengths {
    let ast = syn::parse_file(text).unwrap_or_else(|e| panic!("{file}: {e}"));
    let mut lengths = Lengths {
        file: file.to_string(),
        owner: None,
        found: Vec::new(),
        test_mods: Vec::new(),
    };
    syn::visit::Visit::visit_file(&mut lengths, &ast);
    lengths
}

/// The files an out-of-line `mod NAME;` in `parent` may live in.
fn child_files(parent: &Path, name: &str) -> [PathBuf; 2] {
    let stem = parent.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let dir = match stem {
        "mod" | "lib" | "main" => parent.with_file_name(""),
        _ => parent.with_extension(""),
    };
    [
        dir.join(format!("{name}.rs")),
        dir.join(name).join("mod.rs"),
    ]
}

/// Every function in `src/` outside tests (`#[test]`, `#[cfg(test)]` items
/// and modules, inline or in their own file).
fn fn_lengths() -> Vec<FnLength> {
    let mut files = Vec::new();
    rs_files(&src(), &mut files);
    files.sort();
    let mut measured = Vec::new();
    let mut test_files = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        let lengths = measure(&rel(f), &text);
        for m in &lengths.test_mods {
            test_files.extend(child_files(f, m));
        }
        measured.push((f.clone(), lengths.found));
    }
    measured
        .into_iter()
        .filter(|(f, _)| !test_files.contains(f))
        .flat_map(|(_, found)| found)
        .collect()
}

#[test]
fn the_length_check_measures_what_it_should() {
    let text = "\
fn short() {
    let a = 1;
}
struct S;
impl S {
    #[inline]
    pub fn method(&self) {}
}
#[test]
fn a_test() {}
#[cfg(test)]
mod tests {
    fn helper() {}
}
#[cfg(test)]
mod seed_tests;
";
    let m = measure("x.rs", text);
    let got: Vec<(String, usize, usize)> = m
        .found
        .iter()
        .map(|f| (f.name.clone(), f.line, f.lines))
        .collect();
    assert_eq!(
        got,
        [("short".to_string(), 1, 3), ("S::method".to_string(), 7, 1)]
    );
    assert_eq!(m.test_mods, ["seed_tests"]);
    let attrs = |src: &str| -> Vec<syn::Attribute> {
        let f: syn::ItemFn = syn::parse_str(&format!("{src} fn f() {{}}")).unwrap();
        f.attrs
    };
    assert!(is_test(&attrs("#[tokio::test]")));
    assert!(!is_test(&attrs("#[cfg(not(test))]")));
    assert!(!is_test(&attrs("#[cfg(unix)]")));
    let seeds = child_files(&src().join("strategy/mod.rs"), "seed_tests");
    assert_eq!(seeds[0], src().join("strategy/seed_tests.rs"));
    let all = fn_lengths();
    assert!(all.iter().any(|f| f.file == "src/tui/run.rs"));
    assert!(!all.iter().any(|f| f.file == "src/strategy/seed_tests.rs"));
}

#[test]
fn no_function_is_longer_than_the_limit() {
    let too_long: Vec<String> = fn_lengths()
        .iter()
        .filter(|f| f.lines > MAX_FN_LINES)
        .map(|f| format!("{}:{} {} is {} lines", f.file, f.line, f.name, f.lines))
        .collect();
    assert!(
        too_long.is_empty(),
        "no function outside tests may be longer than {MAX_FN_LINES} lines; split these:\n{}",
        too_long.join("\n")
    );
}

/// The module header of a file: its leading `//!` lines, as one line of text.
fn header(text: &str) -> String {
    text.lines()
        .map_while(|l| l.strip_prefix("//!"))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn every_module_opens_with_what_it_owns() {
    let mut files = Vec::new();
    rs_files(&src(), &mut files);
    files.sort();
    assert!(files.len() > 50, "src/ not found");
    let missing: Vec<String> = files
        .iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            !text.lines().next().is_some_and(|l| l.starts_with("//!"))
        })
        .map(|f| rel(f))
        .collect();
    assert!(
        missing.is_empty(),
        "every file in src/ must open with a //! comment saying what the module owns \
         and what it must not touch:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_tui_module_says_what_it_must_not_do() {
    let mut files = Vec::new();
    rs_files(&src().join("tui"), &mut files);
    files.sort();
    assert!(files.len() > 20, "src/tui not found");
    let mut bad = Vec::new();
    for f in &files {
        let name = rel(f);
        let h = header(&std::fs::read_to_string(f).unwrap_or_default());
        let says = h.to_lowercase().contains("must not");
        if name.starts_with("src/tui/ui/") && !h.contains("Draws only; must not change state") {
            bad.push(format!(
                "{name}: a view's header must say \"Draws only; must not change state\""
            ));
        } else if !says {
            bad.push(format!(
                "{name}: the header must say what the module must not do"
            ));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
