//! git config access, through the `git` program itself so every include, scope and URL
//! matching rule is git's own.

use anyhow::{Context, bail};
use std::ffi::OsString;
use std::process::{Command, Output, Stdio};

/// One config file git writes to: `--global`, `--system`, `--local` or `--file PATH`.
pub struct GitConfig {
    scope: Vec<OsString>,
    name: String,
}

impl GitConfig {
    pub fn new(scope: Vec<OsString>) -> GitConfig {
        let name = scope
            .iter()
            .map(|s| s.to_string_lossy().trim_start_matches("--").to_string())
            .collect::<Vec<_>>()
            .join(" ");
        GitConfig { scope, name }
    }

    /// "global", "file /path/to/config", ...
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every value of `key` in this file, in order.
    pub fn get_all(&self, key: &str) -> anyhow::Result<Vec<String>> {
        let out = self.run(&["--get-all", key])?;
        match out.status.code() {
            Some(0) => Ok(String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(str::to_string)
                .collect()),
            Some(1) => Ok(Vec::new()),
            _ => Err(failure("read", key, &out)),
        }
    }

    /// Replaces every value of `key` with `values`, in order.
    pub fn set_all(&self, key: &str, values: &[String]) -> anyhow::Result<()> {
        let out = self.run(&["--unset-all", key])?;
        if !matches!(out.status.code(), Some(0 | 5)) {
            return Err(failure("update", key, &out));
        }
        for value in values {
            let out = self.run(&["--add", key, value])?;
            if !out.status.success() {
                return Err(failure("update", key, &out));
            }
        }
        Ok(())
    }

    /// Drops `[section "sub"]` when no key is left in it, so removal leaves nothing behind.
    pub fn remove_section_if_empty(&self, section: &str, sub: &str) -> anyhow::Result<()> {
        let pattern = format!("^{}\\.{}\\.", section, regex_escape(sub));
        let out = self.run(&["--get-regexp", &pattern])?;
        if out.status.code() == Some(1) {
            let _ = self.run(&["--remove-section", &format!("{section}.{sub}")])?;
        }
        Ok(())
    }

    fn run(&self, args: &[&str]) -> anyhow::Result<Output> {
        Command::new("git")
            .arg("config")
            .args(&self.scope)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .context("cannot run git: install git or put it on PATH")
    }
}

fn failure(what: &str, key: &str, out: &Output) -> anyhow::Error {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let reason = stderr.lines().next().unwrap_or("git config failed").trim();
    anyhow::anyhow!("cannot {what} {key}: {reason}")
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

/// Fails with git's own words when `git` is missing or too old to be useful.
pub fn require_git() -> anyhow::Result<()> {
    let out = Command::new("git")
        .arg("--version")
        .output()
        .context("cannot run git: install git or put it on PATH")?;
    if !out.status.success() {
        bail!("`git --version` failed: reinstall git");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_urls_for_get_regexp() {
        assert_eq!(regex_escape("https://hf.co"), "https://hf\\.co");
        assert_eq!(regex_escape("http://[::1]:8"), "http://\\[::1\\]:8");
    }
}
