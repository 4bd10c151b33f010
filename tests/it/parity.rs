//! Differential test: `git-credential-hf token` must print exactly the token that Python's
//! `huggingface_hub.get_token()` returns, over a generated matrix of environments.
//!
//! How it works:
//! 1. Generate the cases (fixed cross products + a seeded random sample): environment variables
//!    (HF_TOKEN, HUGGING_FACE_HUB_TOKEN, HF_HOME, HF_TOKEN_PATH, XDG_CACHE_HOME,
//!    HUGGINGFACE_CO_STAGING) and the state of the token file.
//! 2. Give each case its own folder (temporary HOME, cwd, ...) and plant decoy token files at the
//!    places the case's variables point to, each with its own recognisable token: a binary that
//!    resolves the wrong path then prints a decoy instead of "no token".
//! 3. `tests/parity/driver.py` evaluates every case with the real huggingface_hub: it resolves
//!    HF_TOKEN_PATH, puts the case's token file exactly there, and records get_token().
//! 4. Run our binary on every case with the same environment, cwd and files, and compare.
//!
//! Run with `--nocapture` to see the summary line (`parity: N cases, N agree`).
//! Knobs (for exploring; the defaults are what CI runs): PARITY_SEED / PARITY_RANDOM_CASES
//! change the random part, PARITY_KEEP=1 keeps the case folders, PARITY_BIN=<program> checks
//! another implementation instead of ours (used to check the harness itself).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use crate::support::python::find_python;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_git-credential-hf");
const DRIVER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/driver.py");

/// Fixed so that every run checks the same matrix; a failure is reproducible by its case id.
const DEFAULT_SEED: u64 = 0x6766_6866_7061_7269;
const DEFAULT_RANDOM_CASES: usize = 200;
/// Every Nth case is also evaluated in a brand-new Python interpreter (see driver.py).
const SPAWN_CHECK_EVERY: usize = 40;

// Distinct fake tokens, so a wrong answer says where it came from.
const ENV_TOKEN: &str = "hf_envTokenAAAAAAAAAAAAAAAAAAAAAAAAAA";
const LEGACY_TOKEN: &str = "hf_legacyTokenBBBBBBBBBBBBBBBBBBBBBBB";
const FILE_TOKEN: &str = "hf_fileTokenCCCCCCCCCCCCCCCCCCCCCCCCC";

// ---------------------------------------------------------------------------------------------
// The matrix
// ---------------------------------------------------------------------------------------------

/// What the token file is, at the path Python resolves.
#[derive(Clone)]
enum FileState {
    Absent,
    Bytes(Vec<u8>),
    /// Mode 000: PermissionError in Python, unless the test runs as root (then both read it).
    Unreadable(Vec<u8>),
    /// A symlink to a sibling file holding these bytes.
    Symlink(Vec<u8>),
    /// Reading it fails in Python (IsADirectoryError): both sides must fail, unless an
    /// environment token wins first.
    Directory,
    /// Python treats it as a missing file (FileNotFoundError).
    DanglingSymlink,
}

impl std::fmt::Debug for FileState {
    // Contents as (escaped) text, which is what a reader of a failure wants to see.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileState::Absent => write!(f, "absent"),
            FileState::Bytes(bytes) => match std::str::from_utf8(bytes) {
                Ok(text) => write!(f, "file {text:?}"),
                Err(_) => write!(f, "file with bytes \"{}\"", bytes.escape_ascii()),
            },
            FileState::Unreadable(bytes) => write!(f, "mode 000 file of {} bytes", bytes.len()),
            FileState::Symlink(bytes) => {
                write!(f, "symlink to a file of {} bytes", bytes.len())
            }
            FileState::Directory => write!(f, "a directory"),
            FileState::DanglingSymlink => write!(f, "a dangling symlink"),
        }
    }
}

