//! huggingface_hub's token file and every stored token.

use super::{Finding, Kind, Look, Place, Scope};
use crate::hf::{stored_tokens, token_file};
use crate::settings::DEFAULT_ENDPOINT;
use crate::time::utc;

pub struct HfFiles;

impl Place for HfFiles {
    fn find(&self, look: &Look) -> Vec<Finding> {
        let s = look.settings;
        let mut found = Vec::new();
        // A file that cannot be read is reported by the resolver; here it is simply empty.
        let file_token = token_file::read(s, look.fs).ok().flatten();
        let source = format!("file:{}", s.token_path);
        let detail = format!("{} ({})", s.token_path, s.token_path_reason.describe());
        found.push(match file_token.clone() {
            Some(t) => Finding::present(source, Kind::TokenFile, detail, t, look.endpoint()),
            None => Finding::absent(source, Kind::TokenFile, detail),
        });
        let no_tokens = |detail: String| {
            Finding::absent("stored_tokens", Kind::Stored { active: false }, detail)
        };
        let parsed = match stored_tokens::read(&s.stored_tokens_path, look.fs) {
            Err(e) => {
                found.push(no_tokens(format!("{}: {e}", s.stored_tokens_path)));
                return found;
            }
            Ok(parsed) if parsed.tokens.is_empty() => {
                let why = parsed.problem;
                found.push(no_tokens(
                    why.unwrap_or_else(|| s.stored_tokens_path.to_string()),
                ));
                return found;
            }
            Ok(parsed) => parsed,
        };
        for stored in parsed.tokens {
            let active = file_token.as_ref() == Some(&stored.token);
            let mut facts = Vec::new();
            if active {
                facts.push("active".to_string());
            }
            if let Some(at) = stored.expires_at {
                facts.push(format!("expires {}", utc(at)));
            }
            // Which Hub a stored token was logged in for is not recorded. Python sends only
            // the token it uses to HF_ENDPOINT; the others are taken to be the default Hub's
            // and only checked when that is the endpoint.
            let scope = match active || s.endpoint == DEFAULT_ENDPOINT {
                true => look.endpoint(),
                false => Scope::Unsent(format!("it may not be a token for {}", s.endpoint)),
            };
            let source = format!("stored_tokens:{}", stored.name);
            let kind = Kind::Stored { active };
            let detail = facts.join(", ");
            found.push(match stored.token.expose().is_empty() {
                true => Finding::absent(source, kind, detail),
                false => Finding::present(source, kind, detail, stored.token, scope),
            });
        }
        found
    }
}
