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
        _ => shell_quote(&exe),
    })
}

/// git runs a helper given as a path through the shell.
fn shell_quote(path: &Path) -> String {
    let s = path.to_string_lossy();
    if s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/._-+".contains(&b))
    {
        s.into_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
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
    fn quotes_paths_for_the_shell() {
        assert_eq!(
            shell_quote(Path::new("/usr/bin/git-credential-hf")),
            "/usr/bin/git-credential-hf"
        );
        assert_eq!(shell_quote(Path::new("/a b/it's")), r"'/a b/it'\''s'");
    }
}