#[derive(Clone, Debug)]
struct CaseSpec {
    /// Which generator made it and which variants it picked, for the failure report.
    label: String,
    /// Variables on top of the base environment; `{case}` stands for the case folder.
    vars: Vec<(&'static str, String)>,
    file: FileState,
    /// Decoy token files: (path relative to the case folder, token).
    decoys: Vec<(String, String)>,
}

/// A variant of one environment variable: its label, its value (None: unset) and, for path
/// variables, the file (relative to the case folder) a naive reading of it would use: that is
/// where the decoy goes.
struct PathVariant {
    label: &'static str,
    value: Option<&'static str>,
    decoy: Option<&'static str>,
}

const fn pv(
    label: &'static str,
    value: Option<&'static str>,
    decoy: Option<&'static str>,
) -> PathVariant {
    PathVariant {
        label,
        value,
        decoy,
    }
}

// Helper variables every case defines (see materialise): PARITY_VAR is a folder in the case,
// PARITY_TILDE and PARITY_DOLLAR hold text that Python expands a second time only where it
// expands twice (HF_HOME and XDG_CACHE_HOME go through expanduser/expandvars once for HF_HOME
// and again inside the default HF_TOKEN_PATH).
const HF_HOME_VARIANTS: &[PathVariant] = &[
    pv("unset", None, None),
    pv("absolute", Some("{case}/hfhome"), Some("hfhome/token")),
    pv("tilde", Some("~/x"), Some("home/x/token")),
    pv("tilde-only", Some("~"), Some("home/token")),
    pv("var", Some("$PARITY_VAR/x"), Some("var/x/token")),
    pv("var-braces", Some("${PARITY_VAR}/y"), Some("var/y/token")),
    pv("home-var", Some("$HOME/hfx"), Some("home/hfx/token")),
    pv(
        "undefined-var",
        Some("$UNDEFINED_PARITY_VAR/x"),
        Some("cwd/$UNDEFINED_PARITY_VAR/x/token"),
    ),
    pv(
        "undefined-braces",
        Some("${UNDEFINED_PARITY_VAR}/x"),
        Some("cwd/${UNDEFINED_PARITY_VAR}/x/token"),
    ),
    pv(
        "greedy-name",
        Some("$PARITY_VARx/y"),
        Some("cwd/$PARITY_VARx/y/token"),
    ),
    pv(
        "unterminated-brace",
        Some("${PARITY_VAR/x"),
        Some("cwd/${PARITY_VAR/x/token"),
    ),
    pv("lone-dollar", Some("$/x"), Some("cwd/$/x/token")),
    // expanduser only expands a leading "~".
    pv("tilde-inside", Some("in/~/x"), Some("cwd/in/~/x/token")),
    pv("empty", Some(""), Some("cwd/token")),
    pv("relative", Some("rel-home"), Some("cwd/rel-home/token")),
    pv(
        "unknown-user",
        Some("~nosuchuser_parity/x"),
        Some("cwd/~nosuchuser_parity/x/token"),
    ),
    // Expanded twice by Python: "$PARITY_TILDE/x" -> "~/v/x" -> HOME/v/x/token.
    pv(
        "var-to-tilde",
        Some("$PARITY_TILDE/x"),
        Some("cwd/~/v/x/token"),
    ),
    // Expanded twice by Python: "$PARITY_DOLLAR/z" -> "$PARITY_VAR/z" -> var/z/token.
    pv(
        "var-to-var",
        Some("$PARITY_DOLLAR/z"),
        Some("cwd/$PARITY_VAR/z/token"),
    ),
];

const HF_TOKEN_PATH_VARIANTS: &[PathVariant] = &[
    pv("unset", None, None),
    pv("absolute", Some("{case}/tp/token"), Some("tp/token")),
    pv("tilde", Some("~/t"), Some("home/t")),
    // HOME itself, a folder: an error unless the environment wins.
    pv("tilde-only", Some("~"), None),
    pv("var", Some("$PARITY_VAR/t"), Some("var/t")),
    pv("var-braces", Some("${PARITY_VAR}/t2"), Some("var/t2")),
    pv("home-var", Some("$HOME/ht"), Some("home/ht")),
    pv("relative", Some("rel/tok"), Some("cwd/rel/tok")),
    pv("bare-name", Some("tokfile"), Some("cwd/tokfile")),
    pv("dot-slash", Some("./dot/tok"), Some("cwd/dot/tok")),
    pv(
        "undefined-var",
        Some("$UNDEFINED_PARITY_VAR/t"),
        Some("cwd/$UNDEFINED_PARITY_VAR/t"),
    ),
    // Expanded once only (HF_TOKEN_PATH itself): stays relative.
    pv("var-to-tilde", Some("$PARITY_TILDE/t"), Some("cwd/~/v/t")),
    pv(
        "var-to-var",
        Some("$PARITY_DOLLAR/t"),
        Some("cwd/$PARITY_VAR/t"),
    ),
    // Python reads Path("") == "." (the cwd, a folder): an error unless the environment wins.
    pv("empty", Some(""), None),
    // pathlib drops the trailing slash: Python reads the file HOME/tslash.
    pv("trailing-slash", Some("~/tslash/"), Some("home/tslash")),
];

const XDG_CACHE_HOME_VARIANTS: &[PathVariant] = &[
    pv("unset", None, None),
    pv(
        "absolute",
        Some("{case}/xdg"),
        Some("xdg/huggingface/token"),
    ),
    pv("tilde", Some("~/c"), Some("home/c/huggingface/token")),
    pv("empty", Some(""), Some("cwd/huggingface/token")),
    pv(
        "relative",
        Some("rel-xdg"),
        Some("cwd/rel-xdg/huggingface/token"),
    ),
    pv(
        "var",
        Some("$PARITY_VAR/c"),
        Some("var/c/huggingface/token"),
    ),
    pv(
        "var-to-var",
        Some("$PARITY_DOLLAR/c"),
        Some("cwd/$PARITY_VAR/c/huggingface/token"),
    ),
    pv(
        "var-to-tilde",
        Some("$PARITY_TILDE/c"),
        Some("cwd/~/v/c/huggingface/token"),
    ),
];

/// HUGGINGFACE_CO_STAGING: true for 1/ON/YES/TRUE in any case, exactly (no trimming).
const STAGING_VALUES: &[Option<&str>] = &[
    None,
    Some("1"),
    Some("yes"),
    Some("TRUE"),
    Some("On"),
    Some("0"),
    Some("no"),
    Some(""),
    Some(" 1"),
];

/// Values for HF_TOKEN / HUGGING_FACE_HUB_TOKEN, built around `token`.
fn env_token_variants(token: &str) -> Vec<(&'static str, Option<String>)> {
    let (head, tail) = token.split_at(8);
    vec![
        ("unset", None),
        ("empty", Some(String::new())),
        ("blank", Some("  \t ".to_string())),
        ("crlf-around", Some(format!("\r\n{token}\r\n"))),
        ("spaces-around", Some(format!("  {token}  "))),
        ("plain", Some(token.to_string())),
        // Python's str.strip() removes these; \x1c-\x1f are not Rust `char::is_whitespace`.
        (
            "unicode-ws",
            Some(format!("\u{a0}\u{2003}{token}\u{1c}\u{3000}")),
        ),
        (
            "ctrl-ws",
            Some(format!("\u{1f}\u{0b}{token}\u{0c}\u{1e}\u{85}")),
        ),
        // CR and LF are removed everywhere, not only at the ends.
        ("inner-crlf", Some(format!("{head}\r\n{tail}"))),
        ("only-crlf", Some("\r\n".to_string())),
        // Not whitespace for Python: kept.
        ("zero-width-space", Some(format!("\u{200b}{token}"))),
        ("inner-space", Some(format!("{head} {tail}"))),
    ]
}

fn file_variants() -> Vec<(&'static str, FileState)> {
    let t = FILE_TOKEN;
    let (head, tail) = t.split_at(9);
    let text = |s: String| FileState::Bytes(s.into_bytes());
    vec![
        ("absent", FileState::Absent),
        ("empty", text(String::new())),
        ("blank", text(" \t\n".to_string())),
        ("only-crlf", text("\r\n".to_string())),
        ("crlf-around", text(format!("\r\n{t}\r\n"))),
        ("trailing-newline", text(format!("{t}\n"))),
        ("plain", text(t.to_string())),
        ("lone-cr", text(format!("{t}\r"))),
        ("blank-lines", text(format!("\n\n  {t}  \n\n"))),
        ("unicode-ws", text(format!("\u{a0}\u{1c}{t}\u{2003}\n"))),
        ("ctrl-ws", text(format!("\u{1d}\u{0b}{t}\u{0c}\u{1f}\r\n"))),
        ("inner-newline", text(format!("{head}\n{tail}\n"))),
        ("two-lines", text(format!("{t}\nhf_secondLine\n"))),
        // UTF-8 BOM is not whitespace for Python (read_text uses "utf-8", not "utf-8-sig").
        ("bom", text(format!("\u{feff}{t}\n"))),
        ("non-ascii-token", text("hf_fileTokenÉéñ\n".to_string())),
        // UnicodeDecodeError in Python: both must fail (unless the environment wins).
        ("not-utf8", FileState::Bytes(b"hf_\xff\xfeCCCC\n".to_vec())),
        ("latin1", FileState::Bytes(b"hf_caf\xe9\n".to_vec())),
        (
            "unreadable",
            FileState::Unreadable(format!("{t}\n").into_bytes()),
        ),
        (
            "symlink",
            FileState::Symlink(format!(" {t}\r\n").into_bytes()),
        ),
        ("directory", FileState::Directory),
        ("dangling-symlink", FileState::DanglingSymlink),
    ]
}

/// splitmix64: tiny, seedable, good enough to sample a test matrix.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Index 0 (the "unset" variant in every table) with probability `unset_percent`,
    /// otherwise any index.
    fn index_favouring_first(&mut self, len: usize, unset_percent: usize) -> usize {
        if self.below(100) < unset_percent {
            0
        } else {
            self.below(len)
        }
    }
}

