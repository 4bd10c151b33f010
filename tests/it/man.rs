//! man/git-credential-hf.1 is generated from the clap definition (clap_mangen) plus the sections
//! below, and committed. These tests fail when the committed page differs from what the code
//! generates, when a subcommand or option is missing from it, or when man warns about it.
//!
//! Regenerate the page after changing the command line or the sections below:
//!     UPDATE_MAN=1 cargo test --test it man::

use crate::support::TestEnv;
use clap::CommandFactory;
use clap_mangen::Man;
use clap_mangen::roff::{Inline, Roff, bold, italic, roman};
use git_credential_hf::cli::Cli;
use std::io::Write;
use std::path::Path;

const PAGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/man/git-credential-hf.1");
const REGENERATE: &str = "UPDATE_MAN=1 cargo test --test it man::";

/// The variables read, by the helper and by the huggingface_hub rules it follows: the
/// documented ones of `env.rs`, where every variable the helper reads is named once.
fn environment() -> Vec<(&'static str, &'static str)> {
    git_credential_hf::env::DOCUMENTED
        .iter()
        .map(|v| (v.name, v.doc.expect("documented")))
        .collect()
}

/// (file, what it is)
const FILES: &[(&str, &str)] = &[
    (
        "~/.cache/huggingface/token",
        "The active token, as hf auth login writes it; read at every request. Its place follows HF_TOKEN_PATH, HF_HOME, XDG_CACHE_HOME and HUGGINGFACE_CO_STAGING, as in huggingface_hub.",
    ),
    (
        "~/.cache/huggingface/stored_tokens",
        "The tokens hf auth login saved, by name (INI), beside the token file. The helper writes huggingface_hub's files only in the commands whose job that is, atomically and readable by the owner only.",
    ),
    (
        "~/.cache/git-credential-hf/whoami.json",
        "The helper's cache of the Hub's verdicts on tokens, keyed by a hash of the token (never the token), so that the many requests of one git command cost at most one check. In $XDG_CACHE_HOME/git-credential-hf when that is set, ~/Library/Caches/git-credential-hf on macOS. Safe to delete.",
    ),
    (
        "~/.cache/git-credential-hf/oauth.json",
        "A refresh of huggingface_hub's OAuth token that failed (not retried for 5 minutes), and a refreshed token that could not be saved to stored_tokens yet, kept until a later run can save it.",
    ),
    (
        "~/.cache/git-credential-hf/oidc.json",
        "The Hub token an OIDC exchange gave (HF_OIDC_RESOURCE), kept until shortly before it expires; erase forgets it when git reports it rejected.",
    ),
    (
        "~/.cache/git-credential-hf/unreachable.json",
        "When the Hub last did not answer, per API base: for a minute after, get sends the token unchecked at once instead of waiting for the time-out again. Any answer from the Hub clears it.",
    ),
    (
        "~/.gitconfig",
        "Or $XDG_CONFIG_HOME/git/config: where setup writes the credential.<url>.helper entries (global scope).",
    ),
];

const EXIT_STATUS: &[(&str, &str)] = &[
    (
        "0",
        "Success. For get, also when it gives git no answer (no token, a token the Hub rejected, a URL that is not the Hub's): git then asks its other helpers or prompts, as gitcredentials(7) expects.",
    ),
    (
        "1",
        "An error: no token where one was needed (token), a failure to read a file or to run git; problems found (status); access not granted (check).",
    ),
    ("2", "A usage error: unknown command, option or value."),
];

