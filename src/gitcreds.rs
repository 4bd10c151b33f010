//! What git holds for the Hub: the credential helper chain it would run for a URL (in git's
//! order, with git's reset rule), what each of those helpers answers, credential-store files,
//! and remote URLs with a token inside.

use crate::origin::Origin;
use crate::secret::Token;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One `credential.[<url>.]helper` entry that applies to the URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelperEntry {
    pub value: String,
    /// `global`, `system`, `local`, `command`, ...
    pub scope: String,
    /// Where git read it: `file:/home/me/.gitconfig`, `command line:`.
    pub origin: String,
}

impl HelperEntry {
    /// `store`, `cache`, `manager`, `osxkeychain`, a program's file name, or `shell`.
    pub fn name(&self) -> String {
        helper_name(&self.value)
    }
}

pub fn helper_name(value: &str) -> String {
    if value.starts_with('!') {
        return "shell".to_string();
    }
    let program = match value.strip_prefix('\'') {
        Some(quoted) => quoted.split('\'').next(),
        None => value.split_whitespace().next(),
    }
    .unwrap_or("");
    let base = program.rsplit('/').next().unwrap_or(program);
    base.strip_prefix("git-credential-")
        .unwrap_or(base)
        .to_string()
}

/// The helpers git would run for `target`, in order, as `credential.c` collects them:
/// every matching entry in config order, an empty value clearing the list so far.
pub fn helper_chain(target: &Origin, cwd: &Path) -> anyhow::Result<Vec<HelperEntry>> {
    let out = Command::new("git")
        .args([
            "config",
            "--show-scope",
            "--show-origin",
            "-z",
            "--get-regexp",
        ])
        .arg(r"^credential\..*helper$")
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| anyhow::anyhow!("cannot run git: {e}: install git or put it on PATH"))?;
    if !matches!(out.status.code(), Some(0 | 1)) {
        anyhow::bail!(
            "git config failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let fields: Vec<&str> = text.split('\0').collect();
    let mut chain: Vec<HelperEntry> = Vec::new();
    for record in fields.chunks(3) {
        let [scope, origin, key_value] = record else {
            break;
        };
        let (key, value) = key_value.split_once('\n').unwrap_or((key_value, ""));
        let Some(pattern) = helper_key_pattern(key) else {
            continue;
        };
        if !pattern_matches(pattern, target) {
            continue;
        }
        if value.is_empty() {
            chain.clear();
        } else {
            chain.push(HelperEntry {
                value: value.to_string(),
                scope: scope.to_string(),
                origin: origin.to_string(),
            });
        }
    }
    Ok(chain)
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
    let (scheme, rest) = match pattern.split_once("://") {
        Some((s, r)) => (Some(s), r),
        None => (None, pattern),
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if authority.contains('@') || !(path.is_empty() || path == "/") {
        return false;
    }
    let Some(scheme) = scheme else {
        return authority.eq_ignore_ascii_case(&target.authority());
    };
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
    // Scheme and port compare through Origin, so default ports normalise.
    hosts_match(host, target.host())
        && Origin::from_parts(scheme, &with_port(target.host(), port)).as_ref() == Some(target)
}

fn with_port(host: &str, port: Option<&str>) -> String {
    match port {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    }
}

fn hosts_match(pattern: &str, host: &str) -> bool {
    let p: Vec<&str> = pattern.split('.').collect();
    let h: Vec<&str> = host.split('.').collect();
    p.len() == h.len()
        && p.iter()
            .zip(&h)
            .all(|(p, h)| *p == "*" || p.eq_ignore_ascii_case(h))
}

/// What one helper answers for `target`, asked through git itself so every helper kind
/// (store, cache, osxkeychain, libsecret, manager, scripts) is covered the same way.
/// Prompts of every kind are off and the helper gets at most `timeout`.
pub fn ask_helper(
    value: &str,
    target: &Origin,
    timeout: Duration,
) -> Result<Option<Answer>, String> {
    let helper = format!("credential.helper={value}");
    let mut child = Command::new("git")
        .args(["-c", "credential.helper=", "-c", &helper])
        .args(["-c", "credential.interactive=false", "-c", "core.askPass="])
        .args(["credential", "fill"])
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GCM_INTERACTIVE", "never")
        .env_remove("GIT_ASKPASS")
        .env_remove("SSH_ASKPASS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let request = format!(
        "protocol={}\nhost={}\n\n",
        target.scheme(),
        target.authority()
    );
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(request.as_bytes());
    }
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("no answer within {} s", timeout.as_secs()));
            }
        }
    }
    let mut stdout = String::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_string(&mut stdout);
    }
    Ok(parse_answer(&stdout))
}

/// A username and secret that git would send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub username: String,
    pub token: Token,
}

