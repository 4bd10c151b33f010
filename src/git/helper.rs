//! Credential helpers as git runs them: what a `credential.helper` value is (`Helper`), the
//! chain git would run for an origin (in config order, with git's reset rule and URL
//! matching), and what another helper answers, asked through `git credential fill`.

use crate::git::config::{self, Entry};
use crate::git::origin::Origin;
use crate::git::protocol::{read_request, write_fields};
use crate::git::url::Url;
use crate::io::git::{Git, Run};
use crate::token::Token;
use std::path::Path;
use std::time::Duration;

/// One `credential.helper` value, as git reads it (`credential.c`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Helper {
    /// `!command`: run by the shell as written.
    Shell(String),
    /// An absolute path (or any path with a separator), with its arguments.
    Path { program: String, args: String },
    /// A name: git runs `git credential-<name> <args>`.
    Named { name: String, args: String },
}

impl Helper {
    pub fn parse(value: &str) -> Helper {
        if let Some(code) = value.strip_prefix('!') {
            return Helper::Shell(code.to_string());
        }
        let (program, args) = match value.strip_prefix('\'') {
            Some(quoted) => match quoted.split_once('\'') {
                Some((p, rest)) => (p, rest.trim_start()),
                None => (quoted, ""),
            },
            // The shell git hands the value to ends the program at the first blank that is
            // not escaped (`C:/Program\ Files/...`, as `setup` writes a path).
            None => {
                let mut escaped = false;
                let end = value.char_indices().find(|&(_, c)| {
                    let blank = c.is_whitespace() && !escaped;
                    escaped = c == '\\' && !escaped;
                    blank
                });
                value.split_at(end.map_or(value.len(), |(i, _)| i))
            }
        };
        let (program, args) = (program.to_string(), args.trim_start().to_string());
        if program.contains('/') || program.contains('\\') {
            Helper::Path { program, args }
        } else {
            Helper::Named {
                name: program,
                args,
            }
        }
    }

    /// How users know it: `store`, `cache`, `manager`, `libsecret`, `hf` (in any form), or
    /// `shell`.
    pub fn name(&self) -> String {
        match self {
            Helper::Shell(_) if self.is_ours() => "hf".to_string(),
            Helper::Shell(_) => "shell".to_string(),
            Helper::Named { name: program, .. } | Helper::Path { program, .. } => {
                let base = program.rsplit(['/', '\\']).next().unwrap_or(program);
                let base = base.strip_suffix(".exe").unwrap_or(base);
                base.strip_prefix("git-credential-")
                    .unwrap_or(base)
                    .to_string()
            }
        }
    }

    /// Whether this is the helper itself, in any form `setup` has written: `hf`, a path to
    /// `git-credential-hf`, `!git-credential-hf` (each with options or without).
    pub fn is_ours(&self) -> bool {
        self.our_args().is_some()
    }

    /// This helper's own options when the value runs it (`--timeout 2`; `""` for none), else
    /// `None`.
    pub fn our_args(&self) -> Option<&str> {
        match self {
            Helper::Shell(code) => {
                let (program, args) = shell_word(code);
                let base = program.rsplit(['/', '\\']).next().unwrap_or(&program);
                (base.strip_suffix(".exe").unwrap_or(base) == OUR_PROGRAM).then_some(args)
            }
            Helper::Named { args, .. } | Helper::Path { args, .. } => {
                (self.name() == "hf").then_some(args.as_str())
            }
        }
    }

    /// The command that makes this helper forget `target`'s credentials: the erase git itself
    /// would run, without a user name so every copy goes. `None` for a shell helper, which
    /// prints its answer itself: only editing the config helps.
    pub fn erase_command(&self, target: &Origin) -> Option<String> {
        let request = format!(
            "printf 'protocol={}\\nhost={}\\n\\n'",
            target.scheme(),
            target.authority()
        );
        let with_args = |program: &str, args: &str| match args {
            "" => format!("{program} erase"),
            args => format!("{program} {args} erase"),
        };
        match self {
            Helper::Shell(_) => None,
            Helper::Path { program, args } => {
                Some(format!("{request} | {}", with_args(program, args)))
            }
            Helper::Named { name, args } => Some(format!(
                "{request} | {}",
                with_args(&format!("git credential-{name}"), args)
            )),
        }
    }
}