/// (subcommand it needs, or "" for none; command line; what it does). An example shows once its
/// subcommand exists, so the page follows the command line as it grows.
const EXAMPLES: &[(&str, &str, &str)] = &[
    (
        "setup",
        "git-credential-hf setup",
        "Make git ask the helper for the Hub's URLs (global config), before any other helper.",
    ),
    (
        "",
        "git clone https://huggingface.co/org/model",
        "git and git-lfs now get the token huggingface_hub would use.",
    ),
    (
        "status",
        "git-credential-hf status",
        "Every token source side by side, which one wins, and what is wrong.",
    ),
    (
        "check",
        "git-credential-hf check --write org/model",
        "Explain a 403 before git does: whether the token may push to that repository.",
    ),
    (
        "login",
        "git-credential-hf login",
        "Log in with an access token asked on the terminal, into huggingface_hub's own files, as hf auth login does.",
    ),
    (
        "switch",
        "git-credential-hf switch work",
        "Make the stored token named work the active one: git gets it from the next request on.",
    ),
    (
        "",
        "GIT_CREDENTIAL_HF_VERBOSE=1 git pull",
        "See on stderr which token the helper sent, and why.",
    ),
    (
        "token",
        "git-credential-hf token",
        "Print the token huggingface_hub would use, for scripts.",
    ),
    (
        "completions",
        "git-credential-hf completions zsh > ~/.zfunc/_git-credential-hf",
        "Install the zsh completion by hand (install/install.sh does it for bash, zsh and fish).",
    ),
    (
        "setup",
        "git-credential-hf --timeout 2 setup",
        "Write the helper with a 2-second time-out for the Hub's checks (a later setup keeps it).",
    ),
    (
        "setup",
        "git-credential-hf setup --remove",
        "Undo setup: remove every entry that runs the helper, whatever its URL.",
    ),
];

/// (field, what it holds) of `status --json`; every key the command prints is here (tested).
const STATUS_JSON: &[(&str, &str)] = &[
    (
        "python",
        "The token huggingface_hub uses: {source, fingerprint}, or null when it has none.",
    ),
    (
        "git",
        "What git sends for the Hub: {source, helper, fingerprint}, or null when git would send nothing. helper is the helper's short name (hf is this helper; store, cache, manager, ...), null for .netrc.",
    ),
    (
        "xet",
        "What git-xet sends for Xet uploads, when it is configured: {config (where lfs.customtransfer.xet is set), source, fingerprint}; else null.",
    ),
    (
        "sources",
        "Every place a token can hide, in the screen's order: {source, present, masked, fingerprint, valid, user, token_name, role, permissions, detail}. source is env:VAR, file:PATH, stored_tokens:NAME, netrc, git-helper:NAME, git-credentials:PATH, remote-url:REMOTE or keyring:SERVICE (the bare word when there is none of that kind). masked shows the token's first characters and last four, never more. valid is true, false, or null (not checked, offline, or no verdict from the Hub). role is read, write, fineGrained, or the token's kind (oauth). permissions holds read_gated, write and inference_providers, each true, false or null.",
    ),
    (
        "problems",
        "What is wrong: {code, severity, message, fix}. code is one of PROBLEM CODES below; severity is error, warning or info.",
    ),
    (
        "notes",
        "What finding huggingface_hub's token did, in words (a refreshed OAuth token, a refresh that failed).",
    ),
    (
        "repo",
        "With --repo only: the check verdict, as check --json prints it.",
    ),
    (
        "unreachable",
        "Only when a Hub did not answer the checks, once per Hub: [{hub, reason}], hub being the API base asked and reason why, in short (timed out, could not connect: ...). The rows of its tokens are then unchecked (valid is null).",
    ),
];

/// (field, what it holds) of `check --json` (tested likewise).
const CHECK_JSON: &[(&str, &str)] = &[
    ("repo", "The repository, as org/name."),
    ("type", "model, dataset or space."),
    ("access", "read, or write with --write."),
    (
        "granted",
        "true or false; the exit code says the same (0 or 1).",
    ),
    (
        "code",
        "ok, gated, not-found, read-only-token, fine-grained-scope, invalid-token, no-token, forbidden, or unknown (the Hub could not be asked).",
    ),
    ("message", "The verdict in words."),
    ("fix", "What to do, or null."),
    (
        "token",
        "The token asked with: {source, masked, fingerprint, user}, or null when there is none.",
    ),
];

const SEE_ALSO: &str = "git(1), gitcredentials(7), git-credential(1), git-lfs(1), hf(1)";

/// The top-level command as the page shows it: no `help` subcommand.
fn command() -> clap::Command {
    let mut cmd = Cli::command()
        .disable_help_subcommand(true)
        .subcommand_value_name("COMMAND")
        .subcommand_help_heading("COMMANDS");
    cmd.build();
    cmd
}

