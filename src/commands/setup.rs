//! `setup`: for each Hub URL, an empty `credential.<url>.helper` (which turns off every helper
//! configured before it for that URL) followed by this helper, with the options given (or
//! those of the entry it replaces). `--remove` takes out every entry that runs this helper,
//! in any form `setup` has written, whatever URL it is scoped to.

use super::{Ctx, Streams};
use crate::cli::{GlobalArgs, SetupArgs};
use crate::env::{HOME, PATH};
use crate::git::config::{self, File};
use crate::git::helper::{self, Configured, Helper, OUR_PROGRAM};
use crate::git::origin::{Allowed, Origin};
use crate::io::fs::Fs;
use crate::redact::redact;
use clap::ValueEnum;
use std::ffi::OsString;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

pub fn run(
    ctx: &Ctx,
    (args, given): &(&SetupArgs, &GlobalArgs),
    io: &mut Streams,
) -> anyhow::Result<ExitCode> {
    let out = &mut *io.out;
    config::require_git(ctx.io.git)?;
    let config = File::new(ctx.io.git, scope(args));
    if args.remove {
        return remove(&config, out);
    }
    let (program, disposable) = program(ctx)?;
    let mut written = Vec::new();
    for origin in Allowed::new(&ctx.settings).origins() {
        let url = origin.to_string();
        let key = format!("credential.{url}.helper");
        let values = config.get_all(&key)?;
        let previous = values.iter().rev().find(|v| is_ours(v));
        let helper = with_options(&program, previous, given);
        let mut wanted = without_ours(&values);
        wanted.extend([String::new(), helper.clone()]);
        let mut status = if values == wanted {
            "already set".to_string()
        } else {
            config.set_all(&key, &wanted)?;
            match previous {
                Some(old) if *old != helper => format!("updated (was `{}`)", redact(old)),
                _ => "set".to_string(),
            }
        };
        // git gives our token to every helper after ours to store: none may follow in the
        // file written to, and the others are named.
        let mut after = after_ours(ctx, origin)?;
        if after.iter().any(|c| config.holds(&c.scope, &c.file)) {
            config.move_section_last("credential", &url)?;
            status = "moved last in the file, after the helpers that would have copied the token"
                .to_string();
            after = after_ours(ctx, origin)?;
        }
        writeln!(out, "{key} ({}): {status}", config.name())?;
        for c in &after {
            writeln!(
                out,
                "  note: git still runs `{}` ({}: {}) after it for {url}, which then keeps a copy of the token: remove it, or run `git-credential-hf setup --file {}`",
                redact(&c.value),
                c.scope,
                c.file,
                c.file
            )?;
        }
        if !written.contains(&helper) {
            written.push(helper);
        }
    }
    writeln!(
        out,
        "git now asks `{}` for these URLs, before any other helper; undo with `git-credential-hf setup --remove`.",
        written.join("`, `")
    )?;
    if let Some((place, dir)) = disposable {
        writeln!(
            io.err,
            "git-credential-hf: warning: this git-credential-hf is in {}, {place}, which can go away: git would then fail to run it. Install it for good (`uv tool install git-credential-hf`, `pipx install git-credential-hf` or `cargo install --locked git-credential-hf`), then run `git-credential-hf setup` again",
            dir.display()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Every entry of this file that runs this helper, whatever its URL: an entry for an endpoint
/// no longer set would otherwise fail once the binary is gone.
fn remove(config: &File, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let mut removed = 0;
    for key in config.helper_keys()? {
        let values = config.get_all(&key)?;
        let kept = without_ours(&values);
        if kept.len() == values.len() {
            continue;
        }
        config.set_all(&key, &kept)?;
        if let Some(url) = key
            .strip_prefix("credential.")
            .and_then(|k| k.strip_suffix(".helper"))
        {
            config.remove_section_if_empty("credential", url)?;
        }
        let ours: Vec<String> = values
            .iter()
            .filter(|v| is_ours(v))
            .map(|v| format!("`{}`", redact(v)))
            .collect();
        writeln!(
            out,
            "{key} ({}): removed {}",
            config.name(),
            ours.join(", ")
        )?;
        removed += 1;
    }
    if removed == 0 {
        writeln!(
            out,
            "nothing to remove: no credential helper entry in the {} config runs git-credential-hf",
            config.name()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The helpers git runs after this one for `origin`, seen from the current folder.
fn after_ours(ctx: &Ctx, origin: &Origin) -> anyhow::Result<Vec<Configured>> {
    let chain = helper::chain(ctx.io.git, origin, &ctx.cwd)?;
    Ok(match chain.iter().rposition(|c| c.helper.is_ours()) {
        Some(i) => chain[i + 1..].to_vec(),
        None => Vec::new(),
    })
}

fn scope(args: &SetupArgs) -> Vec<OsString> {
    match (&args.file, args.system, args.local) {
        (Some(path), _, _) => vec!["--file".into(), path.into()],
        (None, true, _) => vec!["--system".into()],
        (None, false, true) => vec!["--local".into()],
        _ => vec!["--global".into()],
    }
}

/// The values `setup` wrote: ours, each with the empty value just before it.
fn without_ours(values: &[String]) -> Vec<String> {
    let mut kept: Vec<String> = Vec::with_capacity(values.len());
    for value in values {
        if is_ours(value) {
            if kept.last().is_some_and(String::is_empty) {
                kept.pop();
            }
        } else {
            kept.push(value.clone());
        }
    }
    kept
}

fn is_ours(value: &str) -> bool {
    Helper::parse(value).is_ours()
}

/// `program` with the options `setup` was given, and those of the entry it replaces that it
/// was not given (a re-run to upgrade the form keeps `--timeout 2`).
fn with_options(program: &str, previous: Option<&String>, given: &GlobalArgs) -> String {
    let old = previous
        .map(|p| Helper::parse(p).our_args().unwrap_or_default().to_string())
        .unwrap_or_default();
    let mut words = old.split_whitespace();
    let (mut timeout, mut auth_type, mut rest) = (None, None, Vec::new());
    while let Some(word) = words.next() {
        let (name, inline) = match word.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (word, None),
        };
        let slot = match name {
            "--timeout" => &mut timeout,
            "--auth-type" => &mut auth_type,
            _ => {
                rest.push(word.to_string());
                continue;
            }
        };
        *slot = inline.or_else(|| words.next().map(str::to_string));
    }
    if let Some(t) = given.timeout {
        timeout = Some(format!("{}", t.as_secs_f64()));
    }
    if let Some(a) = given.auth_type.and_then(|a| a.to_possible_value()) {
        auth_type = Some(a.get_name().to_string());
    }
    let mut value = program.to_string();
    for (flag, v) in [("--timeout", timeout), ("--auth-type", auth_type)] {
        if let Some(v) = v {
            value.push_str(&format!(" {flag} {v}"));
        }
    }
    for word in rest {
        value.push(' ');
        value.push_str(&word);
    }
    value
}

/// What git is told to run, and where this binary is when that place is a passing one.
/// `!git-credential-hf` when git's shell finds this very binary on PATH: it survives an
/// upgrade, and costs one process less than `hf` (which git runs as `git credential-hf`, a
/// second git that then finds us); Git for Windows runs both through its sh too. Else the
/// binary's absolute path, escaped for that shell.
fn program(ctx: &Ctx) -> anyhow::Result<(String, Option<(String, PathBuf)>)> {
    let fs = ctx.io.fs;
    let exe = fs.this_program()?;
    let on_path = ctx
        .env
        .get_os(PATH)
        .map(|p| std::env::split_paths(p).collect::<Vec<PathBuf>>())
        .unwrap_or_default()
        .into_iter()
        .map(|dir| dir.join(exe.file_name().unwrap_or_default()))
        .find(|candidate| fs.is_file(candidate))
        .and_then(|c| fs.canonical(&c));
    let name_ok = exe.file_stem().is_some_and(|s| s == OUR_PROGRAM);
    let program = match on_path {
        Some(found) if name_ok && found == exe => format!("!{OUR_PROGRAM}"),
        _ => shell_escape(&exe),
    };
    let dir = exe.parent().unwrap_or(&exe).to_path_buf();
    let home = ctx.env.path(HOME).and_then(|h| fs.canonical(&h));
    Ok((
        program,
        passing_place(fs, &exe, home.as_deref()).map(|place| (place, dir)),
    ))
}

/// Where a binary does not stay: a temporary folder, or a cache or build folder (marked by
/// a CACHEDIR.TAG, as cargo's target folder and uv's cache are, or named so).
fn passing_place(fs: &dyn Fs, exe: &Path, home: Option<&Path>) -> Option<String> {
    let temp = fs.canonical(&fs.temp_dir()).unwrap_or_default();
    let temps = [
        temp.as_path(),
        Path::new("/tmp"),
        Path::new("/var/tmp"),
        Path::new("/dev/shm"),
    ];
    // A home is no passing place, even one under /tmp.
    let at_home = home.is_some_and(|h| exe.starts_with(h));
    if !at_home
        && temps
            .iter()
            .any(|t| t.components().count() > 1 && exe.starts_with(t))
    {
        return Some("a temporary folder".to_string());
    }
    if let Some(tagged) = exe
        .ancestors()
        .skip(1)
        .find(|a| fs.is_file(&a.join("CACHEDIR.TAG")))
    {
        return Some(format!(
            "a build or cache folder ({} has a CACHEDIR.TAG)",
            tagged.display()
        ));
    }
    exe.components()
        .any(|c| match c {
            Component::Normal(n) => {
                let n = n.to_string_lossy().to_lowercase();
                [".cache", "cache", "caches"].contains(&n.as_str())
            }
            _ => false,
        })
        .then(|| "a cache folder".to_string())
}

/// The `credential.helper` value that runs the program at `path`. git runs a value that is an
/// absolute path through the shell (Git for Windows through its own sh), so every character
/// the shell would read is escaped with a backslash. Quotes would not do: to git a value that
/// starts with a quote is no path but a helper name, run as `git credential-'...'`.
fn shell_escape(path: &Path) -> String {
    helper_path(&path.to_string_lossy(), cfg!(windows))
}

/// `shell_escape` for a path of either system, so both are tested everywhere. On Windows sh
/// would read each `\` as an escape too: the separators become `/` (git takes `C:/...` as
/// absolute), and the `\\?\` prefix `canonicalize` adds goes (`\\?\UNC\` is `//`).
fn helper_path(path: &str, windows: bool) -> String {
    let path = match windows {
        true => {
            let bare = match path.strip_prefix(r"\\?\UNC\") {
                Some(unc) => format!(r"\\{unc}"),
                None => path.strip_prefix(r"\\?\").unwrap_or(path).to_string(),
            };
            bare.replace('\\', "/")
        }
        false => path.to_string(),
    };
    let mut value = String::with_capacity(path.len());
    for c in path.chars() {
        if c.is_ascii() && !c.is_ascii_alphanumeric() && !"/._-+:,@%=".contains(c) {
            value.push('\\');
        }
        value.push(c);
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(values: &[&str]) -> Vec<String> {
        values.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn removes_exactly_what_setup_wrote() {
        assert_eq!(without_ours(&v(&["", "hf"])), v(&[]));
        assert_eq!(without_ours(&v(&["store", "", "hf"])), v(&["store"]));
        assert_eq!(
            without_ours(&v(&["", "store", "", "/x/git-credential-hf"])),
            v(&["", "store"])
        );
        assert_eq!(without_ours(&v(&["store"])), v(&["store"]));
        assert_eq!(
            without_ours(&v(&["", "'/a b/git-credential-hf' --verbose"])),
            v(&[])
        );
    }

    #[test]
    fn helper_paths_are_escaped_for_the_shell_git_runs_them_with() {
        let unix = [
            ("/usr/bin/git-credential-hf", "/usr/bin/git-credential-hf"),
            (
                "/a b/it's/git-credential-hf",
                r"/a\ b/it\'s/git-credential-hf",
            ),
            ("/x/$HOME/(1)", r"/x/\$HOME/\(1\)"),
            ("/h/jörg/git-credential-hf", "/h/jörg/git-credential-hf"),
        ];
        for (path, value) in unix {
            assert_eq!(helper_path(path, false), value, "{path}");
        }
        let windows = [
            (
                r"C:\Program Files\hf\git-credential-hf.exe",
                r"C:/Program\ Files/hf/git-credential-hf.exe",
            ),
            (
                r"\\?\C:\Program Files (x86)\git-credential-hf.exe",
                r"C:/Program\ Files\ \(x86\)/git-credential-hf.exe",
            ),
            (
                r"\\?\UNC\server\share\git-credential-hf.exe",
                "//server/share/git-credential-hf.exe",
            ),
            (
                r"C:\Users\Ann O'Neil\.cargo\bin\git-credential-hf.exe",
                r"C:/Users/Ann\ O\'Neil/.cargo/bin/git-credential-hf.exe",
            ),
        ];
        for (path, value) in windows {
            assert_eq!(helper_path(path, true), value, "{path}");
            // What setup writes, it recognises as its own (and `--remove` takes out).
            assert!(is_ours(value), "{value}");
            assert!(is_ours(&format!("{value} --timeout 2")), "{value}");
        }
        assert!(is_ours(r"/a\ b/it\'s/git-credential-hf -v"));
    }

    /// The escaped form is what git runs: the value is an absolute path, which git hands to
    /// the shell with the operation appended (quotes would make git look for a helper name).
    #[cfg(unix)]
    #[test]
    fn git_runs_the_escaped_path() {
        use crate::io::git::{Git, LiveGit, Run};
        use std::os::unix::fs::PermissionsExt;
        if LiveGit.run(&Run::new(["--version"])).is_err() {
            println!("skipped: no git");
            return;
        }
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a b (c)");
        std::fs::create_dir(&dir).unwrap();
        let helper = dir.join("git-credential-x");
        std::fs::write(&helper, "#!/bin/sh\necho username=u\necho password=p-$1\n").unwrap();
        std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
        let value = helper_path(helper.to_str().unwrap(), false);
        let helper_config = format!("credential.helper={value}");
        let run = Run {
            stdin: b"protocol=https\nhost=example.com\n\n".to_vec(),
            env: vec![("GIT_TERMINAL_PROMPT", Some("0"))],
            ..Run::new(["-c", &helper_config, "credential", "fill"])
        };
        let out = LiveGit.run(&run).unwrap();
        assert!(out.stdout_text().contains("password=p-get"), "{out:?}");
    }
}
