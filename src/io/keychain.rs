//! The OS keychain, read where git's credential helpers keep Hub tokens. Read only, and
//! bounded in time: a desktop keyring that never answers must not hang `status`.
//!
//! Each entry is named by an id that says where it is, in the form the OS's own tools show:
//!
//! | system | id | written by | read by git's helper |
//! | --- | --- | --- | --- |
//! | Windows | `git:https://huggingface.co`, `git:https://hf_user@huggingface.co` (Credential Manager target names) | Git Credential Manager, wincred | `manager`, `wincred` |
//! | macOS | `https://huggingface.co` (an internet password: server, protocol, account) | `git-credential-osxkeychain` | `osxkeychain` |
//! | macOS | `git:https://huggingface.co` (a generic password: service, account) | Git Credential Manager | `manager` |
//! | Linux | `https://huggingface.co` (Secret Service attributes `protocol`, `server`, `user`) | `git-credential-libsecret` | `libsecret` |
//! | Linux | `git:https://huggingface.co` (attribute `service`, with `username` or `account`) | the keyring libraries, Git Credential Manager | `manager` |
//!
//! The secret is the entry's first line: GCM and git's helpers append `password_expiry_utc=`
//! and `oauth_refresh_token=` lines after the password.

use crate::token::Token;
use std::sync::mpsc;
use std::time::Duration;

/// The user names huggingface_hub (`hf_user`, `--add-to-git-credential`) and git (`git`, what
/// this helper answers, stored by the helpers after it) store entries under: the ones looked
/// for where the keychain can only be asked by exact name (Windows' target names).
#[cfg(any(windows, test))]
pub const USERS: &[&str] = &["hf_user", "git"];

/// (id, user, token) of each entry found, or why no keychain could be read.
#[derive(Debug)]
pub enum Lookup {
    Found(Vec<(String, String, Token)>),
    NotAvailable(String),
}

pub trait Keychain: Send + Sync {
    /// The entries kept for the origin `scheme://authority` (`authority` is `host[:port]`, the
    /// port only when not the default), as (id, user, token); `Err` when no keychain can be
    /// reached.
    fn find(&self, scheme: &str, authority: &str) -> Result<Vec<(String, String, Token)>, String>;
}

/// Every entry for each of `origins` ((scheme, authority) pairs), or "not available" when the
/// keychain cannot be reached within `timeout`.
pub fn lookup(
    keychain: std::sync::Arc<dyn Keychain>,
    origins: &[(String, String)],
    timeout: Duration,
) -> Lookup {
    let (tx, rx) = mpsc::channel();
    let origins = origins.to_vec();
    // The thread may outlive the answer when the keychain hangs; the process ends anyway.
    std::thread::spawn(move || {
        let mut found = Vec::new();
        for (scheme, authority) in &origins {
            match keychain.find(scheme, authority) {
                Ok(entries) => found.extend(entries),
                Err(e) => {
                    let _ = tx.send(Lookup::NotAvailable(e));
                    return;
                }
            }
        }
        let _ = tx.send(Lookup::Found(found));
    });
    rx.recv_timeout(timeout).unwrap_or_else(|_| {
        Lookup::NotAvailable(format!("no answer within {} s", timeout.as_secs()))
    })
}

/// The keychains whose naming this module knows, so the naming is tested on every platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum System {
    Windows,
    Macos,
    /// Linux and the BSDs.
    SecretService,
}

pub const SYSTEM: System = if cfg!(windows) {
    System::Windows
} else if cfg!(target_os = "macos") {
    System::Macos
} else {
    System::SecretService
};

/// The names of git's credential helpers (as `credential.helper` names them) that read the
/// entry `id` on `system`.
pub fn readers(system: System, id: &str) -> &'static [&'static str] {
    let gcm = id.starts_with("git:");
    match system {
        System::Windows => &["manager", "manager-core", "wincred"],
        System::Macos if gcm => &["manager", "manager-core"],
        System::Macos => &["osxkeychain"],
        System::SecretService if gcm => &["manager", "manager-core"],
        System::SecretService => &["libsecret"],
    }
}