/// Builds one case from variant choices; the decoys follow from the path variants.
#[derive(Default)]
struct CaseBuilder {
    labels: Vec<String>,
    vars: Vec<(&'static str, String)>,
    decoys: Vec<(String, String)>,
}

impl CaseBuilder {
    fn new(generator: &str) -> Self {
        CaseBuilder {
            labels: vec![generator.to_string()],
            ..Default::default()
        }
    }

    fn env_token(mut self, name: &'static str, variant: &(&'static str, Option<String>)) -> Self {
        self.labels.push(format!("{name}={}", variant.0));
        if let Some(value) = &variant.1 {
            self.vars.push((name, value.clone()));
        }
        self
    }

    fn path_var(mut self, name: &'static str, variant: &PathVariant) -> Self {
        self.labels.push(format!("{name}={}", variant.label));
        if let Some(value) = variant.value {
            self.vars.push((name, value.to_string()));
        }
        if let Some(decoy) = variant.decoy {
            let token = format!("hf_decoy_{name}_{}", variant.label.replace('-', "_"));
            self.decoys.push((decoy.to_string(), token));
        }
        self
    }

    fn staging(mut self, value: Option<&str>) -> Self {
        if let Some(value) = value {
            self.labels
                .push(format!("HUGGINGFACE_CO_STAGING={value:?}"));
            self.vars
                .push(("HUGGINGFACE_CO_STAGING", value.to_string()));
        }
        self
    }