/// The page: clap_mangen's title, name, synopsis, description and global options; then each
/// subcommand with its synopsis, description and own options; then the sections above.
fn generate() -> String {
    let cmd = command();
    let man = Man::new(cmd.clone()).title("GIT-CREDENTIAL-HF");
    // Every rendering starts with roff's apostrophe preamble: the page has it once, first.
    let mut page = Roff::new().render();
    for render in [Man::render_title, Man::render_name_section] {
        page.push_str(&body(|w| render(&man, w)));
    }
    page.push_str(".SH SYNOPSIS\n");
    page.push_str(&synopsis(&cmd, &[]));
    for render in [Man::render_description_section, Man::render_options_section] {
        page.push_str(&body(|w| render(&man, w)));
    }

    page.push_str(".SH COMMANDS\n");
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        // The global options and --help are on every subcommand: described once, above.
        let sub = sub.clone().mut_args(|a| {
            let hide = a.is_hide_set() || a.is_global_set() || a.get_id() == "help";
            a.hide(hide)
        });
        let man = Man::new(sub.clone());
        page.push_str(&format!(".SS {}\n", sub.get_name()));
        // Each is a section of its own: drop its `.SH` heading, the `.SS` above stands for it.
        let section = |render: fn(&Man, &mut dyn Write) -> std::io::Result<()>| {
            let section = body(|w| render(&man, w));
            section
                .split_once('\n')
                .map_or("", |(_, rest)| rest)
                .to_string()
        };
        page.push_str(&synopsis(&sub, &[cmd.get_name()]));
        page.push_str(".PP\n");
        page.push_str(&section(Man::render_description_section));
        page.push_str(&section(Man::render_options_section));
    }

    let mut roff = Roff::new();
    tagged_section(&mut roff, "ENVIRONMENT", &environment(), bold);
    tagged_section(&mut roff, "FILES", FILES, italic);
    tagged_section(&mut roff, "EXIT STATUS", EXIT_STATUS, bold);
    roff.control("SH", ["JSON OUTPUT"]);
    roff.text([roman(
        "status --json prints one object; its exit code is 0 when nothing is wrong, 1 when a problem of severity error exists, so CI can use it as a gate. Tokens appear masked and by fingerprint (the first 12 hex digits of their SHA-256) only.",
    )]);
    for (field, what) in STATUS_JSON {
        roff.control("TP", []);
        roff.text([bold(*field)]);
        roff.text([roman(*what)]);
    }
    roff.control("PP", []);
    roff.text([roman("check --json prints one object:")]);
    for (field, what) in CHECK_JSON {
        roff.control("TP", []);
        roff.text([bold(*field)]);
        roff.text([roman(*what)]);
    }
    roff.control("SH", ["PROBLEM CODES"]);
    roff.text([roman(
        "What status finds, by code, with its usual severity:",
    )]);
    for (code, severity, meaning) in git_credential_hf::manual::problem_codes() {
        roff.control("TP", []);
        roff.text([bold(code), roman(format!(" ({severity})"))]);
        roff.text([roman(meaning)]);
    }
    roff.control("SH", ["EXAMPLES"]);
    for (needs, line, what) in EXAMPLES {
        if needs.is_empty() || cmd.find_subcommand(needs).is_some() {
            roff.control("TP", []);
            roff.text([bold(*line)]);
            roff.text([roman(*what)]);
        }
    }
    roff.control("SH", ["SEE ALSO"]);
    roff.text([roman(SEE_ALSO)]);
    page.push_str(&body(|w| roff.to_writer(w)));
    code_in_bold(&page)
}

