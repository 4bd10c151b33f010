//! The environment: a snapshot taken once, and every variable the helper reads, named once
//! here (the man page's ENVIRONMENT section is generated from `DOCUMENTED`). Tests pass a map
//! instead of mutating the process environment.

use std::ffi::{OsStr, OsString};

/// An environment variable the helper reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Var {
    pub name: &'static str,
    /// Its ENVIRONMENT entry in the man page; `None` for the ones read only as everyone does.
    pub doc: Option<&'static str>,
}

const fn var(name: &'static str, doc: &'static str) -> Var {
    Var {
        name,
        doc: Some(doc),
    }
}

const fn plain(name: &'static str) -> Var {
    Var { name, doc: None }
}

pub const HF_OIDC_RESOURCE: Var = var(
    "HF_OIDC_RESOURCE",
    "When not empty (CI trusted publishing), the token comes from exchanging an OIDC id token with the Hub for this resource, before any other source, as in huggingface_hub. A failed exchange is an error, not a fall-through.",
);
pub const HF_OIDC_ID_TOKEN: Var = var(
    "HF_OIDC_ID_TOKEN",
    "The OIDC id token for that exchange. Without it, the id token is minted from GitHub Actions (GITHUB_ACTIONS, ACTIONS_ID_TOKEN_REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN).",
);
pub const HF_TOKEN: Var = var(
    "HF_TOKEN",
    "The token, before the token file, as in huggingface_hub. Set but empty: HUGGING_FACE_HUB_TOKEN is read instead; only whitespace: no token from the environment, the token file is used.",
);
pub const HUGGING_FACE_HUB_TOKEN: Var = var(
    "HUGGING_FACE_HUB_TOKEN",
    "The older name of HF_TOKEN, read when HF_TOKEN is unset or empty.",
);
pub const HF_HOME: Var = var(
    "HF_HOME",
    "huggingface_hub's folder; the token file is HF_HOME/token. Default: $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface, on every system.",
);
pub const HF_TOKEN_PATH: Var = var(
    "HF_TOKEN_PATH",
    "The token file, instead of HF_HOME/token. stored_tokens is the file of that name beside it.",
);
pub const XDG_CACHE_HOME: Var = var(
    "XDG_CACHE_HOME",
    "The default of HF_HOME is $XDG_CACHE_HOME/huggingface. When it is an absolute path, the helper's own cache is $XDG_CACHE_HOME/git-credential-hf (not on macOS).",
);
pub const HF_ENDPOINT: Var = var(
    "HF_ENDPOINT",
    "The Hub's URL; default https://huggingface.co. The helper answers for its origin as well as for https://huggingface.co and https://hf.co, and for no other, and checks tokens against it.",
);
pub const HF_HUB_OFFLINE: Var = var(
    "HF_HUB_OFFLINE",
    "When true (1, ON, YES or TRUE, any case), the token is sent without asking the Hub whether it is valid. TRANSFORMERS_OFFLINE is read instead when HF_HUB_OFFLINE is unset or empty, as in huggingface_hub.",
);
pub const HUGGINGFACE_CO_STAGING: Var = var(
    "HUGGINGFACE_CO_STAGING",
    "When true, the staging Hub: endpoint https://hub-ci.huggingface.co, token file ~/.cache/huggingface_staging/token. The helper then answers for that origin only.",
);
pub const GIT_CREDENTIAL_HF_TIMEOUT: Var = var(
    "GIT_CREDENTIAL_HF_TIMEOUT",
    "Same as --timeout: the total time-out of one request to the Hub, in seconds. A value that is not understood is ignored with a one-line warning (git must still get its answer).",
);
pub const GIT_CREDENTIAL_HF_VERBOSE: Var = var(
    "GIT_CREDENTIAL_HF_VERBOSE",
    "Same as --verbose when set to 1, true, yes or on (0, false, no, off or empty: off; anything else is ignored with a warning). git runs the helper itself, so this is how to see its reasoning during git clone, pull or push.",
);
pub const GIT_CREDENTIAL_HF_AUTH_TYPE: Var = var(
    "GIT_CREDENTIAL_HF_AUTH_TYPE",
    "Same as --auth-type: auto, basic or bearer (any case; anything else is ignored with a warning).",
);
pub const NO_COLOR: Var = var(
    "NO_COLOR",
    "When set and not empty, no colour in the output (colour is only ever used on a terminal).",
);
pub const COLUMNS: Var = var(
    "COLUMNS",
    "The width status lays its screen out for when stdout is not a terminal (a terminal is asked its own width); else 80.",
);

