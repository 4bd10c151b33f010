//! Property tests over the protocol codec and the origin allow-list, run by `cargo test`.
//! The fuzz targets in fuzz/ push the same properties much further.

use git_credential_hf::fuzzing::{
    Request, Token, answered_origin, fields, read_request, write_fields,
};
use proptest::prelude::*;

/// A value git could send: any text without NUL, CR or LF.
fn value() -> impl Strategy<Value = String> {
    "[^\0\r\n]{0,40}"
}

fn request() -> impl Strategy<Value = Request> {
    let opt = || proptest::option::of(value());
    (
        (opt(), opt(), opt()),
        (opt(), opt(), opt(), opt()),
        proptest::collection::vec(value(), 0..3),
    )
        .prop_map(
            |((protocol, host, url), (username, password, authtype, credential), caps)| Request {
                protocol,
                host,
                url,
                username,
                password: password.map(Token::new),
                authtype,
                credential: credential.map(Token::new),
                capabilities: caps,
                states: Vec::new(),
            },
        )
}

fn round_trip(req: &Request) -> Result<(), TestCaseError> {
    let mut out = Vec::new();
    write_fields(&mut out, &fields(req)).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let again = read_request(&out[..]).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&again, req);
    Ok(())
}

/// Bytes that look like a request often enough to reach every branch of the reader.
fn request_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"protocol=".to_vec()),
        Just(b"host=".to_vec()),
        Just(b"url=".to_vec()),
        Just(b"capability[]=".to_vec()),
        Just(b"=".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\0".to_vec()),
        Just(b"\xff\xfe".to_vec()),
        Just("hf.co".as_bytes().to_vec()),
        proptest::collection::vec(any::<u8>(), 0..8),
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|p| p.concat())
}

const HUB_HOSTS: [&str; 2] = ["huggingface.co", "hf.co"];
const STAGING_HOST: &str = "hub-ci.huggingface.co";

/// Is `hostport` an allowed host as an allowed spelling: ASCII case aside, with no port or
/// an explicit 443 (leading zeros allowed).
fn exactly_allowed(hostport: &str, staging: bool) -> bool {
    let lower = hostport.to_ascii_lowercase();
    let host = match lower.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => {
            if port.trim_start_matches('0') != "443" {
                return false;
            }
            h
        }
        _ => lower.as_str(),
    };
    // Staging mode answers the staging Hub alone.
    match staging {
        true => host == STAGING_HOST,
        false => HUB_HOSTS.contains(&host),
    }
}

/// Characters that make a host look like, or hide inside, another one.
const ODD: &[char] = &[
    'a', 'z', '0', '9', '.', '-', '_', ':', '@', '/', '\\', '#', '?', '%', ' ', '\t', '[', ']',
    'а',        // Cyrillic a
    'ο',        // Greek omicron
    'е',        // Cyrillic e
    'і',        // Cyrillic i
    'с',        // Cyrillic s
    '。',       // ideographic full stop
    '．',       // fullwidth full stop
    'ｈ',       // fullwidth h
    'İ',        // dotted capital I
    'K',        // Kelvin sign, lowercases to k
    'ſ',        // long s, uppercases to S
    '\u{200b}', // zero-width space
    '\u{ad}',   // soft hyphen
];

#[derive(Clone, Debug)]
enum Edit {
    Insert(usize, char),
    Delete(usize),
    Replace(usize, char),
    FlipCase(usize),
    Confusable(usize),
    Prefix(&'static str),
    Suffix(&'static str),
}

fn edit() -> impl Strategy<Value = Edit> {
    let odd = || proptest::sample::select(ODD);
    prop_oneof![
        (any::<usize>(), odd()).prop_map(|(i, c)| Edit::Insert(i, c)),
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), odd()).prop_map(|(i, c)| Edit::Replace(i, c)),
        any::<usize>().prop_map(Edit::FlipCase),
        any::<usize>().prop_map(Edit::Confusable),
        proptest::sample::select(
            &[
                "evil.",
                "www.",
                "x",
                ".",
                "-",
                "evil.example/",
                "user@",
                "%",
                "[",
                "xn--",
            ][..]
        )
        .prop_map(Edit::Prefix),
        proptest::sample::select(
            &[
                ".",
                "..",
                ".evil.example",
                ".com",
                ":443",
                ":0443",
                ":00443",
                ":8443",
                ":80",
                ":",
                ":443:443",
                ":+443",
                ":65979",
                "/",
                "/x",
                "@evil.example",
                "#",
                "?",
                "%00",
                " ",
                "]",
                ".\u{3002}",
            ][..]
        )
        .prop_map(Edit::Suffix),
    ]
}

