//! `setup`: for each Hub URL, an empty `credential.<url>.helper` (which turns off every helper
//! configured before it for that URL) followed by this helper. `--remove` takes out exactly that.

use super::{Ctx, Streams};
use crate::cli::SetupArgs;
use crate::env::PATH;
use crate::git::config::{self, File};
use crate::git::helper::{self, Configured, Helper};
use crate::git::origin::{Allowed, Origin};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn run(ctx: &Ctx, args: &SetupArgs, io: &mut Streams) -> anyhow::Result<ExitCode> {
    let out = &mut *io.out;
    config::require_git(ctx.io.git)?;
    let config = File::new(ctx.io.git, scope(args));
    let helper = helper_value(ctx)?;
    for origin in Allowed::new(&ctx.settings).origins() {
        let url = origin.to_string();
        let key = format!("credential.{url}.helper");
        let values = config.get_all(&key)?;
        let kept = without_ours(&values);
        let mut status = if args.remove {
            if kept.len() == values.len() {
                "nothing to remove"
            } else {
                config.set_all(&key, &kept)?;
                config.remove_section_if_empty("credential", &url)?;
                "removed"
            }
        } else if ends_with_ours(&values) && kept.len() + 2 == values.len() {
            "already set"
        } else {
            let mut new = kept;
            new.extend([String::new(), helper.clone()]);
            config.set_all(&key, &new)?;
            "set"
        };
        // git gives our token to every helper after ours to store: none may follow in the
        // file written to, and the others are named.
        let mut after = match args.remove {
            true => Vec::new(),
            false => after_ours(ctx, origin)?,
        };
        if after.iter().any(|c| config.holds(&c.scope, &c.file)) {
            config.move_section_last("credential", &url)?;
            status = "moved last in the file, after the helpers that would have copied the token";
            after = after_ours(ctx, origin)?;
        }
        writeln!(out, "{key} ({}): {status}", config.name())?;
        for c in &after {
            writeln!(
                out,
                "  note: git still runs `{}` ({}: {}) after it for {url}, which then keeps a copy of the token: remove it, or run `git-credential-hf setup --file {}`",
                c.value, c.scope, c.file, c.file
            )?;
        }
    }
    if !args.remove {
        writeln!(
            out,
            "git now asks `{helper}` for these URLs, before any other helper; undo with `git-credential-hf setup --remove`."
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

/// `["", <this helper>]` at the end, as `setup` leaves it.
fn ends_with_ours(values: &[String]) -> bool {
    matches!(values, [.., reset, last] if reset.is_empty() && is_ours(last))
}

fn is_ours(value: &str) -> bool {
    Helper::parse(value).is_ours()
}

/// `hf` when git will find this very binary on PATH, else its absolute path.
fn helper_value(ctx: &Ctx) -> anyhow::Result<String> {
    let exe = std::env::current_exe()?.canonicalize()?;
    let on_path = ctx
        .env
        .get_os(PATH)
        .map(|p| std::env::split_paths(p).collect::<Vec<PathBuf>>())
        .unwrap_or_default()
        .into_iter()
        .map(|dir| dir.join(exe.file_name().unwrap_or_default()))
        .find(|candidate| candidate.is_file())
        .and_then(|c| c.canonicalize().ok());
    let name_ok = exe.file_stem().is_some_and(|s| s == "git-credential-hf");
    Ok(match on_path {
        Some(found) if name_ok && found == exe => "hf".to_string(),
        _ => shell_escape(&exe),
    })
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