/// The program's name: on PATH as such, it is what `setup` writes after the `!`.
pub const OUR_PROGRAM: &str = "git-credential-hf";

/// The first word of a shell command as sh reads it (quotes and backslashes undone), and the
/// rest after the blanks that end it.
fn shell_word(code: &str) -> (String, &str) {
    let code = code.trim_start();
    let mut word = String::new();
    let mut chars = code.char_indices();
    let mut quote = None;
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (None, c) if c.is_whitespace() => return (word, code[i..].trim_start()),
            (None, '\\') | (Some('"'), '\\') => {
                if let Some((_, next)) = chars.next() {
                    word.push(next);
                }
            }
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (_, c) => word.push(c),
        }
    }
    (word, "")
}

/// One helper of the chain, with where git read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Configured {
    /// The value as written.
    pub value: String,
    pub helper: Helper,
    /// `global`, `system`, `local`, `command`, ...
    pub scope: String,
    pub file: String,
}

/// The helpers git would run for `target`, in order, as `credential.c` collects them:
/// every matching entry in config order, an empty value clearing the list so far.
pub fn chain(git: &dyn Git, target: &Origin, cwd: &Path) -> anyhow::Result<Vec<Configured>> {
    let entries = config::entries(git, cwd, r"^credential\..*helper$")?;
    Ok(chain_of(&entries, target))
}

fn chain_of(entries: &[Entry], target: &Origin) -> Vec<Configured> {
    let mut chain = Vec::new();
    for entry in entries {
        let Some(pattern) = helper_key_pattern(&entry.key) else {
            continue;
        };
        if !pattern_matches(pattern, target) {
            continue;
        }
        if entry.value.is_empty() {
            chain.clear();
        } else {
            chain.push(Configured {
                value: entry.value.clone(),
                helper: Helper::parse(&entry.value),
                scope: entry.scope.clone(),
                file: entry.file.clone(),
            });
        }
    }
    chain
}

/// `credential.helper` -> `""`, `credential.<url>.helper` -> `<url>`.
fn helper_key_pattern(key: &str) -> Option<&str> {
    let rest = key.strip_prefix("credential.")?;
    if rest == "helper" {
        return Some("");
    }
    rest.strip_suffix(".helper")
}

/// git's URL matching for `credential.<pattern>.*`, for a request without path or user:
/// full URLs match on scheme, host (a `*` label matches any one label) and port; partial
/// ones (`huggingface.co`) on the host alone. Patterns with a user or a path never match.
pub fn pattern_matches(pattern: &str, target: &Origin) -> bool {
    if pattern.is_empty() {
        return true;
    }
    let Some(url) = Url::split(pattern) else {
        return !pattern.contains(['/', '@']) && pattern.eq_ignore_ascii_case(&target.authority());
    };
    if url.userinfo.is_some() || !(url.rest.is_empty() || url.rest == "/") {
        return false;
    }
    let authority = url.hostport;
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((inner, "")) => (&authority[..inner.len() + 2], None),
            Some((inner, rest)) => (&authority[..inner.len() + 2], rest.strip_prefix(':')),
            None => return false,
        },
        None => match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        },
    };
    let hostport = match port {
        Some(p) => format!("{}:{p}", target.host()),
        None => target.host().to_string(),
    };
    // Scheme and port compare through Origin, so default ports normalise.
    hosts_match(host, target.host())
        && Origin::from_parts(url.scheme, &hostport).as_ref() == Some(target)
}

fn hosts_match(pattern: &str, host: &str) -> bool {
    let p: Vec<&str> = pattern.split('.').collect();
    let h: Vec<&str> = host.split('.').collect();
    p.len() == h.len()
        && p.iter()
            .zip(&h)
            .all(|(p, h)| *p == "*" || p.eq_ignore_ascii_case(h))
}

