//! install/install.sh run for real (with `sh`, which is dash on Debian: POSIX only) into a
//! temporary PREFIX and HOME, with the built binary (`--binary`) instead of a release build.

use crate::support;
use crate::support::{BIN, Out, TestEnv};
use std::path::{Path, PathBuf};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/install/install.sh");
const COMMITTED_PAGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/man/git-credential-hf.1");

struct Installed {
    env: TestEnv,
    prefix: PathBuf,
}

impl Installed {
    fn new() -> Installed {
        let env = TestEnv::new();
        let prefix = env.scratch("prefix");
        Installed { env, prefix }
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.prefix.join(rel)
    }

    fn bin(&self) -> PathBuf {
        self.p("bin/git-credential-hf")
    }

    /// `sh install/install.sh --prefix PREFIX --binary BIN ARGS...`, PATH as the test's.
    fn script(&self, args: &[&str]) -> support::TestCmd {
        let prefix = self.prefix.to_str().unwrap();
        let mut all = vec![SCRIPT, "--prefix", prefix, "--binary", BIN];
        all.extend_from_slice(args);
        self.env.program("sh", &all)
    }

    fn install(&self, args: &[&str]) -> Out {
        self.script(args).run().ok()
    }

    /// Every value of `credential.<url>.helper` in the global config.
    fn helpers(&self, url: &str) -> Vec<String> {
        let out = self
            .env
            .git(&[
                "config",
                "--global",
                "--get-all",
                &format!("credential.{url}.helper"),
            ])
            .run();
        out.stdout.lines().map(str::to_string).collect()
    }

    fn files(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() && !path.is_symlink() {
                    walk(&path, found);
                } else {
                    found.push(path);
                }
            }
        }
        let mut found = Vec::new();
        walk(&self.prefix, &mut found);
        found.sort();
        found
    }
}

const INSTALLED: &[&str] = &[
    "bin/git-credential-hf",
    "share/bash-completion/completions/git-credential-hf",
    "share/fish/vendor_completions.d/git-credential-hf.fish",
    "share/man/man1/git-credential-hf.1",
    "share/zsh/site-functions/_git-credential-hf",
];

#[test]
fn install_sets_up_everything_and_uninstall_takes_it_all_out() {
    let it = Installed::new();
    let out = it.install(&[]);
    out.stderr_has(&format!(
        "warning: {} is not on PATH",
        it.p("bin").display()
    ));
    let expected: Vec<PathBuf> = INSTALLED.iter().map(|r| it.p(r)).collect();
    assert_eq!(it.files(), expected);

    // The binary runs, and is the one built.
    let version = it
        .env
        .program(it.bin().to_str().unwrap(), &["--version"])
        .run()
        .ok();
    version.stdout_is(&format!(
        "git-credential-hf {}\n",
        env!("CARGO_PKG_VERSION")
    ));
    assert_eq!(
        std::fs::read(it.bin()).unwrap(),
        std::fs::read(BIN).unwrap()
    );

    // The man page is the committed one, and man renders it without a warning.
    let page = it.p("share/man/man1/git-credential-hf.1");
    assert_eq!(
        std::fs::read(&page).unwrap(),
        std::fs::read(COMMITTED_PAGE).unwrap()
    );
    // None: skipped, and said so.
    if let Some(warnings) = it.env.man_warnings(&page) {
        assert_eq!(warnings, "", "man warns about the installed page");
    }

    // The completions are the binary's, and bash parses and runs its own.
    for (shell, rel) in [
        ("bash", INSTALLED[1]),
        ("fish", INSTALLED[2]),
        ("zsh", INSTALLED[4]),
    ] {
        let generated = it.env.cmd(&["completions", shell]).run().ok().stdout;
        assert_eq!(
            std::fs::read_to_string(it.p(rel)).unwrap(),
            generated,
            "{shell}"
        );
    }
    let bash_completion = it.p(INSTALLED[1]);
    let bash_completion = bash_completion.to_str().unwrap();
    it.env.program("bash", &["-n", bash_completion]).run().ok();
    assert_eq!(complete(&it.env, bash_completion, &["se"]), "setup");
    assert_eq!(
        complete(&it.env, bash_completion, &["setup", "--rem"]),
        "--remove"
    );
    assert!(complete(&it.env, bash_completion, &["completions", "z"]).contains("zsh"));

    // git asks the installed helper for the Hub, first; no other URL.
    let bin = it.bin().to_str().unwrap().to_string();
    let helper_for = |url: &str| {
        it.env
            .git(&[
                "config",
                "--global",
                "--get-urlmatch",
                "credential.helper",
                url,
            ])
            .run()
    };
    for url in ["https://huggingface.co", "https://hf.co"] {
        helper_for(url).ok().stdout_is(&format!("{bin}\n"));
        assert_eq!(it.helpers(url), ["", bin.as_str()]);
    }
    let other = helper_for("https://example.com");
    assert_eq!(other.code, 1, "{other:?}");

    // Again: the same files, the same config.
    it.install(&[]).stdout_has("already set");
    assert_eq!(it.files(), expected);
    for url in ["https://huggingface.co", "https://hf.co"] {
        assert_eq!(it.helpers(url), ["", bin.as_str()]);
    }

    // With the bin folder on PATH: no warning.
    let path = format!(
        "{}:{}",
        it.p("bin").display(),
        std::env::var("PATH").unwrap()
    );
    it.script(&[])
        .env("PATH", &path)
        .run()
        .ok()
        .stderr_lacks("not on PATH");

    // Uninstall: nothing left in PREFIX, no credential entry in the global config, not even
    // one written for an HF_ENDPOINT that is no longer set.
    let mirror = "credential.https://mirror.example.org.helper";
    for value in ["", "!git-credential-hf --timeout 2"] {
        it.env
            .git(&["config", "--global", "--add", mirror, value])
            .run()
            .ok();
    }
    it.install(&["--uninstall"])
        .stdout_has("removed")
        .stdout_has(&format!(
            "{mirror} (global): removed `!git-credential-hf --timeout 2`"
        ));
    assert_eq!(it.files(), Vec::<PathBuf>::new());
    let config = it
        .env
        .git(&["config", "--global", "--get-regexp", "^credential\\."])
        .run();
    assert_eq!(
        config.code, 1,
        "credential entries are left: {}",
        config.stdout
    );
    // Twice is fine.
    it.install(&["--uninstall"]);
}

