//! git's configuration, read and written through `git config` itself so every include, scope
//! and URL matching rule is git's own; and the few other facts asked of git (its version,
//! whether a folder is a repository).

use crate::io::git::{Git, Run};
use anyhow::bail;
use std::ffi::OsString;
use std::path::Path;

/// One `key=value` of the configuration git sees from a folder, with where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// `global`, `system`, `local`, `command`, ...
    pub scope: String,
    /// The file it was read from, or `command line`.
    pub file: String,
    pub key: String,
    pub value: String,
}

/// Every entry whose key matches `regexp`, in the order git applies them.
pub fn entries(git: &dyn Git, cwd: &Path, regexp: &str) -> anyhow::Result<Vec<Entry>> {
    let args = [
        "config",
        "--show-scope",
        "--show-origin",
        "-z",
        "--get-regexp",
        regexp,
    ];
    let out = git
        .run(&Run::new(args).cwd(cwd))
        .map_err(|e| anyhow::anyhow!("cannot run git: {e}: install git or put it on PATH"))?;
    if !matches!(out.code, Some(0 | 1)) {
        bail!("git config failed: {}", out.reason());
    }
    let text = out.stdout_text();
    let fields: Vec<&str> = text.split('\0').collect();
    Ok(fields
        .chunks(3)
        .filter_map(|record| {
            let [scope, origin, key_value] = record else {
                return None;
            };
            let (key, value) = key_value.split_once('\n').unwrap_or((key_value, ""));
            let file = origin.strip_prefix("file:").unwrap_or(origin);
            Some(Entry {
                scope: scope.to_string(),
                file: file.trim_end_matches(':').to_string(),
                key: key.to_string(),
                value: value.to_string(),
            })
        })
        .collect())
}

/// Remote URLs (`remote.<name>.url` / `pushurl`) of the repository at `cwd`.
pub fn remote_urls(git: &dyn Git, cwd: &Path) -> Vec<(String, String)> {
    let Ok(found) = entries(git, cwd, r"^remote\..*\.(url|pushurl)$") else {
        return Vec::new();
    };
    found
        .into_iter()
        .map(|e| {
            let name = e
                .key
                .strip_prefix("remote.")
                .and_then(|r| r.rsplit_once('.'))
                .map_or(e.key.as_str(), |(n, _)| n)
                .to_string();
            (name, e.value)
        })
        .collect()
}

/// Where git-xet (Hugging Face's git-lfs transfer agent for Xet storage) is configured
/// (`git xet install` writes `lfs.customtransfer.xet.*`), if it is.
pub fn xet_config(git: &dyn Git, cwd: &Path) -> Option<String> {
    let found = entries(git, cwd, r"^lfs\.customtransfer\.xet\.").ok()?;
    found.into_iter().next().map(|e| e.file)
}

pub fn is_repository(git: &dyn Git, cwd: &Path) -> bool {
    git.run(&Run::new(["rev-parse", "--git-dir"]).cwd(cwd))
        .is_ok_and(|o| o.code == Some(0))
}

/// The version `git <args>` reports (`git version 2.47.3`, `git-lfs/3.3.0 (...)`), as
/// (major, minor); `None` when the program is missing.
pub fn tool_version(git: &dyn Git, args: &[&str]) -> Option<(u32, u32)> {
    let out = git.run(&Run::new(args)).ok()?;
    parse_version(&out.stdout_text()).filter(|_| out.code == Some(0))
}

fn parse_version(text: &str) -> Option<(u32, u32)> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let mut parts = text[start..].split(|c: char| !c.is_ascii_digit());
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// Whether git can hand a helper's `authtype` (Bearer) credential on, as it says itself
/// (`git credential capability`, git >= 2.46; older git has no such operation).
pub fn git_takes_bearer(git: &dyn Git) -> bool {
    git.run(&Run::new(["credential", "capability"]))
        .is_ok_and(|o| {
            o.code == Some(0) && o.stdout_text().lines().any(|l| l == "capability authtype")
        })
}

/// Fails with git's own words when `git` is missing or does not run.
pub fn require_git(git: &dyn Git) -> anyhow::Result<()> {
    match git.run(&Run::new(["--version"])) {
        Err(e) => bail!("cannot run git: {e}: install git or put it on PATH"),
        Ok(out) if out.code != Some(0) => bail!("`git --version` failed: reinstall git"),
        Ok(_) => Ok(()),
    }
}

/// One config file git writes to: `--global`, `--system`, `--local` or `--file PATH`.
pub struct File<'a> {
    git: &'a dyn Git,
    scope: Vec<OsString>,
    name: String,
}

