//! The OS keychain (macOS Keychain, Windows Credential Manager, Secret Service on Linux),
//! where Git Credential Manager and older setups keep Hub tokens. Read only, and bounded in
//! time: a desktop keyring that never answers must not hang `status`.

use crate::token::Token;
use std::sync::mpsc;
use std::time::Duration;

/// The user names huggingface_hub (`hf_user`) and git (`git`) store entries under.
pub const USERS: &[&str] = &["hf_user", "git"];

#[derive(Debug)]
pub enum Lookup {
    /// (service, user, token) for each entry found.
    Found(Vec<(String, String, Token)>),
    NotAvailable(String),
}

pub trait Keychain: Send + Sync {
    /// `Ok(None)` when there is no such entry; `Err` when no keychain can be reached.
    fn get(&self, service: &str, user: &str) -> Result<Option<Token>, String>;
}

/// The platform keychain, through the `keyring` crate.
pub struct OsKeychain;

impl Keychain for OsKeychain {
    fn get(&self, service: &str, user: &str) -> Result<Option<Token>, String> {
        let entry = keyring::Entry::new(service, user).map_err(|e| e.to_string())?;
        match entry.get_password() {
            Ok(secret) => Ok(Some(Token::new(secret))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// Every entry of `services` (as Git Credential Manager names them, `git:https://hf.co`), or
/// "not available" when the keychain cannot be reached within `timeout`.
pub fn lookup(
    keychain: std::sync::Arc<dyn Keychain>,
    services: &[String],
    timeout: Duration,
) -> Lookup {
    let (tx, rx) = mpsc::channel();
    let services = services.to_vec();
    // The thread may outlive the answer when the keychain hangs; the process ends anyway.
    std::thread::spawn(move || {
        let mut found = Vec::new();
        for service in &services {
            for user in USERS {
                match keychain.get(service, user) {
                    Ok(Some(secret)) => found.push((service.to_string(), user.to_string(), secret)),
                    Ok(None) => {}
                    Err(e) => {
                        let _ = tx.send(Lookup::NotAvailable(e));
                        return;
                    }
                }
            }
        }
        let _ = tx.send(Lookup::Found(found));
    });
    rx.recv_timeout(timeout).unwrap_or_else(|_| {
        Lookup::NotAvailable(format!("no answer within {} s", timeout.as_secs()))
    })
}

/// A keychain for unit tests: the entries given, or none reachable.
#[cfg(test)]
#[derive(Default)]
pub struct FakeKeychain {
    pub entries: std::collections::HashMap<(String, String), String>,
    pub unavailable: Option<String>,
}

#[cfg(test)]
impl Keychain for FakeKeychain {
    fn get(&self, service: &str, user: &str) -> Result<Option<Token>, String> {
        if let Some(why) = &self.unavailable {
            return Err(why.clone());
        }
        let secret = self.entries.get(&(service.into(), user.into()));
        Ok(secret.map(Token::new))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    const HUB: &str = "git:https://huggingface.co";

    fn services() -> Vec<String> {
        vec![HUB.to_string(), "git:https://hf.co".to_string()]
    }

    struct Fake(Result<Option<&'static str>, &'static str>, Duration);

    impl Keychain for Fake {
        fn get(&self, service: &str, user: &str) -> Result<Option<Token>, String> {
            std::thread::sleep(self.1);
            let hit = service == HUB && user == "hf_user";
            self.0
                .map(|v| v.filter(|_| hit).map(Token::new))
                .map_err(str::to_string)
        }
    }

    #[test]
    fn finds_entries_and_reports_unavailable_or_hanging_keychains() {
        let ok = lookup(
            Arc::new(Fake(Ok(Some("hf_k")), Duration::ZERO)),
            &services(),
            Duration::from_secs(1),
        );
        let Lookup::Found(found) = ok else {
            panic!("{ok:?}")
        };
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].2.expose(), "hf_k");
        let down = lookup(
            Arc::new(Fake(Err("no dbus"), Duration::ZERO)),
            &services(),
            Duration::from_secs(1),
        );
        assert!(matches!(down, Lookup::NotAvailable(e) if e == "no dbus"));
        let hang = lookup(
            Arc::new(Fake(Ok(None), Duration::from_secs(5))),
            &services(),
            Duration::from_millis(100),
        );
        assert!(matches!(hang, Lookup::NotAvailable(_)));
    }

    #[test]
    fn the_crate_mock_store_goes_through_the_same_path() {
        keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
        assert!(matches!(OsKeychain.get(HUB, "git"), Ok(None)));
    }
}
