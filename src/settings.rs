//! huggingface_hub's `constants.py`, for the values the helper needs: the endpoint, staging
//! and offline modes, and where the token files are.

use crate::env::{
    Env, HF_ENDPOINT, HF_HOME, HF_HUB_OFFLINE, HF_TOKEN_PATH, HUGGINGFACE_CO_STAGING, NotUnicode,
    TRANSFORMERS_OFFLINE, XDG_CACHE_HOME,
};
use crate::python::path::{UserHome, dirname, expanduser, expandvars, join};

pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";
pub const STAGING_ENDPOINT: &str = "https://hub-ci.huggingface.co";

#[derive(Clone, Debug)]
pub struct Settings {
    /// `HF_ENDPOINT` without trailing `/`, or the default / staging endpoint.
    pub endpoint: String,
    pub staging: bool,
    pub offline: bool,
    pub token_path: String,
    pub token_path_reason: PathReason,
    pub stored_tokens_path: String,
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
        let staging = env.is_true(HUGGINGFACE_CO_STAGING);
        let endpoint = if staging {
            STAGING_ENDPOINT.to_string()
        } else {
            env.get(HF_ENDPOINT)?
                .unwrap_or(DEFAULT_ENDPOINT)
                .trim_end_matches('/')
                .to_string()
        };
        // `os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE")`
        let offline_var = match env.non_empty(HF_HUB_OFFLINE)? {
            Some(_) => HF_HUB_OFFLINE,
            None => TRANSFORMERS_OFFLINE,
        };
        let offline = env.is_true(offline_var);

        let expand = |p: &str| -> Result<String, NotUnicode> {
            expandvars(&expanduser(p, env, user_home)?, env)
        };
        let home_cache = join(&expanduser("~", env, user_home)?, ".cache");
        let (hf_home, mut reason) = match (env.get(HF_HOME)?, env.get(XDG_CACHE_HOME)?) {
            (Some(h), _) => (expand(h)?, PathReason::HfHome),
            (None, Some(x)) => (expand(&join(x, "huggingface"))?, PathReason::XdgCacheHome),
            (None, None) => (
                expand(&join(&home_cache, "huggingface"))?,
                PathReason::Default,
            ),
        };
        let mut token_path = match env.get(HF_TOKEN_PATH)? {
            Some(p) => {
                reason = PathReason::HfTokenPath;
                expand(p)?
            }
            None => expand(&join(&hf_home, "token"))?,
        };
        // Python derives stored_tokens before the staging override, so it stays put.
        let stored_tokens_path = join(&dirname(&token_path), "stored_tokens");
        if staging {
            token_path = join(&join(&home_cache, "huggingface_staging"), "token");
            reason = PathReason::Staging;
        }
        Ok(Settings {
            endpoint,
            staging,
            offline,
            token_path,
            token_path_reason: reason,
            stored_tokens_path,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Settings {
        Settings::load(&Env::from_pairs(pairs.iter().copied()), &|_| None).unwrap()
    }

    #[test]
    fn default_paths_follow_home() {
        let s = load(&[("HOME", "/h")]);
        assert_eq!(s.token_path, "/h/.cache/huggingface/token");
        assert_eq!(s.stored_tokens_path, "/h/.cache/huggingface/stored_tokens");
        assert_eq!(s.token_path_reason, PathReason::Default);
        assert_eq!(s.endpoint, DEFAULT_ENDPOINT);
    }

    #[test]
    fn hf_home_beats_xdg_and_token_path_beats_both() {
        let s = load(&[("HOME", "/h"), ("XDG_CACHE_HOME", "~/xdg")]);
        assert_eq!(s.token_path, "/h/xdg/huggingface/token");
        assert_eq!(s.token_path_reason, PathReason::XdgCacheHome);
        let s = load(&[
            ("HOME", "/h"),
            ("XDG_CACHE_HOME", "/x"),
            ("HF_HOME", "$HOME/hf"),
        ]);
        assert_eq!(s.token_path, "/h/hf/token");
        let s = load(&[
            ("HOME", "/h"),
            ("HF_HOME", "/hf"),
            ("HF_TOKEN_PATH", "~/t/tok"),
        ]);
        assert_eq!(s.token_path, "/h/t/tok");
        assert_eq!(s.stored_tokens_path, "/h/t/stored_tokens");
        assert_eq!(s.token_path_reason, PathReason::HfTokenPath);
    }

    #[test]
    fn empty_values_are_used_as_python_uses_them() {
        assert_eq!(load(&[("HOME", "/h"), ("HF_HOME", "")]).token_path, "token");
        assert_eq!(
            load(&[("HOME", "/h"), ("XDG_CACHE_HOME", "")]).token_path,
            "huggingface/token"
        );
        assert_eq!(
            load(&[("HF_TOKEN_PATH", "")]).stored_tokens_path,
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
        assert_eq!(s.token_path, "/h/.cache/huggingface_staging/token");
        assert_eq!(s.stored_tokens_path, "/hf/stored_tokens");
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