/// The command that removes the entry `id` of `user` on `system`, exactly that entry.
pub fn erase_command(system: System, id: &str, user: &str) -> String {
    let url = id.strip_prefix("git:").unwrap_or(id);
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
    let authority = rest.rsplit('@').next().unwrap_or(rest);
    match system {
        System::Windows => {
            let target = format!("LegacyGeneric:target={id}");
            match target.contains([' ', '"']) {
                true => format!("cmdkey \"/delete:{}\"", target.replace('"', "")),
                false => format!("cmdkey /delete:{target}"),
            }
        }
        System::Macos if id.starts_with("git:") => format!(
            "security delete-generic-password -s {} -a {}",
            sh_quote(id),
            sh_quote(user)
        ),
        System::Macos => format!(
            "printf 'protocol=%s\\nhost=%s\\nusername=%s\\n\\n' {} {} {} | git credential-osxkeychain erase",
            sh_quote(scheme),
            sh_quote(authority),
            sh_quote(user)
        ),
        System::SecretService if id.starts_with("git:") => {
            format!("secret-tool clear service {}", sh_quote(id))
        }
        System::SecretService => {
            let (host, port) = split_port(authority);
            let port = port.map_or(String::new(), |p| format!(" port {p}"));
            format!(
                "secret-tool clear protocol {} server {}{port} user {}",
                sh_quote(scheme),
                sh_quote(host),
                sh_quote(user)
            )
        }
    }
}

/// The Credential Manager target names git's Windows helpers use for an origin: GCM's
/// (`git:https://huggingface.co`, with `user@` for a second account) and wincred's (always
/// with `user@`).
#[cfg(any(windows, test))]
pub fn windows_targets(scheme: &str, authority: &str) -> Vec<String> {
    let mut targets = vec![format!("git:{scheme}://{authority}")];
    targets.extend(
        USERS
            .iter()
            .map(|user| format!("git:{scheme}://{user}@{authority}")),
    );
    targets
}

/// The password of a stored secret: its first line.
pub fn first_line(secret: &str) -> &str {
    secret
        .split('\n')
        .next()
        .unwrap_or_default()
        .trim_end_matches('\r')
}

fn split_port(authority: &str) -> (&str, Option<&str>) {
    match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || authority.starts_with('[') => {
            match port.bytes().all(|b| b.is_ascii_digit()) {
                true => (host, Some(port)),
                false => (authority, None),
            }
        }
        _ => (authority, None),
    }
}

fn sh_quote(s: &str) -> String {
    match !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/.:_-+@".contains(&b))
    {
        true => s.to_string(),
        false => format!("'{}'", s.replace('\'', r"'\''")),
    }
}

/// The platform keychain.
pub struct OsKeychain;

impl Keychain for OsKeychain {
    fn find(&self, scheme: &str, authority: &str) -> Result<Vec<(String, String, Token)>, String> {
        os::find(scheme, authority)
    }
}

/// Windows Credential Manager, through the `keyring` crate: its generic credentials at the
/// target names GCM and wincred write (Credential Manager can only be asked by exact name).
#[cfg(windows)]
mod os {
    use super::{Token, first_line, windows_targets};

    pub fn find(scheme: &str, authority: &str) -> Result<Vec<(String, String, Token)>, String> {
        let mut found = Vec::new();
        for target in windows_targets(scheme, authority) {
            // The service and user are metadata for writing; a read goes by the target alone.
            let entry = keyring::Entry::new_with_target(&target, &target, "git")
                .map_err(|e| e.to_string())?;
            let secret = match entry.get_password() {
                Ok(secret) => secret,
                // No entry, or a blob that is no UTF-16 text (older wincred versions packed the
                // user name with the password): nothing to compare.
                Err(keyring::Error::NoEntry | keyring::Error::BadEncoding(_)) => continue,
                Err(e) => return Err(e.to_string()),
            };
            let user = entry
                .get_attributes()
                .ok()
                .and_then(|a| a.get("username").cloned())
                .unwrap_or_default();
            let token = first_line(&secret);
            if !token.is_empty() {
                found.push((target, user, Token::new(token)));
            }
        }
        Ok(found)
    }
}

