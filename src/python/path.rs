//! Python's `os.path.expanduser`, `expandvars`, `join` and `dirname`, and pathlib's `Path()`,
//! to the letter, for both of Python's flavours: `posixpath` (Linux, macOS) and `ntpath`
//! (Windows). huggingface_hub builds its token path with them, and "the same token as Python"
//! means the same path as Python, quirks included.
//!
//! Paths are bytes, as they are on Unix (Python keeps undecodable bytes as surrogates and gets
//! them back unchanged): every function here works on `&[u8]`, and splits only at ASCII
//! characters, so text in any encoding passes through untouched.

use crate::env::{Env, HOME, os_string};
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    Posix,
    Nt,
}

impl Flavor {
    /// The flavour Python uses on this system.
    pub const NATIVE: Flavor = if cfg!(windows) {
        Flavor::Nt
    } else {
        Flavor::Posix
    };

    fn is_sep(self, b: u8) -> bool {
        b == b'/' || (self == Flavor::Nt && b == b'\\')
    }

    fn sep(self) -> u8 {
        match self {
            Flavor::Posix => b'/',
            Flavor::Nt => b'\\',
        }
    }
}

/// The user database (`pwd`, on Unix): the current user's home for `None`, else the named
/// user's.
pub type UserHome<'a> = &'a dyn Fn(Option<&str>) -> Option<String>;

/// Python's path functions as one flavour runs them, against one environment.
pub struct Paths<'a> {
    pub flavor: Flavor,
    pub env: &'a Env,
    pub user_home: UserHome<'a>,
}

