//! The OS keychain: the entries git's helpers keep there for each Hub origin (Windows
//! Credential Manager: GCM and wincred; macOS: osxkeychain and GCM; Linux: libsecret and the
//! `service` entries of GCM and the keyring libraries; see `io::keychain`), each checked only
//! against its own origin. When a helper of git's chain for that origin reads the entry, the
//! detail says which: that is the copy git would be handed.

use super::{Finding, Kind, Look, Place};
use crate::git::helper;
use crate::git::origin::Origin;
use crate::io::keychain::{self, Lookup, SYSTEM};
use std::time::Duration;

/// A desktop keyring that never answers must not hang `status`.
const TIMEOUT: Duration = Duration::from_secs(3);

pub struct Keychains;

impl Place for Keychains {
    fn find(&self, look: &Look) -> Vec<Finding> {
        let origins: Vec<Origin> = look.allowed.origins().cloned().collect();
        let pairs: Vec<(String, String)> = origins
            .iter()
            .map(|o| (o.scheme().to_string(), o.authority()))
            .collect();
        let shown: Vec<String> = origins.iter().map(|o| o.to_string()).collect();
        let none = |detail: String| {
            let kind = Kind::Keychain {
                service: String::new(),
                user: String::new(),
            };
            Finding::absent("keyring", kind, detail)
        };
        match keychain::lookup(look.keychain.clone(), &pairs, TIMEOUT) {
            Lookup::Found(found) if !found.is_empty() => found
                .into_iter()
                .map(|(id, user, token)| {
                    let origin = origin_of(&id).unwrap_or_else(|| origins[0].clone());
                    let mut detail = format!("user {user}");
                    if let Some(reader) = reader_in_chain(look, &origin, &id) {
                        detail.push_str(&format!("; git reads it through {reader}"));
                    }
                    Finding::present(
                        format!("keyring:{id}"),
                        Kind::Keychain { service: id, user },
                        detail,
                        token,
                        look.origin(&origin, "the entry"),
                    )
                })
                .collect(),
            Lookup::Found(_) => vec![none(format!("no entry for {}", shown.join(", ")))],
            Lookup::NotAvailable(why) => vec![none(format!("not available ({why})"))],
        }
    }
}

/// `git:https://hf_user@huggingface.co` and `https://huggingface.co` are for
/// `https://huggingface.co`.
fn origin_of(id: &str) -> Option<Origin> {
    Origin::from_url(id.strip_prefix("git:").unwrap_or(id))
}

/// The first helper of git's chain for `origin` that reads this kind of entry, as
/// "`manager` (helper #2 for https://huggingface.co)".
fn reader_in_chain(look: &Look, origin: &Origin, id: &str) -> Option<String> {
    let readers = keychain::readers(SYSTEM, id);
    let chain = helper::chain(look.git, origin, look.cwd).ok()?;
    chain.iter().enumerate().find_map(|(i, configured)| {
        let name = configured.helper.name();
        readers
            .contains(&name.as_str())
            .then(|| format!("`{name}` (helper #{} for {origin})", i + 1))
    })
}