    fn file(mut self, variant: &(&'static str, FileState)) -> CaseSpec {
        self.labels.push(format!("file={}", variant.0));
        // The default locations always hold decoys: a binary that ignores the variables (or
        // staging mode) reads one of them. Python's own path, if it is one of these, is
        // overwritten with the case's file by the driver.
        let defaults = [
            ("home/.cache/huggingface/token", "hf_decoy_default_home"),
            ("home/.cache/huggingface_staging/token", "hf_decoy_staging"),
            ("cwd/token", "hf_decoy_cwd"),
        ];
        let mut decoys: Vec<(String, String)> = defaults
            .iter()
            .map(|(path, token)| (path.to_string(), token.to_string()))
            .collect();
        decoys.extend(self.decoys);
        CaseSpec {
            label: self.labels.join(" "),
            vars: self.vars,
            file: variant.1.clone(),
            decoys,
        }
    }
}

fn generate_cases(seed: u64, random_cases: usize) -> Vec<CaseSpec> {
    let hf_token = env_token_variants(ENV_TOKEN);
    let legacy = env_token_variants(LEGACY_TOKEN);
    let files = file_variants();
    let unset_path = &HF_HOME_VARIANTS[0];
    let mut rng = Rng(seed);
    let mut cases = Vec::new();

    // 1. Every HF_TOKEN x HUGGING_FACE_HUB_TOKEN pair (precedence and cleaning), any file.
    for a in &hf_token {
        for b in &legacy {
            let file = &files[rng.below(files.len())];
            cases.push(
                CaseBuilder::new("env-pair")
                    .env_token("HF_TOKEN", a)
                    .env_token("HUGGING_FACE_HUB_TOKEN", b)
                    .file(file),
            );
        }
    }

    // 2. Every file state, with no env token, a blank one, and an empty one falling through.
    let env_fronts: [(&str, Option<&str>, Option<&str>); 3] = [
        ("unset", None, None),
        ("blank", Some("  \t "), None),
        ("empty", Some(""), Some(LEGACY_TOKEN)),
    ];
    for file in &files {
        for (label, hf, hub) in env_fronts {
            let mut case =
                CaseBuilder::new("file").env_token("HF_TOKEN", &(label, hf.map(str::to_string)));
            if let Some(hub) = hub {
                case = case.env_token("HUGGING_FACE_HUB_TOKEN", &("plain", Some(hub.to_string())));
            }
            cases.push(case.file(file));
        }
    }

    // 3. Every HF_HOME x XDG_CACHE_HOME pair (default token path), a readable file.
    let readable = |rng: &mut Rng| loop {
        let file = &files[rng.below(files.len())];
        if matches!(file.1, FileState::Bytes(_)) && !file.0.starts_with("not") {
            return file;
        }
    };
    for home in HF_HOME_VARIANTS {
        for xdg in XDG_CACHE_HOME_VARIANTS {
            let file = readable(&mut rng);
            cases.push(
                CaseBuilder::new("home")
                    .path_var("HF_HOME", home)
                    .path_var("XDG_CACHE_HOME", xdg)
                    .file(file),
            );
        }
    }

    // 4. Every HF_TOKEN_PATH with three HF_HOME settings.
    for token_path in HF_TOKEN_PATH_VARIANTS {
        for home in [unset_path, &HF_HOME_VARIANTS[1], &HF_HOME_VARIANTS[2]] {
            let file = readable(&mut rng);
            cases.push(
                CaseBuilder::new("token-path")
                    .path_var("HF_HOME", home)
                    .path_var("HF_TOKEN_PATH", token_path)
                    .file(file),
            );
        }
    }

    // 5. Staging mode overrides HF_HOME and HF_TOKEN_PATH for the token path.
    for staging in STAGING_VALUES {
        for token_path in [&HF_TOKEN_PATH_VARIANTS[0], &HF_TOKEN_PATH_VARIANTS[1]] {
            let file = readable(&mut rng);
            cases.push(
                CaseBuilder::new("staging")
                    .path_var("HF_HOME", &HF_HOME_VARIANTS[2])
                    .path_var("HF_TOKEN_PATH", token_path)
                    .staging(*staging)
                    .file(file),
            );
        }
    }

    // 6. Random combinations of everything; env tokens and staging mostly unset so that the
    //    path resolution decides most answers.
    for _ in 0..random_cases {
        let a = &hf_token[rng.index_favouring_first(hf_token.len(), 60)];
        let b = &legacy[rng.index_favouring_first(legacy.len(), 60)];
        let home = &HF_HOME_VARIANTS[rng.index_favouring_first(HF_HOME_VARIANTS.len(), 30)];
        let token_path =
            &HF_TOKEN_PATH_VARIANTS[rng.index_favouring_first(HF_TOKEN_PATH_VARIANTS.len(), 50)];
        let xdg =
            &XDG_CACHE_HOME_VARIANTS[rng.index_favouring_first(XDG_CACHE_HOME_VARIANTS.len(), 50)];
        let staging = STAGING_VALUES[rng.index_favouring_first(STAGING_VALUES.len(), 80)];
        let file = &files[rng.below(files.len())];
        cases.push(
            CaseBuilder::new("random")
                .env_token("HF_TOKEN", a)
                .env_token("HUGGING_FACE_HUB_TOKEN", b)
                .path_var("HF_HOME", home)
                .path_var("HF_TOKEN_PATH", token_path)
                .path_var("XDG_CACHE_HOME", xdg)
                .staging(staging)
                .file(file),
        );
    }
    cases
}

// ---------------------------------------------------------------------------------------------
// Materialising cases on disk
// ---------------------------------------------------------------------------------------------

/// A case laid out in its own folder, with the exact environment both sides get.
struct Case {
    id: usize,
    spec: CaseSpec,
    root: PathBuf,
    cwd: PathBuf,
    env: BTreeMap<String, String>,
}

fn path_str(path: &Path) -> String {
    path.to_str()
        .expect("temporary folder paths are UTF-8")
        .to_string()
}

fn materialise(id: usize, spec: CaseSpec, base: &Path, path_var: &str) -> Case {
    let root = base.join(format!("c{id:03}"));
    let home = root.join("home");
    let cwd = root.join("cwd");
    for dir in [&home, &cwd, &root.join("var")] {
        fs::create_dir_all(dir).expect("create case folder");
    }
    let root_str = path_str(&root);

    // Fully cleared environment: only these, then the case's variables.
    let mut env = BTreeMap::new();
    env.insert("PATH".to_string(), path_var.to_string());
    env.insert("HOME".to_string(), path_str(&home));
    env.insert("LANG".to_string(), "C.UTF-8".to_string());
    env.insert("HF_HUB_OFFLINE".to_string(), "1".to_string());
    env.insert("PARITY_VAR".to_string(), format!("{root_str}/var"));
    env.insert("PARITY_TILDE".to_string(), "~/v".to_string());
    env.insert("PARITY_DOLLAR".to_string(), "$PARITY_VAR".to_string());
    for (name, value) in &spec.vars {
        env.insert(name.to_string(), value.replace("{case}", &root_str));
    }

    for (relative, token) in &spec.decoys {
        assert!(
            !relative.contains(".."),
            "decoy outside the case: {relative}"
        );
        let path = root.join(relative);
        fs::create_dir_all(path.parent().unwrap()).expect("create decoy folder");
        fs::write(&path, format!("{token}\n")).expect("write decoy");
    }

    Case {
        id,
        spec,
        root,
        cwd,
        env,
    }
}

fn case_json(case: &Case) -> Value {
    let file = match &case.spec.file {
        FileState::Absent => json!({"kind": "absent"}),
        FileState::Bytes(bytes) => json!({"kind": "bytes", "hex": hex(bytes)}),
        FileState::Unreadable(bytes) => json!({"kind": "unreadable", "hex": hex(bytes)}),
        FileState::Symlink(bytes) => json!({"kind": "symlink", "hex": hex(bytes)}),
        FileState::Directory => json!({"kind": "dir"}),
        FileState::DanglingSymlink => json!({"kind": "dangling"}),
    };
    json!({
        "id": case.id,
        "root": path_str(&case.root),
        "cwd": path_str(&case.cwd),
        "home": case.env["HOME"],
        "env": case.env,
        "file": file,
        "spawn_check": case.id.is_multiple_of(SPAWN_CHECK_EVERY),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// ---------------------------------------------------------------------------------------------
// Python
// ---------------------------------------------------------------------------------------------

// find_python: tests/it/support/python.rs.

/// What huggingface_hub said for one case.
#[derive(Debug)]
struct PythonAnswer {
    token_path: String,
    setup: String,
    /// Some(token), or None for "no token".
    token: Option<String>,
    /// Python raised: our binary must fail too.
    error: Option<String>,
}

fn run_driver(python: &Path, cases: &[Case], scratch: &Path) -> (Vec<PythonAnswer>, String) {
    let cases_file = scratch.join("cases.json");
    let results_file = scratch.join("results.json");
    let driver_home = scratch.join("driver-home");
    fs::create_dir_all(&driver_home).unwrap();
    let all: Vec<Value> = cases.iter().map(case_json).collect();
    fs::write(&cases_file, serde_json::to_vec(&all).unwrap()).unwrap();

    let output = Command::new(python)
        .arg(DRIVER)
        .arg("run")
        .arg(&cases_file)
        .arg(&results_file)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &driver_home)
        .env("LANG", "C.UTF-8")
        .env("HF_HUB_OFFLINE", "1")
        .current_dir(scratch)
        .stdin(Stdio::null())
        .output()
        .expect("run tests/parity/driver.py");
    assert!(
        output.status.success(),
        "driver.py failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );

    let results: Vec<Value> =
        serde_json::from_slice(&fs::read(&results_file).expect("read driver results"))
            .expect("driver results are JSON");
    assert_eq!(results.len(), cases.len(), "driver answered every case");
    let mut version = String::new();
    let answers = results
        .into_iter()
        .zip(cases)
        .map(|(result, case)| {
            assert_eq!(result["id"].as_u64(), Some(case.id as u64), "driver order");
            if let Some(harness) = result["harness_error"].as_str() {
                panic!(
                    "driver could not evaluate case {}:\n{}\n{harness}",
                    case.id,
                    describe_case(case)
                );
            }
            version = result["hf_version"].as_str().unwrap_or("?").to_string();
            let text = |key: &str| result[key].as_str().map(str::to_string);
            PythonAnswer {
                token_path: text("token_path").unwrap_or_default(),
                setup: text("setup").unwrap_or_default(),
                token: text("token"),
                error: text("error"),
            }
        })
        .collect();
    (answers, version)
}

// ---------------------------------------------------------------------------------------------
// Our binary and the comparison
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct OurAnswer {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

fn run_ours(case: &Case, binary: &Path) -> OurAnswer {
    let output = Command::new(binary)
        .arg("token")
        .env_clear()
        .envs(&case.env)
        .current_dir(&case.cwd)
        .stdin(Stdio::null())
        .output()
        .expect("run git-credential-hf token");
    OurAnswer {
        code: output.status.code(),
        stdout: output.stdout,
        stderr: output.stderr,
    }
}

/// Runs our binary on every case, a few at a time.
fn run_all_ours(cases: &[Case], binary: &Path) -> Vec<OurAnswer> {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get() * 2);
    let next = AtomicUsize::new(0);
    let answers: Mutex<Vec<Option<OurAnswer>>> =
        Mutex::new((0..cases.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(case) = cases.get(index) else { break };
                    let answer = run_ours(case, binary);
                    answers.lock().unwrap()[index] = Some(answer);
                }
            });
        }
    });
    answers
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|answer| answer.expect("every case ran"))
        .collect()
}