impl Paths<'_> {
    /// `os.path.expanduser`.
    pub fn expanduser(&self, path: &[u8]) -> Vec<u8> {
        match self.flavor {
            Flavor::Posix => self.posix_expanduser(path),
            Flavor::Nt => self.nt_expanduser(path),
        }
    }

    /// `posixpath.expanduser`: a leading `~` becomes HOME (or the user database entry when
    /// HOME is unset), `~name` the home of `name`; anything unknown is left as written.
    fn posix_expanduser(&self, path: &[u8]) -> Vec<u8> {
        if !path.starts_with(b"~") {
            return path.to_vec();
        }
        let i = path[1..]
            .iter()
            .position(|&b| b == b'/')
            .map_or(path.len(), |i| i + 1);
        let userhome: Vec<u8> = if i == 1 {
            match self.env.bytes(HOME.name) {
                Some(home) => home,
                None => match (self.user_home)(None) {
                    Some(home) => home.into_bytes(),
                    None => return path.to_vec(),
                },
            }
        } else {
            let name = String::from_utf8_lossy(&path[1..i]);
            match (self.user_home)(Some(&name)) {
                Some(home) => home.into_bytes(),
                None => return path.to_vec(),
            }
        };
        let trimmed = trim_end(&userhome, |b| b == b'/');
        let mut out = [trimmed, &path[i..]].concat();
        if out.is_empty() {
            out.push(b'/');
        }
        out
    }

    /// `ntpath.expanduser`: USERPROFILE, else HOMEDRIVE + HOMEPATH (HOME is ignored); `~user`
    /// is guessed as a sibling of the current user's profile folder.
    fn nt_expanduser(&self, path: &[u8]) -> Vec<u8> {
        if !path.starts_with(b"~") {
            return path.to_vec();
        }
        let nt = Flavor::Nt;
        let i = path[1..]
            .iter()
            .position(|&b| nt.is_sep(b))
            .map_or(path.len(), |i| i + 1);
        let userhome = match self.env.bytes("USERPROFILE") {
            Some(profile) => profile,
            None => match self.env.bytes("HOMEPATH") {
                None => return path.to_vec(),
                Some(homepath) => {
                    let drive = self.env.bytes("HOMEDRIVE").unwrap_or_default();
                    self.join(&drive, &homepath)
                }
            },
        };
        let mut userhome = userhome;
        if i != 1 {
            let target = &path[1..i];
            let current = self.env.bytes("USERNAME");
            if current.as_deref() != Some(target) {
                if current.as_deref() != Some(basename(nt, &userhome)) {
                    return path.to_vec();
                }
                userhome = self.join(&self.dirname(&userhome), target);
            }
        }
        [&userhome[..], &path[i..]].concat()
    }

    /// `os.path.expandvars`.
    pub fn expandvars(&self, path: &[u8]) -> Vec<u8> {
        match self.flavor {
            Flavor::Posix => self.posix_expandvars(path),
            Flavor::Nt => self.nt_expandvars(path),
        }
    }

    /// `posixpath.expandvars`: `$name` and `${name}` (name in `[A-Za-z0-9_]` for the bare
    /// form) replaced by set variables; unset ones are left as written; values are not
    /// re-expanded.
    fn posix_expandvars(&self, path: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(path.len());
        let mut rest = path;
        while let Some(dollar) = rest.iter().position(|&b| b == b'$') {
            out.extend_from_slice(&rest[..dollar]);
            let after = &rest[dollar + 1..];
            let Some((name, len)) = variable_name(after) else {
                out.push(b'$');
                rest = after;
                continue;
            };
            match self.env.bytes_named(name) {
                Some(value) => out.extend_from_slice(&value),
                None => out.extend_from_slice(&rest[dollar..dollar + 1 + len]),
            }
            rest = &after[len..];
        }
        out.extend_from_slice(rest);
        out
    }

    /// `ntpath.expandvars`: `%name%`, `$name` and `${name}`; `%%` and `$$` are one character;
    /// nothing is expanded between single quotes; unset variables are left as written.
    fn nt_expandvars(&self, path: &[u8]) -> Vec<u8> {
        if !path.contains(&b'$') && !path.contains(&b'%') {
            return path.to_vec();
        }
        let varchar = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
        let mut res = Vec::with_capacity(path.len());
        let mut i = 0;
        while i < path.len() {
            let rest = &path[i + 1..];
            match path[i] {
                b'\'' => match rest.iter().position(|&b| b == b'\'') {
                    Some(close) => {
                        res.extend_from_slice(&path[i..i + close + 2]);
                        i += close + 2;
                    }
                    None => {
                        res.extend_from_slice(&path[i..]);
                        i = path.len();
                    }
                },
                b'%' if rest.first() == Some(&b'%') => {
                    res.push(b'%');
                    i += 2;
                }
                b'%' => match rest.iter().position(|&b| b == b'%') {
                    Some(close) => {
                        let name = &rest[..close];
                        match self.env.bytes_named(name) {
                            Some(value) => res.extend_from_slice(&value),
                            None => res.extend_from_slice(&path[i..i + close + 2]),
                        }
                        i += close + 2;
                    }
                    None => {
                        res.extend_from_slice(&path[i..]);
                        i = path.len();
                    }
                },
                b'$' if rest.first() == Some(&b'$') => {
                    res.push(b'$');
                    i += 2;
                }
                b'$' if rest.first() == Some(&b'{') => {
                    match rest[1..].iter().position(|&b| b == b'}') {
                        Some(close) => {
                            let name = &rest[1..1 + close];
                            match self.env.bytes_named(name) {
                                Some(value) => res.extend_from_slice(&value),
                                None => res.extend_from_slice(&path[i..i + close + 3]),
                            }
                            i += close + 3;
                        }
                        None => {
                            res.extend_from_slice(&path[i..]);
                            i = path.len();
                        }
                    }
                }
                b'$' => {
                    let len = rest.iter().take_while(|&&b| varchar(b)).count();
                    let name = &rest[..len];
                    match self.env.bytes_named(name) {
                        Some(value) => res.extend_from_slice(&value),
                        None => res.extend_from_slice(&path[i..i + 1 + len]),
                    }
                    i += 1 + len;
                }
                b => {
                    res.push(b);
                    i += 1;
                }
            }
        }
        res
    }

    /// `os.path.join` for two components.
    pub fn join(&self, a: &[u8], b: &[u8]) -> Vec<u8> {
        match self.flavor {
            Flavor::Posix => {
                if b.starts_with(b"/") {
                    b.to_vec()
                } else if a.is_empty() || a.ends_with(b"/") {
                    [a, b].concat()
                } else {
                    [a, b"/", b].concat()
                }
            }
            Flavor::Nt => nt_join(a, b),
        }
    }

    /// `os.path.dirname`.
    pub fn dirname(&self, p: &[u8]) -> Vec<u8> {
        split(self.flavor, p).0
    }
}