fn apply(host: &str, edit: &Edit) -> String {
    let mut chars: Vec<char> = host.chars().collect();
    let at = |i: usize, len: usize| i % len.max(1);
    match *edit {
        Edit::Insert(i, c) => chars.insert(i % (chars.len() + 1), c),
        Edit::Delete(i) if !chars.is_empty() => {
            chars.remove(at(i, chars.len()));
        }
        Edit::Replace(i, c) if !chars.is_empty() => {
            let i = at(i, chars.len());
            chars[i] = c;
        }
        Edit::FlipCase(i) if !chars.is_empty() => {
            let i = at(i, chars.len());
            let c = chars[i];
            chars[i] = match c.is_ascii_uppercase() {
                true => c.to_ascii_lowercase(),
                false => c.to_ascii_uppercase(),
            };
        }
        Edit::Confusable(i) if !chars.is_empty() => {
            let i = at(i, chars.len());
            chars[i] = match chars[i] {
                'a' => 'а',
                'o' | '0' => 'ο',
                'e' => 'е',
                'i' => 'і',
                'c' => 'с',
                'g' => 'ɡ',
                'h' => 'һ',
                '.' => '。',
                other => other,
            };
        }
        Edit::Prefix(p) => return format!("{p}{host}"),
        Edit::Suffix(s) => return format!("{host}{s}"),
        _ => {}
    }
    chars.into_iter().collect()
}

/// An allowed host after zero to three edits.
fn mutated_host() -> impl Strategy<Value = String> {
    let base = proptest::sample::select(&["huggingface.co", "hf.co", "hub-ci.huggingface.co"][..]);
    (base, proptest::collection::vec(edit(), 0..4))
        .prop_map(|(base, edits)| edits.iter().fold(base.to_string(), |h, e| apply(&h, e)))
}

fn env(staging: bool) -> Vec<(&'static str, &'static str)> {
    let mut env = vec![("HOME", "/nonexistent")];
    if staging {
        env.push(("HUGGINGFACE_CO_STAGING", "1"));
    }
    env
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn requests_round_trip(req in request()) {
        round_trip(&req)?;
    }

    #[test]
    fn the_reader_never_panics_and_what_it_accepts_round_trips(
        bytes in prop_oneof![request_bytes(), proptest::collection::vec(any::<u8>(), 0..256)]
    ) {
        if let Ok(req) = read_request(&bytes[..]) {
            round_trip(&req)?;
            let _ = answered_origin(&env(false), &req);
        }
    }

    /// `host=` fields: answered exactly when the host is an allowed spelling.
    #[test]
    fn host_fields_are_answered_exactly_when_allowed(
        host in mutated_host(),
        protocol in proptest::sample::select(&["https", "HTTPS", "Https", "http", "ssh", ""][..]),
        staging in any::<bool>(),
    ) {
        let req = Request {
            protocol: Some(protocol.to_string()),
            host: Some(host.clone()),
            ..Request::default()
        };
        let expected = protocol.eq_ignore_ascii_case("https") && exactly_allowed(&host, staging);
        let answered = answered_origin(&env(staging), &req);
        prop_assert_eq!(answered.is_some(), expected, "https://{} -> {:?}", host, answered);
    }

    /// `url=`, alone or with fields that may disagree: never answered unless the URL's host
    /// (what a client connects to, after any userinfo) and the fields' host are allowed.
    #[test]
    fn urls_are_never_answered_for_other_hosts(
        url_host in mutated_host(),
        field_host in proptest::option::of(mutated_host()),
        userinfo in proptest::sample::select(&["", "git@", "git:pw@", "hf.co@", "a@b@"][..]),
        path in proptest::sample::select(&["", "/", "/org/model", "?x=1", "#frag", "/@evil"][..]),
        staging in any::<bool>(),
    ) {
        let url = format!("https://{userinfo}{url_host}{path}");
        let req = Request {
            protocol: field_host.as_ref().map(|_| "https".to_string()),
            host: field_host.clone(),
            url: Some(url.clone()),
            ..Request::default()
        };
        let rest = &url["https://".len()..];
        let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
        let connects_to = authority.rsplit('@').next().unwrap_or(authority);
        let allowed = exactly_allowed(connects_to, staging)
            && field_host.as_deref().is_none_or(|h| exactly_allowed(h, staging));
        if let Some(origin) = answered_origin(&env(staging), &req) {
            prop_assert!(allowed, "answered {} for {:?}", origin, req);
        }
    }
}

/// The generator reaches both sides: some mutations stay allowed, most do not.
#[test]
fn the_host_generator_makes_allowed_and_refused_hosts() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = mutated_host();
    let (mut allowed, mut refused) = (0, 0);
    for _ in 0..2000 {
        let host = strategy.new_tree(&mut runner).unwrap().current();
        match exactly_allowed(&host, false) {
            true => allowed += 1,
            false => refused += 1,
        }
    }
    assert!(
        allowed > 100 && refused > 1000,
        "{allowed} allowed, {refused} refused"
    );
}