/// None when our answer matches Python's, else why not.
fn disagreement(python: &PythonAnswer, ours: &OurAnswer) -> Option<String> {
    let stderr = String::from_utf8_lossy(&ours.stderr);
    match (&python.error, &python.token) {
        (Some(_), _) => {
            let ok = ours.code == Some(1)
                && ours.stdout.is_empty()
                && stderr.starts_with("git-credential-hf: error:");
            (!ok).then(|| {
                "Python raised: expected exit 1, empty stdout, stderr starting \
                 `git-credential-hf: error:`"
                    .to_string()
            })
        }
        (None, Some(token)) => {
            let expected = format!("{token}\n");
            let ok = ours.code == Some(0) && ours.stdout == expected.as_bytes();
            (!ok).then(|| format!("expected exit 0 and stdout {expected:?}"))
        }
        (None, None) => {
            let ok = ours.code == Some(1) && ours.stdout.is_empty() && !ours.stderr.is_empty();
            (!ok).then(|| "Python has no token: expected exit 1, empty stdout, a message".into())
        }
    }
}

fn describe_case(case: &Case) -> String {
    let mut out = format!("case {} [{}]\n", case.id, case.spec.label);
    out += &format!("  cwd: {}\n  env:\n", case.cwd.display());
    for (name, value) in &case.env {
        out += &format!("    {name}={value:?}\n");
    }
    out += &format!("  token file state: {:?}\n", case.spec.file);
    out += "  files in the case folder:\n";
    list_files(&case.root, &case.root, &mut out);
    out
}