/// The macOS keychain, through `security-framework`: the internet passwords
/// `git-credential-osxkeychain` writes (server, protocol, account) and the generic passwords
/// GCM writes (service `git:https://huggingface.co`, account).
#[cfg(target_os = "macos")]
mod os {
    use super::{Token, first_line};
    use security_framework::base::Error;
    use security_framework::item::{ItemClass, ItemSearchOptions, Limit, SearchResult};
    use security_framework::os::macos::passwords::{SecAuthenticationType, SecProtocolType};
    use security_framework::passwords::{self, PasswordOptions};

    /// errSecItemNotFound.
    const NOT_FOUND: i32 = -25300;

    pub fn find(scheme: &str, authority: &str) -> Result<Vec<(String, String, Token)>, String> {
        let mut found = internet_passwords(scheme, authority)?;
        found.extend(gcm(scheme, authority)?);
        Ok(found)
    }

    fn none_if_missing<T: Default>(result: Result<T, Error>) -> Result<T, String> {
        match result {
            Err(e) if e.code() == NOT_FOUND => Ok(T::default()),
            other => other.map_err(|e| e.to_string()),
        }
    }

    fn internet_passwords(
        scheme: &str,
        authority: &str,
    ) -> Result<Vec<(String, String, Token)>, String> {
        let protocol = match scheme {
            "https" => SecProtocolType::HTTPS,
            "http" => SecProtocolType::HTTP,
            _ => return Ok(Vec::new()),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => {
                (h, p.parse::<u16>().ok())
            }
            _ => (authority, None),
        };
        // The accounts, from the attributes alone (reading them asks for no permission).
        let items = none_if_missing(
            ItemSearchOptions::new()
                .class(ItemClass::internet_password())
                .load_attributes(true)
                .limit(Limit::All)
                .search(),
        )?;
        let accounts = accounts(&items, |a| {
            a.get("srvr").is_some_and(|s| s.eq_ignore_ascii_case(host))
        });
        let id = format!("{scheme}://{authority}");
        let mut found = Vec::new();
        for account in accounts {
            // As osxkeychain asks: no path, any authentication type.
            let mut options = PasswordOptions::new_internet_password(
                host,
                None,
                &account,
                "",
                port,
                protocol,
                SecAuthenticationType::Default,
            );
            #[allow(deprecated)]
            options
                .query
                .retain(|(key, _)| !matches!(key.to_string().as_str(), "path" | "atyp"));
            let secret = none_if_missing(passwords::generic_password(options))?;
            let secret = String::from_utf8_lossy(&secret);
            let token = first_line(&secret);
            if !token.is_empty() {
                found.push((id.clone(), account, Token::new(token)));
            }
        }
        Ok(found)
    }

    fn gcm(scheme: &str, authority: &str) -> Result<Vec<(String, String, Token)>, String> {
        let service = format!("git:{scheme}://{authority}");
        // The accounts first (data cannot be asked of every match at once), then each secret.
        let items = none_if_missing(
            ItemSearchOptions::new()
                .class(ItemClass::generic_password())
                .service(&service)
                .load_attributes(true)
                .limit(Limit::All)
                .search(),
        )?;
        let mut found = Vec::new();
        for account in accounts(&items, |_| true) {
            let secret = none_if_missing(passwords::generic_password(
                PasswordOptions::new_generic_password(&service, &account),
            ))?;
            let secret = String::from_utf8_lossy(&secret);
            let token = first_line(&secret);
            if !token.is_empty() {
                found.push((service.clone(), account, Token::new(token)));
            }
        }
        Ok(found)
    }