/// The variable name after a `$` and how many bytes its reference takes, per the regex
/// `\w+|\{[^}]*\}` in ASCII mode.
fn variable_name(after: &[u8]) -> Option<(&[u8], usize)> {
    let word = after
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    if word > 0 {
        return Some((&after[..word], word));
    }
    let inner = after.strip_prefix(b"{")?;
    let close = inner.iter().position(|&b| b == b'}')?;
    Some((&inner[..close], close + 2))
}

fn trim_end(s: &[u8], strip: impl Fn(u8) -> bool) -> &[u8] {
    let end = s.iter().rposition(|&b| !strip(b)).map_or(0, |i| i + 1);
    &s[..end]
}

/// `ntpath.splitdrive`: a drive letter (`C:`) or a UNC share (`\\server\share`).
fn splitdrive(p: &[u8]) -> (&[u8], &[u8]) {
    if p.len() >= 2 {
        let nt = Flavor::Nt;
        let norm: Vec<u8> = p
            .iter()
            .map(|&b| if b == b'/' { b'\\' } else { b })
            .collect();
        if nt.is_sep(norm[0]) && nt.is_sep(norm[1]) {
            let upper: Vec<u8> = norm.iter().take(8).map(u8::to_ascii_uppercase).collect();
            let start = if upper == b"\\\\?\\UNC\\" { 8 } else { 2 };
            let find = |from: usize| {
                norm[from.min(norm.len())..]
                    .iter()
                    .position(|&b| b == b'\\')
                    .map(|i| i + from)
            };
            let Some(index) = find(start) else {
                return (p, &p[..0]);
            };
            let Some(index2) = find(index + 1) else {
                return (p, &p[..0]);
            };
            return (&p[..index2], &p[index2..]);
        }
        if norm[1] == b':' {
            return (&p[..2], &p[2..]);
        }
    }
    (&p[..0], p)
}

fn nt_join(a: &[u8], b: &[u8]) -> Vec<u8> {
    let nt = Flavor::Nt;
    let (mut drive, mut path) = {
        let (d, p) = splitdrive(a);
        (d.to_vec(), p.to_vec())
    };
    let (p_drive, p_path) = splitdrive(b);
    if p_path.first().is_some_and(|&c| nt.is_sep(c)) {
        if !p_drive.is_empty() || drive.is_empty() {
            drive = p_drive.to_vec();
        }
        path = p_path.to_vec();
    } else if !p_drive.is_empty() && p_drive != drive.as_slice() {
        if !p_drive.eq_ignore_ascii_case(&drive) {
            drive = p_drive.to_vec();
            path = p_path.to_vec();
        } else {
            drive = p_drive.to_vec();
            if path.last().is_some_and(|&c| !nt.is_sep(c)) {
                path.push(b'\\');
            }
            path.extend_from_slice(p_path);
        }
    } else {
        if path.last().is_some_and(|&c| !nt.is_sep(c)) {
            path.push(b'\\');
        }
        path.extend_from_slice(p_path);
    }
    if path.first().is_some_and(|&c| !nt.is_sep(c)) && drive.last().is_some_and(|&c| c != b':') {
        return [&drive[..], b"\\", &path[..]].concat();
    }
    [drive, path].concat()
}