pub const HOME: Var = plain("HOME");
pub const PATH: Var = plain("PATH");
pub const NETRC: Var = plain("NETRC");
pub const XDG_CONFIG_HOME: Var = plain("XDG_CONFIG_HOME");
pub const TRANSFORMERS_OFFLINE: Var = plain("TRANSFORMERS_OFFLINE");
pub const PYTHONUTF8: Var = plain("PYTHONUTF8");
pub const HUGGINGFACEHUB_API_TOKEN: Var = plain("HUGGINGFACEHUB_API_TOKEN");
pub const HF_DEVICE_CODE_OAUTH_CLIENT_ID: Var = plain("HF_DEVICE_CODE_OAUTH_CLIENT_ID");
pub const GITHUB_ACTIONS: Var = plain("GITHUB_ACTIONS");
pub const ACTIONS_ID_TOKEN_REQUEST_URL: Var = plain("ACTIONS_ID_TOKEN_REQUEST_URL");
pub const ACTIONS_ID_TOKEN_REQUEST_TOKEN: Var = plain("ACTIONS_ID_TOKEN_REQUEST_TOKEN");

/// The variables of the man page's ENVIRONMENT section, in its order.
pub const DOCUMENTED: &[Var] = &[
    HF_OIDC_RESOURCE,
    HF_OIDC_ID_TOKEN,
    HF_TOKEN,
    HUGGING_FACE_HUB_TOKEN,
    HF_HOME,
    HF_TOKEN_PATH,
    XDG_CACHE_HOME,
    HF_ENDPOINT,
    HF_HUB_OFFLINE,
    HUGGINGFACE_CO_STAGING,
    GIT_CREDENTIAL_HF_TIMEOUT,
    GIT_CREDENTIAL_HF_VERBOSE,
    GIT_CREDENTIAL_HF_AUTH_TYPE,
    NO_COLOR,
    COLUMNS,
];

/// A snapshot of the environment, in its order. Lookups follow the platform: the first of
/// a name given twice, as CPython's `os.environ` keeps it; and on Windows names are
/// case-insensitive (`set hf_token=...` is HF_TOKEN), as they are there.
#[derive(Clone, Debug, Default)]
pub struct Env {
    vars: Vec<(OsString, OsString)>,
    case_insensitive: bool,
}

impl Env {
    pub fn from_process() -> Env {
        Env {
            vars: std::env::vars_os().collect(),
            case_insensitive: cfg!(windows),
        }
    }

    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Env {
        Env {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            case_insensitive: false,
        }
    }

    /// With Windows' rule for names (for tests of it on any system).
    pub fn case_insensitive(mut self) -> Env {
        self.case_insensitive = true;
        self
    }

    /// A copy with `name` set, placed first so it is the one seen.
    pub fn with(&self, name: &str, value: &str) -> Env {
        let mut vars = vec![(OsString::from(name), OsString::from(value))];
        vars.extend(self.vars.iter().cloned());
        Env {
            vars,
            case_insensitive: self.case_insensitive,
        }
    }

