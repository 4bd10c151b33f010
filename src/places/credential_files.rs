//! The `store` helper's files: `~/.git-credentials` and `$XDG_CONFIG_HOME/git/credentials`,
//! one URL per line.

use super::{Finding, Kind, Look, Place};
use crate::env::XDG_CONFIG_HOME;
use crate::git::origin::Origin;
use crate::git::url::Url;
use crate::token::Token;

pub struct CredentialFiles;

impl Place for CredentialFiles {
    fn find(&self, look: &Look) -> Vec<Finding> {
        let home = look.env.home();
        let xdg = look
            .env
            .path(XDG_CONFIG_HOME)
            .or_else(|| home.as_ref().map(|h| h.join(".config")));
        let files = [
            home.map(|h| h.join(".git-credentials")),
            xdg.map(|x| x.join("git/credentials")),
        ];
        let mut found = Vec::new();
        for path in files.into_iter().flatten() {
            let text = look
                .fs
                .read(&path)
                .map(|b| String::from_utf8_lossy(&b).into_owned());
            let source = format!("git-credentials:{}", path.display());
            let before = found.len();
            for line in text.as_deref().unwrap_or("").lines() {
                let Some(url) = Url::split(line.trim()) else {
                    continue;
                };
                let (Some(origin), Some((user, password))) =
                    (Origin::from_url(line.trim()), url.credentials())
                else {
                    continue;
                };
                // The store helper answers a line for its exact origin only.
                if look.allowed.api_base(&origin).is_none() {
                    continue;
                }
                found.push(Finding::present(
                    source.clone(),
                    Kind::CredentialFile(path.clone()),
                    format!("{} (for {origin}, user {user})", path.display()),
                    Token::new(password),
                    look.origin(&origin, "the line"),
                ));
            }
            if found.len() == before {
                let why = if text.is_ok() { "no Hub entry" } else { "none" };
                found.push(Finding::absent(
                    source,
                    Kind::CredentialFile(path.clone()),
                    format!("{} ({why})", path.display()),
                ));
            }
        }
        found
    }
}