fn parse_answer(stdout: &str) -> Option<Answer> {
    let field = |k: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(k)?.strip_prefix('='))
            .map(str::to_string)
    };
    let token = field("password").filter(|p| !p.is_empty())?;
    Some(Answer {
        username: field("username").unwrap_or_default(),
        token: Token::new(token),
    })
}

/// The credentials inside a URL (`https://user:token@host/...`), percent-decoded.
pub fn url_credentials(url: &str) -> Option<(Origin, Answer)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let (userinfo, hostport) = authority.rsplit_once('@')?;
    let origin = Origin::from_parts(scheme, hostport)?;
    let (user, password) = match userinfo.split_once(':') {
        Some((u, p)) => (percent_decode(u), percent_decode(p)),
        // A token pasted as the user name is sent all the same.
        None if userinfo.starts_with("hf_") => (String::new(), percent_decode(userinfo)),
        None => return None,
    };
    (!password.is_empty()).then(|| {
        (
            origin,
            Answer {
                username: user,
                token: Token::new(password),
            },
        )
    })
}

/// `url` with any password (or token-like user name) replaced by `****`, for display.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            let user = if user.starts_with("hf_") {
                "****"
            } else {
                user
            };
            let shown = if userinfo.contains(':') {
                format!("{user}:****")
            } else {
                user.to_string()
            };
            format!("{scheme}://{shown}@{host}{tail}")
        }
        None => url.to_string(),
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).and_then(|b| hex(*b)),
            bytes.get(i + 2).and_then(|b| hex(*b)),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The version `git <args>` reports (`git version 2.47.3`, `git-lfs/3.3.0 (...)`), as
/// (major, minor); `None` when the program is missing.
pub fn tool_version(args: &[&str]) -> Option<(u32, u32)> {
    let out = Command::new("git")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    parse_version(&text).filter(|_| out.status.success())
}

fn parse_version(text: &str) -> Option<(u32, u32)> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let mut parts = text[start..].split(|c: char| !c.is_ascii_digit());
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// Remote URLs (`remote.<name>.url` / `pushurl`) of the repository at `cwd`.
pub fn remote_urls(cwd: &Path) -> Vec<(String, String)> {
    let Ok(out) = Command::new("git")
        .args([
            "config",
            "-z",
            "--get-regexp",
            r"^remote\..*\.(url|pushurl)$",
        ])
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
    else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .split('\0')
        .filter_map(|kv| kv.split_once('\n'))
        .map(|(k, v)| {
            let name = k
                .strip_prefix("remote.")
                .and_then(|r| r.rsplit_once('.'))
                .map_or(k, |(n, _)| n);
            (name.to_string(), v.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hub() -> Origin {
        Origin::from_url("https://huggingface.co").unwrap()
    }

    #[test]
    fn names_helpers_like_users_know_them() {
        assert_eq!(helper_name("store --file=/x"), "store");
        assert_eq!(
            helper_name("/usr/lib/git-core/git-credential-libsecret"),
            "libsecret"
        );
        assert_eq!(helper_name("'/a b/git-credential-hf' -v"), "hf");
        assert_eq!(helper_name("!f() { echo x; }; f"), "shell");
        assert_eq!(helper_name("manager"), "manager");
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
    fn url_credentials_are_found_decoded_and_redacted() {
        let (origin, a) = url_credentials("https://user:hf_a%2Fb@huggingface.co/org/m").unwrap();
        assert_eq!(origin, hub());
        assert_eq!((a.username.as_str(), a.token.expose()), ("user", "hf_a/b"));
        assert_eq!(
            url_credentials("https://hf_tok@hf.co/x")
                .unwrap()
                .1
                .token
                .expose(),
            "hf_tok"
        );
        assert_eq!(url_credentials("https://alice@hf.co/x"), None);
        assert_eq!(url_credentials("https://hf.co/x"), None);
        assert_eq!(
            redact_url("https://user:hf_x@hf.co/org/m"),
            "https://user:****@hf.co/org/m"
        );
        assert_eq!(redact_url("https://hf_x@hf.co/m"), "https://****@hf.co/m");
        assert_eq!(redact_url("https://hf.co/m"), "https://hf.co/m");
    }

    #[test]
    fn reads_tool_versions() {
        assert_eq!(parse_version("git version 2.47.3\n"), Some((2, 47)));
        assert_eq!(
            parse_version("git-lfs/3.3.0 (GitHub; linux amd64; go 1.19.8)"),
            Some((3, 3))
        );
        assert_eq!(parse_version("nothing"), None);
    }

    #[test]
    fn answers_need_a_password() {
        assert_eq!(parse_answer("username=git\n"), None);
        let a = parse_answer("username=git\npassword=hf_x\n").unwrap();
        assert_eq!(a.token.expose(), "hf_x");
    }
}
