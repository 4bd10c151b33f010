//! man/git-credential-hf.1 is generated from the clap definition (clap_mangen) plus the sections
//! below, and committed. These tests fail when the committed page differs from what the code
//! generates, when a subcommand or option is missing from it, or when man warns about it.
//!
//! Regenerate the page after changing the command line or the sections below:
//!     UPDATE_MAN=1 cargo test --test man

mod support;

use clap::CommandFactory;
use clap_mangen::Man;
use clap_mangen::roff::{Inline, Roff, bold, italic, roman};
use git_credential_hf::cli::Cli;
use std::io::Write;
use std::path::Path;
use support::TestEnv;

const PAGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/man/git-credential-hf.1");
const REGENERATE: &str = "UPDATE_MAN=1 cargo test --test man";

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
        "git-credential-hf setup --remove",
        "Undo setup: remove exactly the entries it wrote.",
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
    for render in [
        Man::render_title,
        Man::render_name_section,
        Man::render_synopsis_section,
        Man::render_description_section,
        Man::render_options_section,
    ] {
        page.push_str(&body(|w| render(&man, w)));
    }

    page.push_str(".SH COMMANDS\n");
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        // The global options and --help are on every subcommand: described once, above.
        let sub = sub
            .clone()
            .mut_args(|a| a.clone().hide(a.is_global_set() || a.get_id() == "help"));
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
        page.push_str(&section(Man::render_synopsis_section));
        page.push_str(".PP\n");
        page.push_str(&section(Man::render_description_section));
        page.push_str(&section(Man::render_options_section));
    }

    let mut roff = Roff::new();
    tagged_section(&mut roff, "ENVIRONMENT", &environment(), bold);
    tagged_section(&mut roff, "FILES", FILES, italic);
    tagged_section(&mut roff, "EXIT STATUS", EXIT_STATUS, bold);
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
    page
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
    match env.man_warnings(Path::new(PAGE)) {
        Some(warnings) => assert_eq!(warnings, "", "man warns about {PAGE}"),
        None => eprintln!("note: neither man nor groff is installed: rendering not checked"),
    }
}
