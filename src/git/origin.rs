//! Which requests the helper answers: exactly the Hub's origins (scheme, host, port), and
//! nothing that merely resembles them. Parsing is deliberately narrow: a host with anything
//! but ASCII letters, digits, `-`, `.` (or a bracketed IPv6 literal) is not a host we know,
//! so odd encodings can never normalise into an allowed one.

use crate::git::url::Url;
use crate::settings::{DEFAULT_ENDPOINT, Settings};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    scheme: &'static str,
    host: String,
    port: u16,
}

impl Origin {
    /// From git's `protocol=` and `host=` (`host[:port]`) fields.
    pub fn from_parts(protocol: &str, host: &str) -> Option<Origin> {
        let (scheme, default_port) = scheme_of(protocol)?;
        let (host, port) = split_host_port(host)?;
        Some(Origin {
            scheme,
            host: normalise_host(host)?,
            port: match port {
                Some(p) => parse_port(p)?,
                None => default_port,
            },
        })
    }

    /// From a URL the way git's `credential_from_url` cuts it: `scheme://[user@]host[:port][/...]`.
    pub fn from_url(url: &str) -> Option<Origin> {
        let url = Url::split(url)?;
        // WHATWG parsers end the authority at `\` too: such a URL names two different hosts;
        // and one `@` too many is a host hidden in the userinfo.
        if url.authority().contains('\\') || url.userinfo.is_some_and(|u| u.contains('@')) {
            return None;
        }
        Origin::from_parts(url.scheme, url.hostport)
    }

    pub fn scheme(&self) -> &str {
        self.scheme
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    /// `host[:port]`, the port only when it is not the scheme's default.
    pub fn authority(&self) -> String {
        let default = scheme_of(self.scheme).map(|(_, p)| p);
        match default == Some(self.port) {
            true => self.host.clone(),
            false => format!("{}:{}", self.host, self.port),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.authority())
    }
}

fn scheme_of(protocol: &str) -> Option<(&'static str, u16)> {
    match protocol.to_ascii_lowercase().as_str() {
        "https" => Some(("https", 443)),
        "http" => Some(("http", 80)),
        _ => None,
    }
}

fn split_host_port(hostport: &str) -> Option<(&str, Option<&str>)> {
    if hostport.starts_with('[') {
        let close = hostport.find(']')?;
        let (host, rest) = hostport.split_at(close + 1);
        return match rest {
            "" => Some((host, None)),
            _ => Some((host, Some(rest.strip_prefix(':')?))),
        };
    }
    Some(match hostport.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (hostport, None),
    })
}

fn parse_port(port: &str) -> Option<u16> {
    if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    port.parse().ok().filter(|p| *p != 0)
}

fn normalise_host(host: &str) -> Option<String> {
    let ok = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) => {
            !v6.is_empty()
                && v6
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        }
        None => {
            !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        }
    };
    ok.then(|| host.to_ascii_lowercase())
}

/// The origins the helper answers for, each with the API base its tokens are checked against.
pub struct Allowed {
    entries: Vec<(Origin, String)>,
}

impl Allowed {
    /// The configured endpoint's origin, then huggingface.co and hf.co. In staging mode only
    /// the staging Hub: huggingface_hub talks to nothing else there, and a staging token
    /// checked against production would be a token sent where it does not belong.
    pub fn new(settings: &Settings) -> Allowed {
        let mut entries = Vec::new();
        // The configured endpoint first: its API base (which may carry a path) wins.
        if let Some(origin) = Origin::from_url(&settings.endpoint) {
            entries.push((origin, settings.endpoint.clone()));
        }
        if settings.staging {
            return Allowed { entries };
        }
        for url in ["https://huggingface.co", "https://hf.co"] {
            let origin = Origin::from_url(url).expect("built-in origins parse");
            if !entries.iter().any(|(o, _)| *o == origin) {
                entries.push((origin, DEFAULT_ENDPOINT.to_string()));
            }
        }
        Allowed { entries }
    }

    /// The API base to validate against, if `origin` is one of ours.
    pub fn api_base(&self, origin: &Origin) -> Option<&str> {
        self.entries
            .iter()
            .find(|(o, _)| o == origin)
            .map(|(_, api)| api.as_str())
    }