fn list_files(root: &Path, dir: &Path, out: &mut String) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let shown = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .display()
            .to_string();
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.file_type().is_symlink() {
            let target = fs::read_link(&path).unwrap_or_default();
            *out += &format!("    {shown} -> {}\n", target.display());
        } else if meta.is_dir() {
            *out += &format!("    {shown}/\n");
            list_files(root, &path, out);
        } else {
            let shown_content = match fs::read(&path) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => format!("{text:?}"),
                    Err(err) => format!("bytes \"{}\"", err.as_bytes().escape_ascii()),
                },
                Err(err) => format!("({err})"),
            };
            *out += &format!("    {shown}: {shown_content}\n");
        }
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// The case folders hold ~10,000 small files and folders. On tmpfs (/dev/shm) making and
/// deleting them takes under a second; on an ext4 disk mounted with `discard`, under load, the
/// deletion alone took 20 s. So prefer /dev/shm, else the usual temporary folder.
fn scratch_dir() -> tempfile::TempDir {
    let builder = || {
        let mut builder = tempfile::Builder::new();
        builder.prefix("gchf-parity");
        builder
    };
    builder()
        .tempdir_in("/dev/shm")
        .or_else(|_| builder().tempdir())
        .expect("create a temporary folder")
}

#[test]
fn token_matches_huggingface_hub_get_token() {
    let started = Instant::now();
    let scratch = scratch_dir();
    // PARITY_KEEP=1 leaves the case folders (and cases.json for driver.py) for inspection.
    if std::env::var_os("PARITY_KEEP").is_some() {
        eprintln!("parity: keeping {}", scratch.path().display());
    }
    let python = find_python(scratch.path());

    let seed = env_or("PARITY_SEED", DEFAULT_SEED);
    let random_cases = env_or("PARITY_RANDOM_CASES", DEFAULT_RANDOM_CASES);
    let path_var: OsString = std::env::var_os("PATH").unwrap_or_default();
    let path_var = path_var.to_string_lossy().into_owned();
    let cases_dir = scratch.path().join("cases");
    let cases: Vec<Case> = generate_cases(seed, random_cases)
        .into_iter()
        .enumerate()
        .map(|(id, spec)| materialise(id, spec, &cases_dir, &path_var))
        .collect();
    assert!(cases.len() >= 300, "the matrix has at least 300 cases");

    // Python first: the driver puts each token file in place before anyone reads it.
    let python_started = Instant::now();
    let (expected, hf_version) = run_driver(&python, &cases, scratch.path());
    let python_secs = python_started.elapsed().as_secs_f64();
    // PARITY_BIN: check the harness itself against another implementation.
    let binary = std::env::var_os("PARITY_BIN").map_or_else(|| PathBuf::from(BIN), PathBuf::from);
    let ours_started = Instant::now();
    let actual = run_all_ours(&cases, &binary);
    let ours_secs = ours_started.elapsed().as_secs_f64();

    let mut failures = Vec::new();
    for ((case, python), ours) in cases.iter().zip(&expected).zip(&actual) {
        if let Some(reason) = disagreement(python, ours) {
            let label = format!("case {} [{}]", case.id, case.spec.label);
            failures.push((label, format!(
                "{}  python resolved HF_TOKEN_PATH: {:?} ({})\n  python: token={:?} error={:?}\n  \
                 ours: exit={:?} stdout={:?} stderr={:?}\n  => {reason}\n",
                describe_case(case),
                python.token_path,
                python.setup,
                python.token,
                python.error,
                ours.code,
                String::from_utf8_lossy(&ours.stdout),
                String::from_utf8_lossy(&ours.stderr),
            )));
        }
    }

    if std::env::var_os("PARITY_KEEP").is_some() {
        let _ = scratch.keep();
    }
    let agree = cases.len() - failures.len();
    println!(
        "parity: {} cases, {agree} agree (huggingface_hub {hf_version} via {}, seed {seed:#x}; \
         python {python_secs:.1} s, ours {ours_secs:.1} s, total {:.1} s)",
        cases.len(),
        python.display(),
        started.elapsed().as_secs_f64(),
    );
    if !failures.is_empty() {
        // The first few in full, then the labels of all of them.
        for (_, failure) in failures.iter().take(15) {
            eprintln!("{failure}");
        }
        eprintln!("all disagreeing cases:");
        for (label, _) in &failures {
            eprintln!("  {label}");
        }
        panic!(
            "{} of {} cases disagree with huggingface_hub.get_token()",
            failures.len(),
            cases.len()
        );
    }
}