/// `os.path.split`.
fn split(flavor: Flavor, p: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let (drive, rest) = match flavor {
        Flavor::Posix => (&p[..0], p),
        Flavor::Nt => splitdrive(p),
    };
    let i = rest
        .iter()
        .rposition(|&b| flavor.is_sep(b))
        .map_or(0, |i| i + 1);
    let (head, tail) = rest.split_at(i);
    let stripped = trim_end(head, |b| flavor.is_sep(b));
    let head = if stripped.is_empty() { head } else { stripped };
    ([drive, head].concat(), tail.to_vec())
}

fn basename(flavor: Flavor, p: &[u8]) -> &[u8] {
    let (drive, rest) = match flavor {
        Flavor::Posix => (&p[..0], p),
        Flavor::Nt => splitdrive(p),
    };
    let _ = drive;
    let i = rest
        .iter()
        .rposition(|&b| flavor.is_sep(b))
        .map_or(0, |i| i + 1);
    &rest[i..]
}

/// A path as Python's `os.path` functions leave it: shown as written, and opened as pathlib
/// opens it (`file()`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PyPath {
    bytes: Vec<u8>,
    flavor: Flavor,
}

impl PyPath {
    pub fn new(bytes: Vec<u8>, flavor: Flavor) -> PyPath {
        PyPath { bytes, flavor }
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// What `Path(p).open()` opens.
    pub fn file(&self) -> PathBuf {
        pathlib(self.flavor, &self.bytes)
    }

    /// `p + suffix` (`stored_tokens.lock`).
    pub fn with_suffix(&self, suffix: &str) -> PyPath {
        PyPath::new([&self.bytes, suffix.as_bytes()].concat(), self.flavor)
    }
}

impl std::fmt::Display for PyPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.bytes))
    }
}