    pub fn origins(&self) -> impl Iterator<Item = &Origin> {
        self.entries.iter().map(|(o, _)| o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::Env;

    fn allowed(pairs: &[(&str, &str)]) -> Allowed {
        let env = Env::from_pairs(pairs.iter().copied());
        Allowed::new(&Settings::load(&env, &|_| None).unwrap())
    }

    fn answers(allowed: &Allowed, protocol: &str, host: &str) -> bool {
        Origin::from_parts(protocol, host).is_some_and(|o| allowed.api_base(&o).is_some())
    }

    #[test]
    fn the_hub_origins_are_answered() {
        let a = allowed(&[]);
        for (protocol, host) in [
            ("https", "huggingface.co"),
            ("https", "hf.co"),
            ("https", "HuggingFace.CO"),
            ("HTTPS", "hf.co"),
            ("https", "huggingface.co:443"),
            ("https", "hf.co:00443"),
        ] {
            assert!(answers(&a, protocol, host), "{protocol}://{host}");
        }
    }

    /// Lookalikes and near misses: none of these may ever get a token.
    #[test]
    fn spoof_table() {
        let a = allowed(&[]);
        let spoofs = [
            ("https", "huggingface.co.evil.example"),
            ("https", "evilhuggingface.co"),
            ("https", "evil-huggingface.co"),
            ("https", "huggingface.com"),
            ("https", "huggingface.co."),
            ("https", ".huggingface.co"),
            ("https", "www.huggingface.co"),
            ("https", "api.huggingface.co"),
            ("https", "cdn-lfs.huggingface.co"),
            ("https", "hf.co.evil.example"),
            ("https", "hff.co"),
            ("https", "h.f.co"),
            ("https", "hf.com"),
            ("https", "huggingface.c0"),
            ("https", "hugginqface.co"),
            ("https", "huggingface.co:8443"),
            ("https", "huggingface.co:80"),
            ("https", "huggingface.co:"),
            ("https", "huggingface.co:443:443"),
            ("https", "huggingface.co:+443"),
            ("https", "huggingface.co:65979"),
            ("https", "hf.co:444"),
            ("http", "huggingface.co"),
            ("http", "hf.co"),
            ("http", "huggingface.co:443"),
            ("ssh", "huggingface.co"),
            ("git", "huggingface.co"),
            ("", "huggingface.co"),
            ("https ", "huggingface.co"),
            ("https", ""),
            ("https", " huggingface.co"),
            ("https", "huggingface.co "),
            ("https", "user@huggingface.co"),
            ("https", "huggingface.co@evil.example"),
            ("https", "evil.example#huggingface.co"),
            ("https", "evil.example/huggingface.co"),
            ("https", "evil.example\\huggingface.co"),
            ("https", "%68uggingface.co"),
            ("https", "huggingface%2eco"),
            ("https", "xn--huggingface-xyz.co"),
            ("https", "huggingfаce.co"),        // Cyrillic а
            ("https", "HUGGİNGFACE.CO"),        // dotted capital I
            ("https", "huggingface\u{3002}co"), // ideographic full stop
            ("https", "huggingface.co\0"),
            ("https", "[::1]"),
            ("https", "[huggingface.co]"),
            ("https", "127.0.0.1"),
            ("https", "localhost"),
        ];
        for (protocol, host) in spoofs {
            assert!(!answers(&a, protocol, host), "answered {protocol}://{host}");
        }
        assert!(spoofs.len() >= 40);
    }

    #[test]
    fn hf_endpoint_origin_is_exact() {
        let a = allowed(&[("HF_ENDPOINT", "http://127.0.0.1:8123/")]);
        assert_eq!(
            a.api_base(&Origin::from_parts("http", "127.0.0.1:8123").unwrap()),
            Some("http://127.0.0.1:8123")
        );
        for (protocol, host) in [
            ("https", "127.0.0.1:8123"),
            ("http", "127.0.0.1"),
            ("http", "127.0.0.1:8124"),
            ("http", "localhost:8123"),
            ("http", "127.0.0.2:8123"),
        ] {
            assert!(!answers(&a, protocol, host), "{protocol}://{host}");
        }
        assert!(answers(&a, "https", "huggingface.co"));
        let v6 = allowed(&[("HF_ENDPOINT", "https://[::1]:9/hub")]);
        assert_eq!(
            v6.api_base(&Origin::from_parts("https", "[::1]:9").unwrap()),
            Some("https://[::1]:9/hub")
        );
        let mirror = allowed(&[("HF_ENDPOINT", "https://Mirror.Example/")]);
        assert!(answers(&mirror, "https", "mirror.example:443"));
    }

    #[test]
    fn staging_origin_only_in_staging_mode() {
        assert!(!answers(&allowed(&[]), "https", "hub-ci.huggingface.co"));
        let s = allowed(&[("HUGGINGFACE_CO_STAGING", "1")]);
        assert!(answers(&s, "https", "hub-ci.huggingface.co"));
        assert!(!answers(&s, "https", "huggingface.co"));
        assert!(!answers(&s, "https", "hf.co"));
    }

    #[test]
    fn urls_are_cut_like_git_does() {
        let o = |u: &str| Origin::from_url(u).map(|o| o.to_string());
        assert_eq!(
            o("https://huggingface.co/org/model"),
            Some("https://huggingface.co".into())
        );
        assert_eq!(
            o("https://git:pw@HF.co:443/x"),
            Some("https://hf.co".into())
        );
        assert_eq!(o("https://a@b@huggingface.co/"), None);
        assert_eq!(o("https://evil.example\\@huggingface.co/"), None);
        assert_eq!(
            o("https://huggingface.co.evil.example/"),
            Some("https://huggingface.co.evil.example".into())
        );
        assert_eq!(
            o("https://evil.example?@huggingface.co"),
            Some("https://evil.example".into())
        );
        assert_eq!(o("huggingface.co/org/model"), None);
        assert_eq!(o("http://[::1]:8080/x"), Some("http://[::1]:8080".into()));
    }
}