/// The command line of `cmd`: every shown option with its value (`[--timeout SECS]`), then the
/// positionals, then COMMAND when it has subcommands.
fn synopsis(cmd: &clap::Command, parents: &[&str]) -> String {
    let mut line = vec![bold(
        parents
            .iter()
            .chain([&cmd.get_name()])
            .copied()
            .collect::<Vec<_>>()
            .join(" "),
    )];
    let shown = cmd.get_arguments().filter(|a| !a.is_hide_set());
    let (positionals, options): (Vec<_>, Vec<_>) = shown.partition(|a| a.is_positional());
    for arg in options {
        let mut names = Vec::new();
        if let Some(short) = arg.get_short() {
            names.push(bold(format!("-{short}")));
        }
        if let Some(long) = arg.get_long() {
            if !names.is_empty() {
                names.push(roman("|"));
            }
            names.push(bold(format!("--{long}")));
        }
        line.push(roman(" ["));
        line.extend(names);
        if arg.get_action().takes_values() {
            line.push(roman(" "));
            line.push(italic(value_name(arg)));
        }
        line.push(roman("]"));
    }
    for arg in positionals {
        let (open, close) = if arg.is_required_set() {
            ("", "")
        } else {
            ("[", "]")
        };
        line.push(roman(format!(" {open}")));
        line.push(italic(value_name(arg)));
        line.push(roman(close));
    }
    if cmd.has_subcommands() {
        line.push(roman(" "));
        line.push(italic("COMMAND"));
    }
    let mut roff = Roff::new();
    roff.text(line);
    body(|w| roff.to_writer(w))
}

fn value_name(arg: &clap::Arg) -> String {
    arg.get_value_names()
        .map(|names| names.join(" "))
        .unwrap_or_else(|| arg.get_id().as_str().to_uppercase())
}

/// The help text marks commands and names with Markdown backticks, which a terminal shows
/// as they are; on the page they become bold.
fn code_in_bold(page: &str) -> String {
    let mut out = String::with_capacity(page.len());
    for line in page.split_inclusive('\n') {
        let parts: Vec<&str> = line.split('`').collect();
        if line.starts_with('.') || parts.len().is_multiple_of(2) {
            out.push_str(line);
            continue;
        }
        for (i, part) in parts.iter().enumerate() {
            if i % 2 == 1 {
                out.push_str(&format!("\\fB{part}\\fR"));
            } else {
                out.push_str(part);
            }
        }
    }
    out
}

/// What `render` writes, without roff's apostrophe preamble.
fn body(render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> String {
    let mut out = Vec::new();
    render(&mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    let preamble = Roff::new().render();
    out.strip_prefix(&preamble)
        .unwrap_or_else(|| panic!("no apostrophe preamble: {out}"))
        .to_string()
}

fn tagged_section(
    roff: &mut Roff,
    heading: &str,
    entries: &[(&str, &str)],
    tag: fn(String) -> Inline,
) {
    roff.control("SH", [heading]);
    for (name, what) in entries {
        roff.control("TP", []);
        roff.text([tag(name.to_string())]);
        roff.text([roman(*what)]);
    }
}

#[test]
fn the_committed_page_is_what_the_code_generates() {
    let page = generate();
    if std::env::var_os("UPDATE_MAN").is_some() {
        std::fs::write(PAGE, &page).unwrap();
        eprintln!("wrote {PAGE}");
        return;
    }
    let committed = std::fs::read_to_string(PAGE)
        .unwrap_or_else(|e| panic!("cannot read {PAGE} ({e}): generate it with `{REGENERATE}`"));
    if committed != page {
        let first = committed
            .lines()
            .zip(page.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(page.lines().count()));
        panic!(
            "man/git-credential-hf.1 is not what the code generates (first difference at line {}): \
             regenerate it with `{REGENERATE}` and commit it",
            first + 1
        );
    }
}

#[test]
fn the_page_covers_every_subcommand_option_and_variable() {
    let page = generate();
    let cmd = command();
    let subs: Vec<&str> = cmd.get_subcommands().map(|s| s.get_name()).collect();
    for name in ["get", "store", "erase", "setup", "token", "completions"] {
        assert!(subs.contains(&name), "{name} is no longer a subcommand");
    }
    for sub in cmd.get_subcommands() {
        let name = sub.get_name();
        assert!(
            page.contains(&format!("\n.SS {name}\n")),
            "no section for {name}"
        );
        assert!(
            page.contains(&format!(
                "\\fBgit\\-credential\\-hf {}\\fR",
                name.replace('-', "\\-")
            )),
            "no synopsis for {name}"
        );
        for arg in sub.get_arguments().filter(|a| !a.is_hide_set()) {
            let shown = shown(arg);
            assert!(page.contains(&shown), "{name}: {shown} is not on the page");
        }
    }
    for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        let shown = shown(arg);
        assert!(page.contains(&shown), "{shown} is not on the page");
    }
    for (var, _) in environment() {
        assert!(page.contains(&format!(".TP\n\\fB{}\\fR\n", var)), "{var}");
    }
    for heading in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "OPTIONS",
        "COMMANDS",
        "ENVIRONMENT",
        "FILES",
        "\"EXIT STATUS\"",
        "EXAMPLES",
    ] {
        assert!(page.contains(&format!("\n.SH {heading}\n")), "{heading}");
    }
}

