//! The sentences users read on stderr when something is wrong with their token.

use crate::git::origin::Origin;
use crate::hf::oauth::{Failure, RETRY_AFTER};
use crate::hf::resolve::Note;
use crate::hub::verdict::{How, WhoamiInfo};
use crate::settings::Settings;
use crate::time::{local_clock, utc};
use crate::token::Resolved;

/// Where a verdict came from, for `-v`: the Hub just now, or our cache. Worked out only when
/// printed: the local clock costs a time-zone file read that a quiet warm `get` must not pay.
pub fn how(how: How) -> impl std::fmt::Display {
    struct Says(How);
    impl std::fmt::Display for Says {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match self.0 {
                How::Asked { took } => write!(f, "checked with the Hub ({} ms)", took.as_millis()),
                How::Cached { checked_at } => write!(
                    f,
                    "cached verdict from {}",
                    local_clock(checked_at as i64, crate::hub::store::now() as i64)
                ),
                How::NotAsked => f.write_str("the Hub was not asked"),
            }
        }
    }
    Says(how)
}

pub fn rejected(found: &Resolved, origin: &Origin) -> String {
    format!(
        "git-credential-hf: the token from {} ({}) was rejected by {} (401). {}.",
        found.source,
        found.token.masked(),
        origin.authority(),
        capitalised(&found.source.fix())
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

pub fn expired(found: &Resolved, at: i64) -> String {
    format!(
        "the token from {} ({}) expired at {} and could not be refreshed: not giving it to git. {}.",
        found.source,
        found.token.masked(),
        utc(at),
        capitalised(&found.source.fix())
    )
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub fn no_token(settings: &Settings) -> String {
    format!(
        "no Hugging Face token found (HF_TOKEN, HUGGING_FACE_HUB_TOKEN, {}): run `hf auth login` or set HF_TOKEN",
        settings.token_path
    )
}

/// Whether a note is a warning everyone should see (else it is said with --verbose, and by
/// `status`): a failed refresh, or a refreshed token its files could not all take. A failure
/// remembered from an earlier run was said then.
pub fn is_warning(note: &Note) -> bool {
    match note {
        Note::Refreshed { warning, .. } => warning.is_some(),
        Note::RefreshFailed { failure, .. } => !matches!(failure, Failure::Remembered { .. }),
        Note::RefreshNotAttempted { .. } => false,
    }
}

/// What resolving the token did, in one sentence.
pub fn note(note: &Note) -> String {
    match note {
        Note::Refreshed {
            warning: Some(warning),
            ..
        } => warning.clone(),
        Note::Refreshed {
            name,
            warning: None,
        } => format!("refreshed the OAuth token `{name}`"),
        Note::RefreshFailed { name, failure } => refresh_failed(name, failure),
        Note::RefreshNotAttempted { name } => format!(
            "the OAuth token `{name}` is due for a refresh, not attempted here: it expires within a day (run `git-credential-hf status` without --offline, or any git command, to refresh it)"
        ),
    }
}

const LOG_IN_AGAIN: &str = "log in again with `hf auth login` or `git-credential-hf login`";

/// Why the refresh of `name` did not happen (huggingface_hub logs the first two, with its own
/// words).
fn refresh_failed(name: &str, failure: &Failure) -> String {
    match failure {
        Failure::InvalidGrant(detail) => format!(
            "the OAuth token `{name}` has expired and cannot be refreshed (session expired or \
                 revoked: {detail}): {LOG_IN_AGAIN}"
        ),
        Failure::Other(detail) => format!(
            "could not refresh the OAuth token `{name}` ({detail}): using it as it is; it is \
                 tried again later"
        ),
        Failure::Remembered {
            at,
            invalid_grant: true,
            detail,
        } => format!(
            "not refreshing the OAuth token `{name}`: at {} the Hub refused its refresh token \
                 ({detail}): {LOG_IN_AGAIN}",
            utc(*at)
        ),
        Failure::Remembered { at, detail, .. } => format!(
            "not refreshing the OAuth token `{name}`: the attempt at {} failed ({detail}); \
                 using it as it is until the next attempt, after {}",
            utc(*at),
            utc(at.saturating_add(RETRY_AFTER))
        ),
    }
}

/// `host[:port]` of an API base, for messages.
pub fn hub(api_base: &str) -> String {
    Origin::from_url(api_base).map_or_else(|| api_base.to_string(), |o| o.authority())
}

/// The gist of why a Hub did not answer: reqwest's chain of causes (`whoami could not
/// connect: error sending request for url (...): client error (Connect): tcp connect error:
/// Connection refused (os error 111)`) as its first and last links (`could not connect:
/// Connection refused (os error 111)`), without the request's name.
pub fn short_reason(reason: &str) -> String {
    let reason = reason.strip_prefix("whoami ").unwrap_or(reason);
    let links: Vec<&str> = reason.split(": ").collect();
    match links.as_slice() {
        [first, .., last] if links.len() > 2 => format!("{first}: {last}"),
        _ => reason.to_string(),
    }
}

/// `get`'s one line when the Hub did not answer it (the run that waited says it; the runs that
/// skip the Hub thanks to that memory say nothing unless --verbose), with the whole reason
/// when `verbose`.
pub fn unreachable(api_base: &str, reason: &str, verbose: bool) -> String {
    let hub = hub(api_base);
    let reason = match verbose {
        true => reason.to_string(),
        false => short_reason(reason),
    };
    format!(
        "git-credential-hf: {hub} did not answer ({reason}): sending the token unchecked, and not asking again for a minute"
    )
}

/// `status`, once per Hub that did not answer (its rows then say `unchecked`).
pub fn status_unreachable(api_base: &str, reason: &str) -> String {
    let hub = hub(api_base);
    format!(
        "{hub} did not answer: {} (use --offline to skip the checks)",
        short_reason(reason)
    )
}

/// `status`'s progress line on a terminal, while the Hub takes its time.
pub fn checking(pending: usize, hubs: &[String]) -> String {
    let tokens = match pending {
        1 => "1 token".to_string(),
        n => format!("{n} tokens"),
    };
    let hubs = match hubs {
        [] => "the Hub".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    format!("checking {tokens} with {hubs}...")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reqwest_chain_is_said_short() {
        let chain = "whoami could not connect: error sending request for url (http://127.0.0.1:9/api/whoami-v2): client error (Connect): tcp connect error: Connection refused (os error 111)";
        assert_eq!(
            short_reason(chain),
            "could not connect: Connection refused (os error 111)"
        );
        assert_eq!(short_reason("whoami timed out"), "timed out");
        assert_eq!(
            short_reason("whoami request failed: reset"),
            "request failed: reset"
        );
        let line = status_unreachable("https://huggingface.co", chain);
        assert_eq!(
            line,
            "huggingface.co did not answer: could not connect: Connection refused (os error 111) (use --offline to skip the checks)"
        );
        assert!(unreachable("https://hf.co", chain, true).contains(chain));
        let line = unreachable("http://127.0.0.1:8080", chain, false);
        assert!(
            line.starts_with(
                "git-credential-hf: 127.0.0.1:8080 did not answer (could not connect: "
            ),
            "{line}"
        );
        assert!(!line.contains("tcp connect error"), "{line}");
    }

    #[test]
    fn progress_names_the_count_and_the_hubs() {
        assert_eq!(
            checking(5, &["huggingface.co".into()]),
            "checking 5 tokens with huggingface.co..."
        );
        assert_eq!(
            checking(1, &["a".into(), "b".into(), "c".into()]),
            "checking 1 token with a, b and c..."
        );
    }
}