    fn lookup(&self, name: &[u8]) -> Option<&OsStr> {
        let same = |k: &OsStr| {
            let k = bytes_of(k);
            match self.case_insensitive {
                true => k.eq_ignore_ascii_case(name),
                false => *k == *name,
            }
        };
        self.vars
            .iter()
            .find(|(k, _)| same(k))
            .map(|(_, v)| v.as_os_str())
    }

    pub fn get_os(&self, var: Var) -> Option<&OsStr> {
        self.lookup(var.name.as_bytes())
    }

    /// The variable as text. A value that is not UTF-8 is an error naming the variable,
    /// rather than silently becoming a different string.
    pub fn get(&self, var: Var) -> Result<Option<&str>, NotUnicode> {
        match self.get_os(var) {
            None => Ok(None),
            Some(v) => v
                .to_str()
                .map(Some)
                .ok_or_else(|| NotUnicode(var.name.to_string())),
        }
    }

    /// A variable as the bytes Python's path functions see (`$NAME` in a path, HOME).
    pub fn bytes(&self, name: &str) -> Option<Vec<u8>> {
        self.bytes_named(name.as_bytes())
    }

    pub fn bytes_named(&self, name: &[u8]) -> Option<Vec<u8>> {
        self.lookup(name).map(|v| bytes_of(v).into_owned())
    }

    /// Python's `os.environ.get(name)` used in a boolean test: unset and empty are both false.
    pub fn non_empty(&self, var: Var) -> Result<Option<&str>, NotUnicode> {
        Ok(self.get(var)?.filter(|v| !v.is_empty()))
    }

    /// huggingface_hub's `_is_true`: 1, ON, YES, TRUE in any case.
    pub fn is_true(&self, var: Var) -> bool {
        self.get_os(var).and_then(OsStr::to_str).is_some_and(|v| {
            ["1", "ON", "YES", "TRUE"]
                .iter()
                .any(|t| v.eq_ignore_ascii_case(t))
        })
    }

    /// The user's home folder as git and curl find it: HOME, else the platform's idea of it.
    /// (huggingface_hub's own `~` follows Python's rules instead: `python::path`.)
    pub fn home(&self) -> Option<std::path::PathBuf> {
        self.path(HOME).or_else(dirs::home_dir)
    }

    /// A variable used as a path: unset and empty are none.
    pub fn path(&self, var: Var) -> Option<std::path::PathBuf> {
        self.get_os(var)
            .filter(|v| !v.is_empty())
            .map(std::path::PathBuf::from)
    }
}

/// Bytes as the platform holds them in an OS string (raw bytes on Unix).
pub fn os_string(bytes: Vec<u8>) -> OsString {
    #[cfg(unix)]
    {
        std::os::unix::ffi::OsStringExt::from_vec(bytes)
    }
    #[cfg(not(unix))]
    {
        OsString::from(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// The bytes of an OS string, as this module handles them (borrowed on Unix: the warm path
/// looks up variables with it).
pub fn bytes_of(s: &std::ffi::OsStr) -> std::borrow::Cow<'_, [u8]> {
    #[cfg(unix)]
    {
        std::borrow::Cow::Borrowed(std::os::unix::ffi::OsStrExt::as_bytes(s))
    }
    #[cfg(not(unix))]
    {
        std::borrow::Cow::Owned(s.to_string_lossy().into_owned().into_bytes())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_of_a_name_given_twice_wins_and_windows_ignores_case() {
        let env = Env::from_pairs([
            ("HF_TOKEN", "first"),
            ("HF_TOKEN", "second"),
            ("hf_home", "h"),
        ]);
        assert_eq!(env.get(HF_TOKEN).unwrap(), Some("first"));
        assert_eq!(env.get(HF_HOME).unwrap(), None);
        assert_eq!(
            env.clone().case_insensitive().get(HF_HOME).unwrap(),
            Some("h")
        );
        assert_eq!(
            env.with("HF_TOKEN", "set").get(HF_TOKEN).unwrap(),
            Some("set")
        );
    }
}