/// How clap_mangen writes an option (`\fB\-\-long\fR`, `\fB\-s\fR`) or a positional's value name.
fn shown(arg: &clap::Arg) -> String {
    let text = match (arg.get_long(), arg.get_short(), arg.get_value_names()) {
        (Some(long), _, _) => return format!("\\fB\\-\\-{}\\fR", long.replace('-', "\\-")),
        (None, Some(short), _) => return format!("\\fB\\-{short}\\fR"),
        (None, None, Some(names)) => names.join(" "),
        (None, None, None) => arg.get_id().to_string(),
    };
    text.replace('-', "\\-")
}

#[test]
fn man_renders_the_committed_page_without_warnings() {
    let env = TestEnv::new();
    // None: skipped, and said so.
    if let Some(warnings) = env.man_warnings(Path::new(PAGE)) {
        assert_eq!(warnings, "", "man warns about {PAGE}");
    }
}

#[test]
fn the_page_stands_alone() {
    let page = generate();
    // No Markdown left for man to show as it is, and no pointer to a file it does not install.
    assert!(!page.contains('`'), "a backtick on the page");
    assert!(!page.contains("README"), "the page refers to the README");
    // Every option that takes a value shows it in the synopses.
    let synopses: String = page
        .split("\n.SH SYNOPSIS\n")
        .nth(1)
        .unwrap()
        .lines()
        .take(1)
        .chain(
            page.split("\n.SS ")
                .skip(1)
                .filter_map(|s| s.lines().nth(1)),
        )
        .collect();
    for wanted in [
        r"[\fB\-\-timeout\fR \fISECS\fR]",
        r"[\fB\-\-auth\-type\fR \fIMODE\fR]",
        r"[\fB\-\-file\fR \fIPATH\fR]",
        r"[\fB\-\-type\fR \fITYPE\fR] [\fB\-\-json\fR] \fIREPO\fR",
    ] {
        assert!(synopses.contains(wanted), "{wanted} not in\n{synopses}");
    }
}

/// Every key of `value`, nested ones included.
fn keys(value: &serde_json::Value, into: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                into.push(k.clone());
                keys(v, into);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| keys(v, into)),
        _ => {}
    }
}

#[test]
fn json_output_names_every_field_the_commands_print() {
    let page = generate();
    let section = page
        .split("\n.SH \"JSON OUTPUT\"\n")
        .nth(1)
        .and_then(|rest| rest.split("\n.SH ").next())
        .expect("a JSON OUTPUT section");
    let env = TestEnv::new();
    let token = "hf_ManPageJsonTokenQQQQQQQQQQQQQQQQQQQQQ";
    env.secret(token);
    env.set_env("HF_TOKEN", token);
    // Nothing listens there: the Hub is unreachable (a field of its own) and the check's
    // verdict is `unknown`, its fields all the same.
    env.set_env("HF_ENDPOINT", "http://127.0.0.1:9");
    let status = env
        .cmd(&["status", "--json", "--repo", "org/model"])
        .run()
        .stdout;
    let check = env.cmd(&["check", "--json", "org/model"]).run().stdout;
    let mut found = Vec::new();
    for out in [status, check] {
        keys(&serde_json::from_str(&out).expect("JSON"), &mut found);
    }
    assert!(found.len() > 20, "{found:?}");
    assert!(found.iter().any(|k| k == "unreachable"), "{found:?}");
    for key in found {
        assert!(
            section.contains(&key.replace('-', "\\-")),
            "`{key}` is not explained under JSON OUTPUT"
        );
    }
}