#[test]
fn no_setup_leaves_the_git_config_alone_and_the_helper_of_others_is_kept() {
    let it = Installed::new();
    it.env
        .git(&["config", "--global", "credential.helper", "store"])
        .run()
        .ok();
    it.install(&["--no-setup"]).stdout_has("--no-setup");
    assert_eq!(it.helpers("https://huggingface.co"), Vec::<String>::new());
    assert!(it.bin().is_file());

    it.install(&[]);
    it.install(&["--uninstall"]);
    let global = it
        .env
        .git(&["config", "--global", "--get-regexp", "^credential"])
        .run()
        .ok();
    global.stdout_is("credential.helper store\n");
}

#[test]
fn usage_errors_exit_2_and_a_missing_binary_is_named() {
    let it = Installed::new();
    it.script(&["--bogus"])
        .run()
        .code(2)
        .stderr_has("unknown argument: --bogus")
        .stderr_has("usage: install/install.sh");
    it.env
        .program("sh", &[SCRIPT, "--prefix"])
        .run()
        .code(2)
        .stderr_has("--prefix needs a folder");
    let missing = it.prefix.join("nowhere/git-credential-hf");
    let missing = missing.to_str().unwrap();
    it.script(&["--binary", missing])
        .run()
        .code(1)
        .stderr_has(&format!("{missing} is not an executable file"));
    assert_eq!(it.files(), Vec::<PathBuf>::new());
}

#[test]
fn the_script_is_shellcheck_clean() {
    let env = TestEnv::new();
    if !support::on_path("shellcheck") {
        support::skip("shellcheck is not installed (apt-get install shellcheck)");
        return;
    }
    env.program("shellcheck", &["--shell=sh", "--severity=style", SCRIPT])
        .run()
        .ok();
}

/// What bash completes after `git-credential-hf WORDS...` with the installed script.
fn complete(env: &TestEnv, script: &str, words: &[&str]) -> String {
    let line = format!("git-credential-hf {}", words.join(" "));
    let program = format!(
        r#"source "$1"
f=$(complete -p git-credential-hf | sed 's/.* -F \([^ ]*\) .*/\1/')
COMP_WORDS=({line})
COMP_CWORD={cword}
"$f" git-credential-hf "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
echo "${{COMPREPLY[*]}}""#,
        cword = words.len(),
    );
    let out = env
        .program("bash", &["-c", &program, "bash", script])
        .run()
        .ok();
    out.stdout.trim_end().to_string()
}
