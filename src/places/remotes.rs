//! Remote URLs of the current repository that point at the Hub with a token inside: git sends
//! it without asking any helper. Credentials in the URLs of other hosts (a CI checkout of a
//! GitHub or GitLab repository) are none of the Hub's business: not listed, never sent.

use super::{Finding, Kind, Look, Place};
use crate::git::config::{is_repository, remote_urls};
use crate::git::origin::Origin;
use crate::git::url::Url;
use crate::token::Token;

pub struct Remotes;

impl Place for Remotes {
    fn find(&self, look: &Look) -> Vec<Finding> {
        let mut found = Vec::new();
        for (remote, url) in remote_urls(look.git, look.cwd) {
            let Some(parts) = Url::split(&url) else {
                continue;
            };
            let (Some(origin), Some((_, password))) = (Origin::from_url(&url), parts.credentials())
            else {
                continue;
            };
            if look.allowed.api_base(&origin).is_none() {
                continue;
            }
            found.push(Finding::present(
                format!("remote-url:{remote}"),
                Kind::RemoteUrl {
                    remote,
                    clean_url: parts.without_userinfo(),
                },
                parts.redacted(),
                Token::new(password),
                look.origin(&origin, "the remote"),
            ));
        }
        if found.is_empty() {
            let why = match is_repository(look.git, look.cwd) {
                true => "no Hub remote URL holds a token",
                false => "not in a repository",
            };
            let kind = Kind::RemoteUrl {
                remote: String::new(),
                clean_url: String::new(),
            };
            found.push(Finding::absent("remote-url", kind, why));
        }
        found
    }
}