    /// The `acct` attribute of each item whose attributes pass `keep`, once each.
    fn accounts(
        items: &[SearchResult],
        keep: impl Fn(&std::collections::HashMap<String, String>) -> bool,
    ) -> Vec<String> {
        let mut accounts: Vec<String> = items
            .iter()
            .filter_map(SearchResult::simplify_dict)
            .filter(|a| keep(a))
            .filter_map(|a| a.get("acct").cloned())
            .collect();
        accounts.sort();
        accounts.dedup();
        accounts
    }
}

/// The Secret Service (GNOME Keyring, KWallet) over D-Bus, through `secret-service`: the
/// entries `git-credential-libsecret` writes (attributes `protocol`, `server`, `port`, `user`)
/// and those with a `service` attribute (the keyring libraries' `service`/`username`, GCM's
/// `service`/`account`). Locked items are not unlocked: that would prompt.
#[cfg(all(unix, not(target_os = "macos")))]
mod os {
    use super::{Token, first_line};
    use secret_service::EncryptionType;
    use secret_service::blocking::SecretService;
    use std::collections::HashMap;

    pub fn find(scheme: &str, authority: &str) -> Result<Vec<(String, String, Token)>, String> {
        let ss = SecretService::connect(EncryptionType::Dh).map_err(|e| e.to_string())?;
        let mut found = Vec::new();
        let mut locked = 0;
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => (h, Some(p)),
            _ => (authority, None),
        };
        let service = format!("git:{scheme}://{authority}");
        let searches = [
            (
                format!("{scheme}://{authority}"),
                HashMap::from([("protocol", scheme), ("server", host)]),
            ),
            (
                service.clone(),
                HashMap::from([("service", service.as_str())]),
            ),
        ];
        for (id, attributes) in searches {
            let items = ss.search_items(attributes).map_err(|e| e.to_string())?;
            locked += items.locked.len();
            for item in items.unlocked {
                let a = item.get_attributes().map_err(|e| e.to_string())?;
                let libsecret = a.contains_key("server");
                // libsecret: this very port (none for the default one), and no path (an entry
                // for one repository, with credential.useHttpPath).
                if libsecret
                    && (a.get("port").map(String::as_str) != port || a.contains_key("object"))
                {
                    continue;
                }
                let user = ["user", "username", "account"]
                    .iter()
                    .find_map(|k| a.get(*k).cloned())
                    .unwrap_or_default();
                let secret = item.get_secret().map_err(|e| e.to_string())?;
                let secret = String::from_utf8_lossy(&secret);
                let token = first_line(&secret);
                if !token.is_empty() {
                    found.push((id.clone(), user, Token::new(token)));
                }
            }
        }
        if found.is_empty() && locked > 0 {
            return Err(format!(
                "{locked} entries are locked: unlock the keyring, then run this again"
            ));
        }
        Ok(found)
    }
}

/// Nowhere to look elsewhere.
#[cfg(not(any(windows, unix)))]
mod os {
    use super::Token;

    pub fn find(_: &str, _: &str) -> Result<Vec<(String, String, Token)>, String> {
        Err("no keychain is known on this system".into())
    }
}

/// A keychain for unit tests: the entries given, as (id, user, secret), or none reachable.
#[cfg(test)]
#[derive(Default)]
pub struct FakeKeychain {
    pub entries: Vec<(String, String, String)>,
    pub unavailable: Option<String>,
}

