//! huggingface_hub's `constants.py`, for the values the helper needs: the endpoint, staging
//! and offline modes, and where the token files are.

use crate::env::{
    Env, HF_ENDPOINT, HF_HOME, HF_HUB_OFFLINE, HF_TOKEN_PATH, HUGGINGFACE_CO_STAGING, NotUnicode,
    PYTHONUTF8, TRANSFORMERS_OFFLINE, XDG_CACHE_HOME,
};
use crate::python::path::{Flavor, Paths, PyPath, UserHome};

pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";
pub const STAGING_ENDPOINT: &str = "https://hub-ci.huggingface.co";

#[derive(Clone, Debug)]
pub struct Settings {
    /// `HF_ENDPOINT` without trailing `/`, or the default / staging endpoint.
    pub endpoint: String,
    pub staging: bool,
    pub offline: bool,
    pub token_path: PyPath,
    pub token_path_reason: PathReason,
    pub stored_tokens_path: PyPath,
    /// Python's UTF-8 mode (PYTHONUTF8=1): how it decodes the token file on Windows.
    pub utf8_mode: bool,
}

/// Why the token file is where it is (shown by `status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathReason {
    Default,
    XdgCacheHome,
    HfHome,
    HfTokenPath,
    Staging,
}

impl PathReason {
    pub fn describe(self) -> &'static str {
        match self {
            PathReason::Default => "default",
            PathReason::XdgCacheHome => "from XDG_CACHE_HOME",
            PathReason::HfHome => "from HF_HOME",
            PathReason::HfTokenPath => "from HF_TOKEN_PATH",
            PathReason::Staging => "staging mode",
        }
    }
}

impl Settings {
    pub fn load(env: &Env, user_home: UserHome) -> Result<Settings, NotUnicode> {
        Settings::load_as(Flavor::NATIVE, env, user_home)
    }

