//! Arbitrary protocol/host/url through the same decision `get` makes: whenever the helper
//! would answer, the request names exactly one of the allowed origins, spelled the allowed
//! way up to ASCII case and an explicit default port.
//!
//! Input: one byte choosing the environment and which fields are present, then
//! `protocol NUL host NUL url` as UTF-8.
#![no_main]

use git_credential_hf::fuzzing::{Request, answered_origin};
use libfuzzer_sys::fuzz_target;

struct Allowed {
    scheme: &'static str,
    default_port: u16,
    host: &'static str,
    port: u16,
}

const fn https(host: &'static str, port: u16) -> Allowed {
    Allowed {
        scheme: "https",
        default_port: 443,
        host,
        port,
    }
}

const HUB: [Allowed; 2] = [https("huggingface.co", 443), https("hf.co", 443)];

/// The environments tried, each with the origins it adds to the Hub's.
fn environment(selector: u8) -> (&'static [(&'static str, &'static str)], Vec<Allowed>) {
    let mut allowed = Vec::from(HUB);
    let env: &[(&str, &str)] = match selector % 4 {
        0 => &[("HOME", "/nonexistent")],
        1 => {
            allowed.push(https("hub-ci.huggingface.co", 443));
            &[("HOME", "/nonexistent"), ("HUGGINGFACE_CO_STAGING", "1")]
        }
        2 => {
            allowed.push(Allowed {
                scheme: "http",
                default_port: 80,
                host: "127.0.0.1",
                port: 8123,
            });
            &[
                ("HOME", "/nonexistent"),
                ("HF_ENDPOINT", "http://127.0.0.1:8123/"),
            ]
        }
        _ => {
            allowed.push(https("[::1]", 9));
            &[
                ("HOME", "/nonexistent"),
                ("HF_ENDPOINT", "https://[::1]:9/hub"),
            ]
        }
    };
    (env, allowed)
}

/// `host[:port]` is this origin's host, up to ASCII case, with its port or none for the
/// default (leading zeros allowed, as git's own port parsing allows them).
fn authority_is(hostport: &str, a: &Allowed) -> bool {
    let lower = hostport.to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix(a.host) else {
        return false;
    };
    match rest.strip_prefix(':') {
        None => rest.is_empty() && a.port == a.default_port,
        Some(port) => {
            !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit())
                && port.trim_start_matches('0') == a.port.to_string()
        }
    }
}

/// The URL's scheme and the authority a client would connect to (after the last `@`).
fn url_is(url: &str, a: &Allowed) -> bool {
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host = authority.rsplit('@').next().unwrap_or(authority);
    scheme.eq_ignore_ascii_case(a.scheme) && authority_is(host, a)
}

fuzz_target!(|data: &[u8]| {
    let Some((&head, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let mut parts = text.splitn(3, '\0');
    let mut field = |bit: u8| {
        let value = parts.next().unwrap_or_default().to_string();
        (head & bit != 0).then_some(value)
    };
    let req = Request {
        protocol: field(0x10),
        host: field(0x20),
        url: field(0x40),
        ..Request::default()
    };
    let (env, allowed) = environment(head);
    let Some(origin) = answered_origin(env, &req) else {
        return;
    };
    let fields_ok = |a: &Allowed| match (&req.protocol, &req.host) {
        (Some(p), Some(h)) => p.eq_ignore_ascii_case(a.scheme) && authority_is(h, a),
        (None, None) => true,
        _ => false,
    };
    let url_ok = |a: &Allowed| req.url.as_deref().is_none_or(|u| url_is(u, a));
    let matched = allowed
        .iter()
        .find(|a| fields_ok(a) && url_ok(a) && (req.url.is_some() || req.host.is_some()))
        .unwrap_or_else(|| panic!("answered {origin} for {req:?}"));
    let expected = match matched.port == matched.default_port {
        true => format!("{}://{}", matched.scheme, matched.host),
        false => format!("{}://{}:{}", matched.scheme, matched.host, matched.port),
    };
    assert_eq!(origin.to_string(), expected, "{req:?}");
});
