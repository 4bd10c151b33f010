//! huggingface_hub's files and rules: the token file, `stored_tokens`, the OAuth refresh, the
//! OIDC exchange, and the order in which `get_token()` takes its token.

pub mod oauth;
pub mod oidc;
pub mod resolve;
pub mod stored_tokens;
pub mod token_file;

use crate::env::Env;
use crate::hub::store::Store;
use crate::io::Deadline;
use crate::io::fs::Fs;
use crate::io::http::Http;
use crate::settings::Settings;

/// What a refresh or an exchange works with: the user's files, the network (until the
/// command's one deadline) and our cache.
pub struct Net<'a> {
    pub settings: &'a Settings,
    pub env: &'a Env,
    pub fs: &'a dyn Fs,
    pub http: &'a dyn Http,
    pub store: Option<&'a Store<'a>>,
    pub deadline: &'a Deadline,
}