    /// As huggingface_hub computes them with `flavor`'s path rules (Windows' on Windows).
    pub fn load_as(flavor: Flavor, env: &Env, user_home: UserHome) -> Result<Settings, NotUnicode> {
        let staging = env.is_true(HUGGINGFACE_CO_STAGING);
        // A value that is not UTF-8 is kept as Python keeps it (its bytes); as a URL it can
        // only ever fail to match an origin.
        let endpoint = match (staging, env.get_os(HF_ENDPOINT)) {
            (true, _) => STAGING_ENDPOINT.to_string(),
            (false, None) => DEFAULT_ENDPOINT.to_string(),
            (false, Some(e)) => e.to_string_lossy().trim_end_matches('/').to_string(),
        };
        // `os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE")`
        let offline_var = match env.non_empty(HF_HUB_OFFLINE)? {
            Some(_) => HF_HUB_OFFLINE,
            None => TRANSFORMERS_OFFLINE,
        };
        let offline = env.is_true(offline_var);

        let py = Paths {
            flavor,
            env,
            user_home,
        };
        let expand = |p: &[u8]| py.expandvars(&py.expanduser(p));
        let var = |v: crate::env::Var| env.bytes(v.name);
        let home_cache = py.join(&py.expanduser(b"~"), b".cache");
        let (hf_home, mut reason) = match (var(HF_HOME), var(XDG_CACHE_HOME)) {
            (Some(h), _) => (expand(&h), PathReason::HfHome),
            (None, Some(x)) => (
                expand(&py.join(&x, b"huggingface")),
                PathReason::XdgCacheHome,
            ),
            (None, None) => (
                expand(&py.join(&home_cache, b"huggingface")),
                PathReason::Default,
            ),
        };
        let mut token_path = match var(HF_TOKEN_PATH) {
            Some(p) => {
                reason = PathReason::HfTokenPath;
                expand(&p)
            }
            None => expand(&py.join(&hf_home, b"token")),
        };
        // Python derives stored_tokens before the staging override, so it stays put.
        let stored_tokens_path = py.join(&py.dirname(&token_path), b"stored_tokens");
        if staging {
            token_path = py.join(&py.join(&home_cache, b"huggingface_staging"), b"token");
            reason = PathReason::Staging;
        }
        Ok(Settings {
            endpoint,
            staging,
            offline,
            token_path: PyPath::new(token_path, flavor),
            token_path_reason: reason,
            stored_tokens_path: PyPath::new(stored_tokens_path, flavor),
            utf8_mode: env.get_os(PYTHONUTF8).is_some_and(|v| v == "1"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With POSIX path rules on every system (the Windows ones: tests/it/python_paths.rs).
    fn load(pairs: &[(&str, &str)]) -> Settings {
        let env = Env::from_pairs(pairs.iter().copied());
        Settings::load_as(Flavor::Posix, &env, &|_| None).unwrap()
    }

    #[test]
    fn default_paths_follow_home() {
        let s = load(&[("HOME", "/h")]);
        assert_eq!(s.token_path.to_string(), "/h/.cache/huggingface/token");
        assert_eq!(
            s.stored_tokens_path.to_string(),
            "/h/.cache/huggingface/stored_tokens"
        );
        assert_eq!(s.token_path_reason, PathReason::Default);
        assert_eq!(s.endpoint, DEFAULT_ENDPOINT);
    }

    #[test]
    fn hf_home_beats_xdg_and_token_path_beats_both() {
        let s = load(&[("HOME", "/h"), ("XDG_CACHE_HOME", "~/xdg")]);
        assert_eq!(s.token_path.to_string(), "/h/xdg/huggingface/token");
        assert_eq!(s.token_path_reason, PathReason::XdgCacheHome);
        let s = load(&[
            ("HOME", "/h"),
            ("XDG_CACHE_HOME", "/x"),
            ("HF_HOME", "$HOME/hf"),
        ]);
        assert_eq!(s.token_path.to_string(), "/h/hf/token");
        let s = load(&[
            ("HOME", "/h"),
            ("HF_HOME", "/hf"),
            ("HF_TOKEN_PATH", "~/t/tok"),
        ]);
        assert_eq!(s.token_path.to_string(), "/h/t/tok");
        assert_eq!(s.stored_tokens_path.to_string(), "/h/t/stored_tokens");
        assert_eq!(s.token_path_reason, PathReason::HfTokenPath);
    }

    #[test]
    fn empty_values_are_used_as_python_uses_them() {
        let token = |pairs: &[(&str, &str)]| load(pairs).token_path.to_string();
        assert_eq!(token(&[("HOME", "/h"), ("HF_HOME", "")]), "token");
        assert_eq!(
            token(&[("HOME", "/h"), ("XDG_CACHE_HOME", "")]),
            "huggingface/token"
        );
        assert_eq!(
            load(&[("HF_TOKEN_PATH", "")])
                .stored_tokens_path
                .to_string(),
            "stored_tokens"
        );
    }

    #[test]
    fn staging_moves_the_token_file_but_not_stored_tokens() {
        let s = load(&[
            ("HOME", "/h"),
            ("HUGGINGFACE_CO_STAGING", "yes"),
            ("HF_HOME", "/hf"),
        ]);
        assert_eq!(s.endpoint, STAGING_ENDPOINT);
        assert_eq!(
            s.token_path.to_string(),
            "/h/.cache/huggingface_staging/token"
        );
        assert_eq!(s.stored_tokens_path.to_string(), "/hf/stored_tokens");
    }

    #[test]
    fn endpoint_and_offline() {
        let s = load(&[
            ("HF_ENDPOINT", "http://127.0.0.1:9/"),
            ("HF_HUB_OFFLINE", "1"),
        ]);
        assert_eq!(s.endpoint, "http://127.0.0.1:9");
        assert!(s.offline);
        assert!(!load(&[("HF_HUB_OFFLINE", "0"), ("TRANSFORMERS_OFFLINE", "1")]).offline);
        assert!(load(&[("HF_HUB_OFFLINE", ""), ("TRANSFORMERS_OFFLINE", "on")]).offline);
    }
}