#[cfg(test)]
impl Keychain for FakeKeychain {
    fn find(&self, scheme: &str, authority: &str) -> Result<Vec<(String, String, Token)>, String> {
        if let Some(why) = &self.unavailable {
            return Err(why.clone());
        }
        let url = format!("{scheme}://{authority}");
        Ok(self
            .entries
            .iter()
            .filter(|(id, _, _)| {
                let bare = id.strip_prefix("git:").unwrap_or(id);
                let (s, rest) = bare.split_once("://").unwrap_or(("", bare));
                format!("{s}://{}", rest.rsplit('@').next().unwrap_or(rest)) == url
            })
            .map(|(id, user, secret)| (id.clone(), user.clone(), Token::new(first_line(secret))))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn hub() -> Vec<(String, String)> {
        vec![
            ("https".into(), "huggingface.co".into()),
            ("https".into(), "hf.co".into()),
        ]
    }

    struct Slow(Duration);

    impl Keychain for Slow {
        fn find(&self, _: &str, _: &str) -> Result<Vec<(String, String, Token)>, String> {
            std::thread::sleep(self.0);
            Ok(Vec::new())
        }
    }

    #[test]
    fn finds_entries_and_reports_unavailable_or_hanging_keychains() {
        let fake = FakeKeychain {
            entries: vec![
                (
                    "git:https://hf_user@huggingface.co".into(),
                    "hf_user".into(),
                    "hf_k\npassword_expiry_utc=1\n".into(),
                ),
                ("git:https://example.com".into(), "git".into(), "x".into()),
            ],
            unavailable: None,
        };
        let ok = lookup(Arc::new(fake), &hub(), Duration::from_secs(1));
        let Lookup::Found(found) = ok else {
            panic!("{ok:?}")
        };
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "git:https://hf_user@huggingface.co");
        assert_eq!(found[0].2.expose(), "hf_k");
        let down = FakeKeychain {
            unavailable: Some("no dbus".into()),
            ..FakeKeychain::default()
        };
        let down = lookup(Arc::new(down), &hub(), Duration::from_secs(1));
        assert!(matches!(down, Lookup::NotAvailable(e) if e == "no dbus"));
        let hang = lookup(
            Arc::new(Slow(Duration::from_secs(5))),
            &hub(),
            Duration::from_millis(100),
        );
        assert!(matches!(hang, Lookup::NotAvailable(_)));
    }

    #[test]
    fn windows_target_names_are_gcms_and_wincreds() {
        assert_eq!(
            windows_targets("https", "huggingface.co"),
            [
                "git:https://huggingface.co",
                "git:https://hf_user@huggingface.co",
                "git:https://git@huggingface.co"
            ]
        );
        assert_eq!(
            windows_targets("http", "127.0.0.1:8080")[0],
            "git:http://127.0.0.1:8080"
        );
    }

    #[test]
    fn each_entry_has_the_removal_command_of_its_system() {
        let cases = [
            (
                System::Windows,
                "git:https://huggingface.co",
                "hf_user",
                "cmdkey /delete:LegacyGeneric:target=git:https://huggingface.co",
            ),
            (
                System::Windows,
                "git:https://hf_user@hf.co",
                "hf_user",
                "cmdkey /delete:LegacyGeneric:target=git:https://hf_user@hf.co",
            ),
            (
                System::Macos,
                "https://huggingface.co",
                "hf_user",
                "printf 'protocol=%s\\nhost=%s\\nusername=%s\\n\\n' https huggingface.co hf_user | git credential-osxkeychain erase",
            ),
            (
                System::Macos,
                "git:https://huggingface.co",
                "alice smith",
                "security delete-generic-password -s git:https://huggingface.co -a 'alice smith'",
            ),
            (
                System::SecretService,
                "git:https://huggingface.co",
                "hf_user",
                "secret-tool clear service git:https://huggingface.co",
            ),
            (
                System::SecretService,
                "https://hub.example:8443",
                "it's",
                r"secret-tool clear protocol https server hub.example port 8443 user 'it'\''s'",
            ),
        ];
        for (system, id, user, command) in cases {
            assert_eq!(erase_command(system, id, user), command, "{system:?} {id}");
        }
        assert_eq!(readers(System::Macos, "https://hf.co"), ["osxkeychain"]);
        assert_eq!(
            readers(System::SecretService, "https://hf.co"),
            ["libsecret"]
        );
        assert!(readers(System::Windows, "git:https://hf.co").contains(&"wincred"));
        assert!(readers(System::SecretService, "git:https://hf.co").contains(&"manager"));
    }

    #[test]
    fn the_secret_is_the_first_line() {
        assert_eq!(first_line("hf_a\noauth_refresh_token=r"), "hf_a");
        assert_eq!(first_line("hf_a\r\n"), "hf_a");
        assert_eq!(first_line(""), "");
    }
}
