//! The OS keychain: the entries Git Credential Manager and wincred write for each Hub origin
//! (`git:https://huggingface.co`), each checked only against its own origin.

use super::{Finding, Kind, Look, Place};
use crate::io::keychain::{self, Lookup};
use std::time::Duration;

/// A desktop keyring that never answers must not hang `status`.
const TIMEOUT: Duration = Duration::from_secs(3);

pub struct Keychains;

impl Place for Keychains {
    fn find(&self, look: &Look) -> Vec<Finding> {
        let origins: Vec<_> = look.allowed.origins().cloned().collect();
        let services: Vec<String> = origins.iter().map(|o| format!("git:{o}")).collect();
        let none = |detail: String| {
            let kind = Kind::Keychain {
                service: String::new(),
                user: String::new(),
            };
            Finding::absent("keyring", kind, detail)
        };
        match keychain::lookup(look.keychain.clone(), &services, TIMEOUT) {
            Lookup::Found(found) if !found.is_empty() => found
                .into_iter()
                .map(|(service, user, token)| {
                    let origin = &origins[services.iter().position(|s| *s == service).unwrap_or(0)];
                    Finding::present(
                        format!("keyring:{service}"),
                        Kind::Keychain {
                            service,
                            user: user.clone(),
                        },
                        format!("user {user}"),
                        token,
                        look.origin(origin, "the entry"),
                    )
                })
                .collect(),
            Lookup::Found(_) => vec![none(format!("no entry for {}", services.join(", ")))],
            Lookup::NotAvailable(why) => vec![none(format!("not available ({why})"))],
        }
    }
}
