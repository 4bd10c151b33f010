//! The sentences users read on stderr when something is wrong with their token.

use crate::git::origin::Origin;
use crate::hub::verdict::WhoamiInfo;
use crate::settings::Settings;
use crate::token::Resolved;

pub fn rejected(found: &Resolved, origin: &Origin) -> String {
    let fix = found.source.fix();
    format!(
        "git-credential-hf: the token from {} ({}) was rejected by {} (401). {}{}.",
        found.source,
        found.token.masked(),
        origin.authority(),
        fix[..1].to_uppercase(),
        &fix[1..]
    )
}

pub fn refused_but_valid(found: &Resolved, origin: &Origin, info: Option<&WhoamiInfo>) -> String {
    let who = info.map_or(String::new(), |i| {
        format!(
            " (user {}, token {}, role {})",
            i.user,
            i.token_name.as_deref().unwrap_or("?"),
            i.role.as_deref().or(i.auth_type.as_deref()).unwrap_or("?")
        )
    });
    format!(
        "git-credential-hf: {} refused the token from {} ({}), but the Hub says it is valid{who}. \
         The 401 has another cause: check the remote URL (endpoint, repository name, a username or \
         token inside it).",
        origin.authority(),
        found.source,
        found.token.masked(),
    )
}

pub fn no_token(settings: &Settings) -> String {
    format!(
        "no Hugging Face token found (HF_TOKEN, HUGGING_FACE_HUB_TOKEN, {}): run `hf auth login` or set HF_TOKEN",
        settings.token_path
    )
}