/// The file Python's `Path(p)` opens: `""` is `.`, `.` components and repeated or trailing
/// separators are dropped (a leading `//` stays on POSIX, as pathlib keeps it).
pub fn pathlib(flavor: Flavor, p: &[u8]) -> PathBuf {
    let (drive, rest) = match flavor {
        Flavor::Posix => (&p[..0], p),
        Flavor::Nt => splitdrive(p),
    };
    let leading = rest.iter().take_while(|&&b| flavor.is_sep(b)).count();
    let root: &[u8] = match (flavor, leading) {
        (_, 0) => b"",
        (Flavor::Posix, 2) => b"//",
        (Flavor::Posix, _) => b"/",
        (Flavor::Nt, _) => b"\\",
    };
    let parts: Vec<&[u8]> = rest
        .split(|&b| flavor.is_sep(b))
        .filter(|part| !part.is_empty() && *part != b".")
        .collect();
    let sep = [flavor.sep()];
    let mut out = [drive, root].concat();
    out.extend_from_slice(&parts.join(&sep[..]));
    if out.is_empty() {
        out.push(b'.');
    }
    PathBuf::from(os_string(out))
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

    fn paths(env: &Env, flavor: Flavor) -> Paths<'_> {
        Paths {
            flavor,
            env,
            user_home: &sys,
        }
    }

    fn text(b: Vec<u8>) -> String {
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn expanduser_matches_posixpath() {
        let env = Env::from_pairs([("HOME", "/h/me/")]);
        let p = paths(&env, Flavor::Posix);
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
            assert_eq!(text(p.expanduser(input.as_bytes())), want, "{input}");
        }
        let no_home = Env::default();
        assert_eq!(
            text(paths(&no_home, Flavor::Posix).expanduser(b"~/x")),
            "/home/pw/x"
        );
        let root_home = Env::from_pairs([("HOME", "/")]);
        assert_eq!(text(paths(&root_home, Flavor::Posix).expanduser(b"~")), "/");
        let empty_home = Env::from_pairs([("HOME", "")]);
        assert_eq!(
            text(paths(&empty_home, Flavor::Posix).expanduser(b"~/x")),
            "/x"
        );
    }

    #[test]
    fn expanduser_matches_ntpath() {
        let env = Env::from_pairs([
            ("USERPROFILE", "C:\\Users\\me"),
            ("USERNAME", "me"),
            ("HOME", "/ignored"),
        ]);
        let p = paths(&env, Flavor::Nt);
        for (input, want) in [
            ("~", "C:\\Users\\me"),
            ("~\\x", "C:\\Users\\me\\x"),
            ("~/x", "C:\\Users\\me/x"),
            ("~bob\\x", "C:\\Users\\bob\\x"),
            ("~me", "C:\\Users\\me"),
        ] {
            assert_eq!(text(p.expanduser(input.as_bytes())), want, "{input}");
        }
        let drive = Env::from_pairs([("HOMEDRIVE", "D:"), ("HOMEPATH", "\\h")]);
        assert_eq!(
            text(paths(&drive, Flavor::Nt).expanduser(b"~\\x")),
            "D:\\h\\x"
        );
        assert_eq!(
            text(paths(&Env::default(), Flavor::Nt).expanduser(b"~\\x")),
            "~\\x"
        );
    }

    #[test]
    fn expandvars_matches_both_flavours() {
        let env = Env::from_pairs([("A", "/a"), ("B_1", "b$A"), ("C-D", "cd")]);
        let posix = paths(&env, Flavor::Posix);
        for (input, want) in [
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
            ("%A%", "%A%"),
        ] {
            assert_eq!(
                text(posix.expandvars(input.as_bytes())),
                want,
                "posix {input}"
            );
        }
        let nt = paths(&env, Flavor::Nt);
        for (input, want) in [
            ("%A%\\x", "/a\\x"),
            ("%%A%%", "%A%"),
            ("$$A", "$A"),
            ("$C-D", "cd"),
            ("'$A'$A", "'$A'/a"),
            ("'open $A", "'open $A"),
            ("%NOPE%", "%NOPE%"),
            ("%A", "%A"),
            ("${A}", "/a"),
            ("${A", "${A"),
            ("$", "$"),
        ] {
            assert_eq!(text(nt.expandvars(input.as_bytes())), want, "nt {input}");
        }
    }

    #[test]
    fn join_dirname_and_pathlib() {
        let env = Env::default();
        let posix = paths(&env, Flavor::Posix);
        assert_eq!(text(posix.join(b"", b"huggingface")), "huggingface");
        assert_eq!(text(posix.join(b"/a/", b"b")), "/a/b");
        assert_eq!(text(posix.join(b"/a", b"/b")), "/b");
        assert_eq!(text(posix.dirname(b"/a/b/token")), "/a/b");
        assert_eq!(text(posix.dirname(b"token")), "");
        assert_eq!(text(posix.dirname(b"/token")), "/");
        assert_eq!(text(posix.dirname(b"//token")), "//");
        assert_eq!(text(posix.dirname(b"a//token")), "a");
        let nt = paths(&env, Flavor::Nt);
        assert_eq!(text(nt.join(b"C:\\a", b"b")), "C:\\a\\b");
        assert_eq!(text(nt.join(b"C:", b"b")), "C:b");
        assert_eq!(text(nt.join(b"C:\\a", b"D:b")), "D:b");
        assert_eq!(text(nt.join(b"C:\\a", b"\\b")), "C:\\b");
        assert_eq!(text(nt.dirname(b"D:\\secrets\\token")), "D:\\secrets");
        assert_eq!(text(nt.dirname(b"D:/secrets/token")), "D:/secrets");
        assert_eq!(
            text(nt.dirname(b"\\\\srv\\share\\token")),
            "\\\\srv\\share\\"
        );
        assert_eq!(pathlib(Flavor::Posix, b""), PathBuf::from("."));
        assert_eq!(
            pathlib(Flavor::Posix, b"a/token/"),
            PathBuf::from("a/token")
        );
        assert_eq!(
            pathlib(Flavor::Posix, b"a/token/."),
            PathBuf::from("a/token")
        );
        assert_eq!(
            pathlib(Flavor::Posix, b"/a/./token/./"),
            PathBuf::from("/a/token")
        );
        assert_eq!(pathlib(Flavor::Posix, b"//"), PathBuf::from("//"));
        assert_eq!(pathlib(Flavor::Posix, b"///a"), PathBuf::from("/a"));
    }
}
