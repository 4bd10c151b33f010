//! A home logged in through `hf auth login`'s browser flow (an OAuth token with a refresh
//! token), and a Hub imitation ready to refresh it, for the refresh tests.

use super::TestEnv;
use hub_imitation::{Hub, TokenInfo};

pub const OLD: &str = "hf_oauth_OldAccessTokenAAAAAAAAAAAAAAAA";
pub const NEW: &str = "hf_oauth_NewAccessTokenBBBBBBBBBBBBBBBB";
pub const REFRESH: &str = "hf_oauth_refresh_RRRRRRRRRRRRRRRRRRRRRR";
pub const ROTATED: &str = "hf_oauth_refresh_rotated_SSSSSSSSSSSSSS";
/// Another stored token, not the active one.
pub const PLAIN: &str = "hf_PlainTokenPPPPPPPPPPPPPPPPPPPPPPPPPP";

/// Writes the token file (OLD) and stored_tokens (`laptop` = PLAIN, `oauth-alice` = OLD
/// expiring at `expires_at`), points HF_ENDPOINT at `hub`, and has the Hub refresh OLD once
/// into NEW, rotating REFRESH into ROTATED.
pub fn oauth_login(env: &TestEnv, hub: &Hub, expires_at: i64) {
    for t in [OLD, NEW, REFRESH, ROTATED, PLAIN] {
        env.secret(t);
    }
    env.set_env("HF_ENDPOINT", &hub.url());
    hub.add_token(OLD, TokenInfo::oauth("alice"));
    hub.add_refresh_grant(REFRESH, "alice", NEW, Some(ROTATED));
    env.write_token_file(OLD);
    env.write(
        ".cache/huggingface/stored_tokens",
        &stored_tokens(OLD, REFRESH, expires_at),
    );
}

/// stored_tokens as huggingface_hub writes it for that login.
pub fn stored_tokens(token: &str, refresh: &str, expires_at: i64) -> String {
    format!(
        "[laptop]\nhf_token = {PLAIN}\n\n\
         [oauth-alice]\nhf_token = {token}\nrefresh_token = {refresh}\nexpires_at = {expires_at}\n\n"
    )
}
