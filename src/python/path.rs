//! Python's `posixpath.expanduser`, `expandvars`, `join` and `dirname`, and pathlib's `Path()`,
//! to the letter, because huggingface_hub builds its token path with them and "the same token
//! as Python" means the same path as Python, quirks included.

use crate::env::{Env, HOME, NotUnicode};
use std::path::PathBuf;

/// The user database (`pwd`): the current user's home for `None`, else the named user's.
pub type UserHome<'a> = &'a dyn Fn(Option<&str>) -> Option<String>;

/// `os.path.expanduser`: a leading `~` becomes HOME (or the user database entry when HOME is
/// unset), `~name` the home of `name`; anything unknown is left as written.
pub fn expanduser(path: &str, env: &Env, user_home: UserHome) -> Result<String, NotUnicode> {
    if !path.starts_with('~') {
        return Ok(path.to_string());
    }
    let i = path[1..].find('/').map_or(path.len(), |i| i + 1);
    let userhome = if i == 1 {
        match env.get(HOME)? {
            Some(home) => home.to_string(),
            None => match user_home(None) {
                Some(home) => home,
                None => return Ok(path.to_string()),
            },
        }
    } else {
        match user_home(Some(&path[1..i])) {
            Some(home) => home,
            None => return Ok(path.to_string()),
        }
    };
    let expanded = format!("{}{}", userhome.trim_end_matches('/'), &path[i..]);
    Ok(if expanded.is_empty() {
        "/".to_string()
    } else {
        expanded
    })
}

/// `os.path.expandvars`: `$name` and `${name}` (name in `[A-Za-z0-9_]` for the bare form)
/// replaced by set variables; unset ones are left as written; values are not re-expanded.
pub fn expandvars(path: &str, env: &Env) -> Result<String, NotUnicode> {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        let (name, len) = match variable_name(after) {
            Some(found) => found,
            None => {
                out.push('$');
                rest = after;
                continue;
            }
        };
        match env.named(name)? {
            Some(value) => out.push_str(value),
            None => out.push_str(&rest[dollar..dollar + 1 + len]),
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The variable name after a `$` and how many bytes its reference takes, per the regex
/// `\w+|\{[^}]*\}` in ASCII mode.
fn variable_name(after: &str) -> Option<(&str, usize)> {
    let word = after
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    if word > 0 {
        return Some((&after[..word], word));
    }
    let inner = after.strip_prefix('{')?;
    let close = inner.find('}')?;
    Some((&inner[..close], close + 2))
}

/// `os.path.join` for two components.
pub fn join(a: &str, b: &str) -> String {
    if b.starts_with('/') {
        b.to_string()
    } else if a.is_empty() || a.ends_with('/') {
        format!("{a}{b}")
    } else {
        format!("{a}/{b}")
    }
}

/// `os.path.dirname`.
pub fn dirname(p: &str) -> String {
    let head = &p[..p.rfind('/').map_or(0, |i| i + 1)];
    if !head.is_empty() && !head.bytes().all(|b| b == b'/') {
        head.trim_end_matches('/').to_string()
    } else {
        head.to_string()
    }
}

/// The file Python's `Path(p)` opens: `""` is `.`, trailing slashes are dropped.
pub fn pathlib_path(p: &str) -> PathBuf {
    let trimmed = p.trim_end_matches('/');
    PathBuf::from(match (p.is_empty(), trimmed.is_empty()) {
        (true, _) => ".",
        (false, true) => "/",
        (false, false) => trimmed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sys(user: Option<&str>) -> Option<String> {
        match user {
            None => Some("/home/pw".into()),
            Some("bob") => Some("/home/bob/".into()),
            Some(_) => None,
        }
    }

    #[test]
    fn expanduser_matches_posixpath() {
        let env = Env::from_pairs([("HOME", "/h/me/")]);
        let cases = [
            ("~", "/h/me"),
            ("~/x", "/h/me/x"),
            ("~bob/x", "/home/bob/x"),
            ("~bob", "/home/bob"),
            ("~nobody/x", "~nobody/x"),
            ("x/~", "x/~"),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(expanduser(input, &env, &sys).unwrap(), want, "{input}");
        }
        let no_home = Env::default();
        assert_eq!(expanduser("~/x", &no_home, &sys).unwrap(), "/home/pw/x");
        let root_home = Env::from_pairs([("HOME", "/")]);
        assert_eq!(expanduser("~", &root_home, &sys).unwrap(), "/");
        let empty_home = Env::from_pairs([("HOME", "")]);
        assert_eq!(expanduser("~/x", &empty_home, &sys).unwrap(), "/x");
    }

    #[test]
    fn expandvars_matches_posixpath() {
        let env = Env::from_pairs([("A", "/a"), ("B_1", "b$A")]);
        let cases = [
            ("$A/x", "/a/x"),
            ("${A}/x", "/a/x"),
            ("$B_1", "b$A"),
            ("$A$A", "/a/a"),
            ("$NOPE/x", "$NOPE/x"),
            ("${NOPE}/$A", "${NOPE}//a"),
            ("${}", "${}"),
            ("$", "$"),
            ("$/x", "$/x"),
            ("${A", "${A"),
            ("a$-b", "a$-b"),
            ("$A-b", "/a-b"),
            ("${A B}", "${A B}"),
            ("é$A", "é/a"),
        ];
        for (input, want) in cases {
            assert_eq!(expandvars(input, &env).unwrap(), want, "{input}");
        }
    }

    #[test]
    fn pathlib_normalisation() {
        assert_eq!(pathlib_path(""), PathBuf::from("."));
        assert_eq!(pathlib_path("a/token/"), PathBuf::from("a/token"));
        assert_eq!(pathlib_path("//"), PathBuf::from("/"));
    }

    #[test]
    fn join_and_dirname_match_posixpath() {
        assert_eq!(join("", "huggingface"), "huggingface");
        assert_eq!(join("/a/", "b"), "/a/b");
        assert_eq!(join("/a", "/b"), "/b");
        assert_eq!(join("a", "b"), "a/b");
        assert_eq!(dirname("/a/b/token"), "/a/b");
        assert_eq!(dirname("token"), "");
        assert_eq!(dirname("/token"), "/");
        assert_eq!(dirname("//token"), "//");
        assert_eq!(dirname("a//token"), "a");
    }
}
