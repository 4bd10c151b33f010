//! The outside world as the resolver sees it: a snapshot of the environment and a seam for
//! reading files and user records. Tests pass a map and a fake instead of mutating the
//! process environment.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::io;
use std::path::Path;
#[cfg(test)]
use std::path::PathBuf;

#[derive(Clone, Debug, Default)]
pub struct Env {
    vars: HashMap<OsString, OsString>,
}

impl Env {
    pub fn from_process() -> Env {
        Env {
            vars: std::env::vars_os().collect(),
        }
    }

    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Env {
        Env {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    pub fn get_os(&self, name: &str) -> Option<&OsStr> {
        self.vars.get(OsStr::new(name)).map(OsString::as_os_str)
    }

    /// The variable as text. A value that is not UTF-8 is an error naming the variable,
    /// rather than silently becoming a different string.
    pub fn get(&self, name: &str) -> Result<Option<&str>, NotUnicode> {
        match self.get_os(name) {
            None => Ok(None),
            Some(v) => v
                .to_str()
                .map(Some)
                .ok_or_else(|| NotUnicode(name.to_string())),
        }
    }

    /// Python's `os.environ.get(name)` used in a boolean test: unset and empty are both false.
    pub fn non_empty(&self, name: &str) -> Result<Option<&str>, NotUnicode> {
        Ok(self.get(name)?.filter(|v| !v.is_empty()))
    }

    /// huggingface_hub's `_is_true`: 1, ON, YES, TRUE in any case.
    pub fn is_true(&self, name: &str) -> bool {
        self.get_os(name).and_then(OsStr::to_str).is_some_and(|v| {
            ["1", "ON", "YES", "TRUE"]
                .iter()
                .any(|t| v.eq_ignore_ascii_case(t))
        })
    }
}

#[derive(Debug)]
pub struct NotUnicode(pub String);

impl std::error::Error for NotUnicode {}

impl std::fmt::Display for NotUnicode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "environment variable {} is not valid UTF-8: set it to plain text or unset it",
            self.0
        )
    }
}

/// Everything the resolver reads from the machine besides the environment.
pub trait System {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// The home folder from the user database: the current user's for `None`
    /// (what Python's `expanduser` uses when HOME is unset), or the named user's.
    fn user_home(&self, user: Option<&str>) -> Option<String>;
}

/// The real machine.
pub struct RealSystem;

impl System for RealSystem {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn user_home(&self, user: Option<&str>) -> Option<String> {
        passwd::home(user)
    }
}

#[cfg(unix)]
mod passwd {
    use std::ffi::{CStr, CString};

    /// getpwuid_r / getpwnam_r, as Python's `pwd` module does for `expanduser`.
    pub fn home(user: Option<&str>) -> Option<String> {
        let name = match user {
            Some(u) => Some(CString::new(u).ok()?),
            None => None,
        };
        let mut buf = vec![0u8; 16 * 1024];
        // SAFETY: `pwd` and `buf` outlive the call, `result` is only read when the call
        // filled it, and `pw_dir` then points into `buf`.
        unsafe {
            let mut pwd: libc::passwd = std::mem::zeroed();
            let mut result: *mut libc::passwd = std::ptr::null_mut();
            let rc = match &name {
                Some(n) => libc::getpwnam_r(
                    n.as_ptr(),
                    &mut pwd,
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    &mut result,
                ),
                None => libc::getpwuid_r(
                    libc::getuid(),
                    &mut pwd,
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    &mut result,
                ),
            };
            if rc != 0 || result.is_null() || pwd.pw_dir.is_null() {
                return None;
            }
            CStr::from_ptr(pwd.pw_dir).to_str().ok().map(str::to_string)
        }
    }
}

#[cfg(not(unix))]
mod passwd {
    pub fn home(user: Option<&str>) -> Option<String> {
        match user {
            None => dirs::home_dir().map(|p| p.to_string_lossy().into_owned()),
            Some(_) => None,
        }
    }
}

/// A fake machine for unit tests: files in a map, fixed user records.
#[cfg(test)]
#[derive(Default)]
pub struct FakeSystem {
    pub files: HashMap<PathBuf, Vec<u8>>,
    pub dirs: Vec<PathBuf>,
    pub users: HashMap<String, String>,
    pub current_user_home: Option<String>,
}

#[cfg(test)]
impl FakeSystem {
    pub fn with_file(mut self, path: &str, content: &str) -> Self {
        self.files
            .insert(PathBuf::from(path), content.as_bytes().to_vec());
        self
    }
}

#[cfg(test)]
impl System for FakeSystem {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        if self.dirs.iter().any(|d| d == path) {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory",
            ));
        }
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "not found"))
    }

    fn user_home(&self, user: Option<&str>) -> Option<String> {
        match user {
            None => self.current_user_home.clone(),
            Some(u) => self.users.get(u).cloned(),
        }
    }
}
