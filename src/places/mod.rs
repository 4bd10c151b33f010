//! Every place a Hub token can hide: the environment, huggingface_hub's files, `.netrc`, git's
//! helpers and credential files, remote URLs and the OS keychain. Each `Place` looks and
//! returns typed findings; a place is listed even when empty, so the user sees it was
//! checked. Each credential found keeps its scope: the one Hub origin it is meant for, the
//! only one it may ever be checked against.

mod credential_files;
mod env;
mod helpers;
mod hf_files;
mod keychain;
pub mod netrc;
mod remotes;

use crate::env::Env;
use crate::git::origin::{Allowed, Origin};
use crate::io::fs::Fs;
use crate::io::git::Git;
use crate::io::keychain::Keychain;
use crate::settings::Settings;
use crate::token::Token;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What kind of place, for deciding which problems apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Env(&'static str),
    OidcResource,
    TokenFile,
    Stored {
        active: bool,
    },
    /// A `.netrc` entry curl sends to the target (`machine` `None`: the `default` entry).
    Netrc {
        machine: Option<String>,
        path: PathBuf,
    },
    /// A `.netrc` entry curl does not send to the target (a `default` behind the target's
    /// machine entry), or no entry at all.
    NetrcUnsent,
    Helper {
        ours: bool,
        before_ours: bool,
        /// Configured after this helper: git sends it our token to store after every success.
        after_ours: bool,
        helper: crate::git::helper::Helper,
        /// The config file it was read from.
        file: String,
    },
    /// A `.git-credentials` file, or a `.netrc` entry for another Hub host than the target.
    CredentialFile(PathBuf),
    RemoteUrl {
        remote: String,
        clean_url: String,
    },
    Keychain {
        service: String,
        user: String,
    },
}

/// Where a credential may be checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The API base of the Hub origin it is for.
    Hub(String),
    /// Never sent anywhere, and why.
    Unsent(String),
}

/// One thing a place found.
#[derive(Clone, Debug)]
pub struct Finding {
    /// Stable id: `env:HF_TOKEN`, `file:<path>`, `stored_tokens:<name>`, `netrc`,
    /// `git-helper:<name>`, `git-credentials:<path>`, `remote-url:<remote>`, `keyring:<service>`.
    pub source: String,
    pub kind: Kind,
    pub detail: String,
    pub found: Found,
}

#[derive(Clone, Debug)]
pub enum Found {
    Present { token: Token, scope: Scope },
    Absent,
}

impl Finding {
    fn present(
        source: impl Into<String>,
        kind: Kind,
        detail: impl Into<String>,
        token: Token,
        scope: Scope,
    ) -> Finding {
        Finding {
            source: source.into(),
            kind,
            detail: detail.into(),
            found: Found::Present { token, scope },
        }
    }

    fn absent(source: impl Into<String>, kind: Kind, detail: impl Into<String>) -> Finding {
        Finding {
            source: source.into(),
            kind,
            detail: detail.into(),
            found: Found::Absent,
        }
    }

    pub fn token(&self) -> Option<&Token> {
        match &self.found {
            Found::Present { token, .. } => Some(token),
            Found::Absent => None,
        }
    }

    pub fn scope(&self) -> Option<&Scope> {
        match &self.found {
            Found::Present { scope, .. } => Some(scope),
            Found::Absent => None,
        }
    }
}

/// What the places look with.
pub struct Look<'a> {
    pub settings: &'a Settings,
    pub env: &'a Env,
    pub fs: &'a dyn Fs,
    pub git: &'a dyn Git,
    pub keychain: Arc<dyn Keychain>,
    pub cwd: &'a Path,
    /// The origin git is asked about (HF_ENDPOINT's, or https://huggingface.co).
    pub target: &'a Origin,
    pub allowed: &'a Allowed,
    /// huggingface_hub's token: what this helper answers in the helper chain.
    pub python: Option<&'a Token>,
}

impl Look<'_> {
    fn origin(&self, origin: &Origin, what: &str) -> Scope {
        match self.allowed.api_base(origin) {
            Some(api) => Scope::Hub(api.to_string()),
            None => Scope::Unsent(format!("{what} is not for a Hub origin")),
        }
    }

    /// A credential keyed by host alone (`.netrc`): the target when it has that host, else
    /// the first Hub origin that has it; `None` when no Hub origin has it.
    fn host(&self, host: &str) -> Option<Scope> {
        let origin = match self.target.host().eq_ignore_ascii_case(host) {
            true => Some(self.target),
            false => self
                .allowed
                .origins()
                .find(|o| o.host().eq_ignore_ascii_case(host)),
        }?;
        Some(self.origin(origin, host))
    }

    fn target(&self) -> Scope {
        self.origin(self.target, "the target")
    }

    /// huggingface_hub's own inputs (its variables and token file) are used with HF_ENDPOINT.
    fn endpoint(&self) -> Scope {
        Scope::Hub(self.settings.endpoint.clone())
    }
}

/// A place a token can hide.
pub trait Place {
    fn find(&self, look: &Look) -> Vec<Finding>;
}

/// Every place, in the order `status` lists them.
pub fn all() -> [&'static dyn Place; 7] {
    [
        &env::EnvVars,
        &hf_files::HfFiles,
        &netrc::Netrc,
        &helpers::Helpers,
        &credential_files::CredentialFiles,
        &remotes::Remotes,
        &keychain::Keychains,
    ]
}