/// A username and secret a helper answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub username: String,
    pub token: Token,
}

/// What one helper answers for `target`, asked through git itself so every helper kind
/// (store, cache, osxkeychain, libsecret, manager, scripts) is covered the same way.
/// Prompts of every kind are off and the helper gets at most `timeout`.
pub fn ask(
    git: &dyn Git,
    value: &str,
    target: &Origin,
    timeout: Duration,
) -> Result<Option<Answer>, String> {
    let helper = format!("credential.helper={value}");
    let mut request = Vec::new();
    write_fields(
        &mut request,
        &[("protocol", target.scheme()), ("host", &target.authority())],
    )
    .map_err(|e| e.to_string())?;
    request.push(b'\n');
    let run = Run {
        stdin: request,
        env: vec![
            ("GIT_TERMINAL_PROMPT", Some("0")),
            ("GCM_INTERACTIVE", Some("never")),
            ("GIT_ASKPASS", None),
            ("SSH_ASKPASS", None),
        ],
        timeout: Some(timeout),
        ..Run::new([
            "-c",
            "credential.helper=",
            "-c",
            &helper,
            "-c",
            "credential.interactive=false",
            "-c",
            "core.askPass=",
            "credential",
            "fill",
        ])
    };
    let out = git.run(&run).map_err(|e| format!("cannot run git: {e}"))?;
    if out.code.is_none() {
        return Err(format!("no answer within {} s", timeout.as_secs()));
    }
    // An answer git could not parse is no answer.
    let answer = read_request(&out.stdout[..]).unwrap_or_default();
    Ok(answer
        .password
        .filter(|p| !p.expose().is_empty())
        .map(|token| Answer {
            username: answer.username.unwrap_or_default(),
            token,
        }))
}

