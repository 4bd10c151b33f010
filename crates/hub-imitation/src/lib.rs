//! A Hugging Face Hub imitation for the integration tests of git-credential-hf.
//!
//! An HTTP/1.1 server on `127.0.0.1` (random port) that serves:
//! - `GET /api/whoami-v2` (Bearer token looked up in a token table, with failure modes),
//! - `GET /api/{models|datasets|spaces}/<repo_id>/auth-check[/write]`,
//! - git smart HTTP through the real `git http-backend` (CGI),
//! - the Git LFS batch API plus unauthenticated "presigned" object URLs `/lfs-objects/<oid>`,
//! - OAuth: `POST /oauth/token` and a GitHub-Actions-style id-token minting endpoint (oauth.rs).
//!
//! One thread per connection; keep-alive, `Expect: 100-continue` and chunked request bodies
//! are supported. A dev-only crate (`publish = false`): std, tempfile, serde_json, sha2, base64.
//!
//! - `types`: what a test tells the Hub and reads back (tokens, modes, the request log),
//! - `hub`: the `Hub` itself, its state and the repos it seeds,
//! - `http`: the server loop, requests and responses on the wire,
//! - `route`, `access`: which endpoint answers, and the Hub's access rules,
//! - `git`, `lfs`, `whoami`, `oauth`: the endpoints.

mod access;
mod git;
mod http;
mod hub;
mod lfs;
mod oauth;
mod route;
mod types;
mod whoami;

pub use hub::Hub;
pub use oauth::{MintCall, OAuthCall, OAuthMode};
pub use types::{Auth, LoggedRequest, TRICKLE_EVERY, TokenInfo, WhoamiMode};
pub use whoami::whoami_json;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// A JSON string literal.
pub(crate) fn js(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// Standard base64, padded (as in `Authorization: Basic`).
pub fn base64_encode(data: &[u8]) -> String {
    STANDARD.encode(data)
}

/// Standard base64, padded; `None` when it is not.
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    STANDARD.decode(s).ok()
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