impl<'a> File<'a> {
    pub fn new(git: &'a dyn Git, scope: Vec<OsString>) -> File<'a> {
        let name = scope
            .iter()
            .map(|s| s.to_string_lossy().trim_start_matches("--").to_string())
            .collect::<Vec<_>>()
            .join(" ");
        File { git, scope, name }
    }

    /// "global", "file /path/to/config", ...
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every value of `key` in this file, in order.
    pub fn get_all(&self, key: &str) -> anyhow::Result<Vec<String>> {
        let out = self.run(&["--get-all", key])?;
        match out.code {
            Some(0) => Ok(out.stdout_text().lines().map(str::to_string).collect()),
            Some(1) => Ok(Vec::new()),
            _ => bail!("cannot read {key}: {}", out.reason()),
        }
    }

    /// The credential helper keys set in this file (`credential.helper`,
    /// `credential.<url>.helper`), each once, in file order.
    pub fn helper_keys(&self) -> anyhow::Result<Vec<String>> {
        let out = self.run(&[
            "--name-only",
            "--get-regexp",
            r"^credential\.(.+\.)?helper$",
        ])?;
        let mut keys: Vec<String> = Vec::new();
        match out.code {
            Some(0) => {
                for key in out.stdout_text().lines() {
                    if !keys.iter().any(|k| k == key) {
                        keys.push(key.to_string());
                    }
                }
            }
            Some(1) => {}
            _ => bail!("cannot read the credential helpers: {}", out.reason()),
        }
        Ok(keys)
    }

    /// Replaces every value of `key` with `values`, in order.
    pub fn set_all(&self, key: &str, values: &[String]) -> anyhow::Result<()> {
        let out = self.run(&["--unset-all", key])?;
        if !matches!(out.code, Some(0 | 5)) {
            bail!("cannot update {key}: {}", out.reason());
        }
        for value in values {
            let out = self.run(&["--add", key, value])?;
            if out.code != Some(0) {
                bail!("cannot update {key}: {}", out.reason());
            }
        }
        Ok(())
    }

    /// Moves `[section "sub"]` to the end of the file (what comes after it in the file is read
    /// after it: a helper there would run after ours).
    pub fn move_section_last(&self, section: &str, sub: &str) -> anyhow::Result<()> {
        let pattern = format!("^{}\\.{}\\.", section, regex_escape(sub));
        let out = self.run(&["-z", "--get-regexp", &pattern])?;
        let text = out.stdout_text();
        let pairs: Vec<(&str, &str)> = text
            .split('\0')
            .filter(|r| !r.is_empty())
            .map(|r| r.split_once('\n').unwrap_or((r, "")))
            .collect();
        self.run(&["--remove-section", &format!("{section}.{sub}")])?;
        for (key, value) in pairs {
            let out = self.run(&["--add", key, value])?;
            if out.code != Some(0) {
                bail!("cannot update {key}: {}", out.reason());
            }
        }
        Ok(())
    }

    /// Whether a config entry read from `scope`/`file` is in this file.
    pub fn holds(&self, scope: &str, file: &str) -> bool {
        match self.scope.as_slice() {
            [flag, path] if flag == "--file" => Path::new(path) == Path::new(file),
            [flag] => flag.to_string_lossy().trim_start_matches("--") == scope,
            _ => false,
        }
    }

    /// Drops `[section "sub"]` when no key is left in it, so removal leaves nothing behind.
    pub fn remove_section_if_empty(&self, section: &str, sub: &str) -> anyhow::Result<()> {
        let pattern = format!("^{}\\.{}\\.", section, regex_escape(sub));
        if self.run(&["--get-regexp", &pattern])?.code == Some(1) {
            self.run(&["--remove-section", &format!("{section}.{sub}")])?;
        }
        Ok(())
    }

    fn run(&self, args: &[&str]) -> anyhow::Result<crate::io::git::Output> {
        let mut all: Vec<OsString> = vec!["config".into()];
        all.extend(self.scope.iter().cloned());
        all.extend(args.iter().map(OsString::from));
        self.git
            .run(&Run::new(all))
            .map_err(|e| anyhow::anyhow!("cannot run git: {e}: install git or put it on PATH"))
    }
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| match c {
            '.' | '[' | ']' | '(' | ')' | '*' | '+' | '?' | '{' | '}' | '|' | '^' | '$' | '\\' => {
                vec!['\\', c]
            }
            _ => vec![c],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::git::FakeGit;

    #[test]
    fn escapes_urls_for_get_regexp() {
        assert_eq!(regex_escape("https://hf.co"), "https://hf\\.co");
        assert_eq!(regex_escape("http://[::1]:8"), "http://\\[::1\\]:8");
    }

    #[test]
    fn reads_entries_remotes_and_versions() {
        let git = FakeGit::default()
            .answer(
                &["--get-regexp", r"^remote\..*\.(url|pushurl)$"],
                "local\0file:.git/config\0remote.origin.url\nhttps://hf.co/a/b\0",
            )
            .answer(&["--version"], "git version 2.47.3\n");
        assert_eq!(
            remote_urls(&git, Path::new(".")),
            [("origin".to_string(), "https://hf.co/a/b".to_string())]
        );
        assert_eq!(tool_version(&git, &["--version"]), Some((2, 47)));
        assert_eq!(
            parse_version("git-lfs/3.3.0 (GitHub; linux amd64; go 1.19.8)"),
            Some((3, 3))
        );
        assert_eq!(parse_version("nothing"), None);
    }
}
