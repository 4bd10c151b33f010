//! `~/.netrc` (or `$NETRC`): libcurl, and so git and git-lfs, send a matching entry on the
//! very first request, before any credential helper is asked: the host's `machine` entry,
//! else the `default` entry.

use super::{Finding, Kind, Look, Place, Scope};
use crate::env::{Env, NETRC};
use crate::io::fs::Fs;
use crate::token::Token;
use std::path::PathBuf;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// `None` for the `default` entry.
    pub machine: Option<String>,
    pub login: Option<String>,
    pub password: Option<Token>,
}

/// Where curl looks: `$NETRC`, else `~/.netrc` (`~/_netrc` on Windows).
pub fn path(env: &Env) -> Option<PathBuf> {
    if let Some(p) = env.path(NETRC) {
        return Some(p);
    }
    Some(
        env.home()?
            .join(if cfg!(windows) { "_netrc" } else { ".netrc" }),
    )
}

pub fn read(path: &std::path::Path, fs: &dyn Fs) -> std::io::Result<Vec<Entry>> {
    let bytes = fs.read(path)?;
    Ok(parse(&String::from_utf8_lossy(&bytes)))
}

pub struct Netrc;

impl Place for Netrc {
    fn find(&self, look: &Look) -> Vec<Finding> {
        let Some(path) = path(look.env) else {
            return Vec::new();
        };
        let shown = path.display().to_string();
        let Ok(entries) = read(&path, look.fs) else {
            return vec![Finding::absent(
                "netrc",
                Kind::NetrcUnsent,
                format!("{shown} (none)"),
            )];
        };
        let target_host = look.target.host();
        let target_has_machine = entries.iter().any(|e| {
            e.machine
                .as_ref()
                .is_some_and(|m| m.eq_ignore_ascii_case(target_host))
        });
        let mut found = Vec::new();
        for entry in entries {
            let Some(token) = entry.password else {
                continue;
            };
            let sent = |machine| Kind::Netrc {
                machine,
                path: path.clone(),
            };
            found.push(match entry.machine {
                // Only the entry for the host git talks to is sent; others are stale copies.
                Some(machine) => {
                    let Some(scope) = look.host(&machine) else {
                        continue;
                    };
                    let kind = match machine.eq_ignore_ascii_case(target_host) {
                        true => sent(Some(machine.clone())),
                        false => Kind::CredentialFile(path.clone()),
                    };
                    let detail = format!("{shown}: machine {machine}");
                    Finding::present("netrc", kind, detail, token, scope)
                }
                None if target_has_machine => Finding::present(
                    "netrc",
                    Kind::NetrcUnsent,
                    format!("{shown}: default"),
                    token,
                    Scope::Unsent(format!("{target_host}'s machine entry comes first")),
                ),
                None => Finding::present(
                    "netrc",
                    sent(None),
                    format!("{shown}: default (sent to every host without a machine entry)"),
                    token,
                    look.target(),
                ),
            });
        }
        if found.is_empty() {
            found.push(Finding::absent(
                "netrc",
                Kind::NetrcUnsent,
                format!("{shown}: no Hub entry"),
            ));
        }
        found
    }
}

/// Entries in file order. `macdef` bodies (up to a blank line) are skipped; double-quoted
/// tokens are understood as curl does.
pub fn parse(text: &str) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut words = Words { rest: text };
    while let Some(word) = words.next_word() {
        match word.as_str() {
            "machine" => {
                let machine = words.next_word();
                entries.push(Entry {
                    machine,
                    login: None,
                    password: None,
                });
            }
            "default" => entries.push(Entry {
                machine: None,
                login: None,
                password: None,
            }),
            "login" | "password" | "account" => {
                let value = words.next_word();
                if let (Some(entry), Some(value)) = (entries.last_mut(), value) {
                    match word.as_str() {
                        "login" => entry.login = Some(value),
                        "password" => entry.password = Some(Token::new(value)),
                        _ => {}
                    }
                }
            }
            "macdef" => words.skip_macro(),
            _ => {}
        }
    }
    entries
}

struct Words<'a> {
    rest: &'a str,
}

impl Words<'_> {
    fn next_word(&mut self) -> Option<String> {
        self.rest = self.rest.trim_start();
        if self.rest.is_empty() {
            return None;
        }
        if let Some(quoted) = self.rest.strip_prefix('"') {
            let mut word = String::new();
            let mut chars = quoted.char_indices();
            while let Some((i, c)) = chars.next() {
                match c {
                    '"' => {
                        self.rest = &quoted[i + 1..];
                        return Some(word);
                    }
                    '\\' => {
                        if let Some((_, escaped)) = chars.next() {
                            word.push(match escaped {
                                'n' => '\n',
                                'r' => '\r',
                                't' => '\t',
                                other => other,
                            });
                        }
                    }
                    c => word.push(c),
                }
            }
            self.rest = "";
            return Some(word);
        }
        let end = self
            .rest
            .find(char::is_whitespace)
            .unwrap_or(self.rest.len());
        let word = self.rest[..end].to_string();
        self.rest = &self.rest[end..];
        Some(word)
    }

    fn skip_macro(&mut self) {
        self.rest = self.rest.find("\n\n").map_or("", |i| &self.rest[i + 2..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_machines_default_quotes_and_macros() {
        let text = "machine huggingface.co login git password hf_a\n\
                    macdef init\ncd /\nmachine evil\n\n\
                    machine hf.co\n  login \"a b\"\n  password \"hf_\\\"q\"\n\
                    default login anon password x";
        let e = parse(text);
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].machine.as_deref(), Some("huggingface.co"));
        assert_eq!(e[0].password.as_ref().unwrap().expose(), "hf_a");
        assert_eq!(e[1].login.as_deref(), Some("a b"));
        assert_eq!(e[1].password.as_ref().unwrap().expose(), "hf_\"q");
        assert_eq!(e[2].machine, None);
    }

    #[test]
    fn netrc_variable_wins() {
        use std::path::PathBuf;
        let env = Env::from_pairs([("NETRC", "/x/n"), ("HOME", "/h")]);
        assert_eq!(path(&env), Some(PathBuf::from("/x/n")));
        let env = Env::from_pairs([("HOME", "/h")]);
        assert_eq!(path(&env), Some(PathBuf::from("/h/.netrc")));
    }
}