/// `git credential reject` for `url` and `username`, through every helper configured for it
/// from `cwd` (huggingface_hub's `unset_git_credential`).
pub fn reject(git: &dyn Git, url: &str, username: &str, cwd: &Path) -> Result<(), String> {
    let mut request = Vec::new();
    write_fields(
        &mut request,
        &[("url", url), ("username", &username.to_lowercase())],
    )
    .map_err(|e| e.to_string())?;
    request.push(b'\n');
    let run = Run {
        stdin: request,
        env: vec![("GIT_TERMINAL_PROMPT", Some("0"))],
        timeout: Some(Duration::from_secs(10)),
        ..Run::new(["credential", "reject"]).cwd(cwd)
    };
    match git.run(&run) {
        Ok(out) if out.code == Some(0) => Ok(()),
        Ok(out) => Err(out.reason()),
        Err(e) => Err(format!("cannot run git: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::git::FakeGit;

    fn hub() -> Origin {
        Origin::from_url("https://huggingface.co").unwrap()
    }

    #[test]
    fn reads_helper_values_like_git() {
        let names = [
            ("store --file=/x", "store", false),
            (
                "/usr/lib/git-core/git-credential-libsecret",
                "libsecret",
                false,
            ),
            ("'/a b/git-credential-hf' -v", "hf", true),
            ("'C:\\Program Files\\git-credential-hf.exe' -v", "hf", true),
            ("!f() { echo x; }; f", "shell", false),
            ("manager", "manager", false),
            ("hf --timeout 2", "hf", true),
            ("git-credential-hf", "hf", true),
            (
                r"C:/Program\ Files/hf/git-credential-hf.exe --timeout 2",
                "hf",
                true,
            ),
            (r"/opt/a\ b/git-credential-store --file x", "store", false),
            ("!git-credential-hf", "hf", true),
            ("!git-credential-hf --timeout 2", "hf", true),
            ("!/usr/local/bin/git-credential-hf -v", "hf", true),
            (r"!'/a b/git-credential-hf' -v", "hf", true),
            (r#"!"/a b/git-credential-hf.exe""#, "hf", true),
            (r"!/a\ b/git-credential-hf", "hf", true),
            ("!git-credential-hf-other", "shell", false),
            ("!gh auth git-credential", "shell", false),
        ];
        for (value, name, ours) in names {
            let h = Helper::parse(value);
            assert_eq!((h.name().as_str(), h.is_ours()), (name, ours), "{value}");
        }
        let args = |v: &str| Helper::parse(v).our_args().map(str::to_string);
        assert_eq!(
            args("!git-credential-hf --timeout 2").as_deref(),
            Some("--timeout 2")
        );
        assert_eq!(
            args(r"!'/a b/git-credential-hf'  -v").as_deref(),
            Some("-v")
        );
        assert_eq!(
            args("hf --auth-type bearer").as_deref(),
            Some("--auth-type bearer")
        );
        assert_eq!(args("hf").as_deref(), Some(""));
        assert_eq!(args("store"), None);
        assert_eq!(
            Helper::parse(r"/a\ b/x --y z"),
            Helper::Path {
                program: r"/a\ b/x".into(),
                args: "--y z".into()
            }
        );
        assert_eq!(
            Helper::parse("'/a b/x' --y z"),
            Helper::Path {
                program: "/a b/x".into(),
                args: "--y z".into()
            }
        );
    }

    #[test]
    fn erase_commands_are_the_ones_git_would_run() {
        let t = hub();
        let store = Helper::parse("store --file=/x").erase_command(&t).unwrap();
        assert!(
            store.ends_with("| git credential-store --file=/x erase"),
            "{store}"
        );
        assert!(store.starts_with("printf 'protocol=https\\nhost=huggingface.co\\n\\n'"));
        let path = Helper::parse("/usr/lib/git-credential-libsecret").erase_command(&t);
        assert!(
            path.unwrap()
                .ends_with("| /usr/lib/git-credential-libsecret erase")
        );
        assert_eq!(Helper::parse("!echo").erase_command(&t), None);
    }

    #[test]
    fn config_patterns_match_like_git() {
        let t = hub();
        for p in [
            "",
            "https://huggingface.co",
            "https://huggingface.co/",
            "HTTPS://HuggingFace.co",
            "https://*.co",
            "https://huggingface.co:443",
            "huggingface.co",
        ] {
            assert!(pattern_matches(p, &t), "{p}");
        }
        for p in [
            "http://huggingface.co",
            "https://hf.co",
            "https://huggingface.co/org",
            "https://git@huggingface.co",
            "https://*.huggingface.co",
            "https://huggingface.co:8443",
            "hf.co",
        ] {
            assert!(!pattern_matches(p, &t), "{p}");
        }
        let local = Origin::from_url("http://127.0.0.1:8080").unwrap();
        assert!(pattern_matches("http://127.0.0.1:8080", &local));
        assert!(!pattern_matches("http://127.0.0.1", &local));
    }

    #[test]
    fn the_chain_resets_at_an_empty_value() {
        let e = |key: &str, value: &str| Entry {
            scope: "global".into(),
            file: "/h/.gitconfig".into(),
            key: key.into(),
            value: value.into(),
        };
        let entries = [
            e("credential.helper", "store"),
            e("credential.https://huggingface.co.helper", ""),
            e("credential.https://huggingface.co.helper", "hf"),
            e("credential.https://hf.co.helper", "cache"),
        ];
        let names: Vec<String> = chain_of(&entries, &hub())
            .iter()
            .map(|c| c.helper.name())
            .collect();
        assert_eq!(names, ["hf"]);
    }

    #[test]
    fn another_helpers_answer_is_read_with_the_protocol_codec() {
        let git = FakeGit::default().answer(
            &["credential", "fill"],
            "protocol=https\nhost=huggingface.co\nusername=hf_user\npassword=hf_x\n",
        );
        let a = ask(&git, "store", &hub(), Duration::from_secs(1))
            .unwrap()
            .unwrap();
        assert_eq!((a.username.as_str(), a.token.expose()), ("hf_user", "hf_x"));
        let none = FakeGit::default().answer(&["credential", "fill"], "username=git\n");
        assert_eq!(
            ask(&none, "store", &hub(), Duration::from_secs(1)),
            Ok(None)
        );
    }
}
