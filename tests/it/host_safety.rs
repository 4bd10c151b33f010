//! Host safety: requests for hosts that resemble the Hub, or hide another host inside a Hub
//! spelling, get no password. Each case runs twice: through real `git credential fill`
//! (which parses `url=` itself and hands the helper its own protocol/host) and straight into
//! `git-credential-hf get` on stdin. HF_HUB_OFFLINE=1 with HF_TOKEN set means any request the
//! helper accepts is answered at once, so "no password" is the allow-list's decision alone.

use crate::support::TestEnv;

const TOKEN: &str = "hf_HostSafetyTokenZZZZZZZZZZZZZZZZZZZZZZZ";
/// HF_ENDPOINT of the loopback and IPv6 tables (nothing listens: the helper is offline).
const LOOPBACK: &str = "http://127.0.0.1:8123";
const V6: &str = "http://[::1]:8123/";

/// Who hands the token out for a request.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// Neither git nor the helper on its own: the request is not for an allowed origin.
    Refused,
    /// Both: an allowed origin (the controls).
    Answered,
    /// The helper refuses the raw request (ambiguous or undecoded), but git resolves the
    /// `url=` itself to an allowed origin and asks for that: the host git reports back must
    /// then be an allowed one.
    GitResolvesToHub,
}
use Expect::*;

/// `(request lines, expectation)`. `https!` and `url!` keep the table readable.
macro_rules! https {
    ($host:literal) => {
        concat!("protocol=https\nhost=", $host, "\n")
    };
}
macro_rules! url {
    ($url:literal) => {
        concat!("url=", $url, "\n")
    };
}

const DEFAULT_CASES: &[(&str, Expect)] = &[
    // Controls: the Hub's own origins in their allowed spellings.
    (https!("huggingface.co"), Answered),
    (https!("hf.co"), Answered),
    (https!("HUGGINGFACE.CO"), Answered),
    (https!("Hf.Co"), Answered),
    (https!("huggingface.co:443"), Answered),
    ("protocol=HTTPS\nhost=hf.co\n", Answered),
    (url!("https://huggingface.co/org/model"), Answered),
    (url!("https://git@hf.co/org/model.git"), Answered),
    (url!("https://HF.co:443/x?y#z"), Answered),
    // Lookalikes.
    (https!("huggingface.co.evil.example"), Refused),
    (https!("evilhuggingface.co"), Refused),
    (https!("evil-huggingface.co"), Refused),
    (https!("huggingface.com"), Refused),
    (https!("huggingface.co-evil.example"), Refused),
    (https!("www.huggingface.co"), Refused),
    (https!("api.huggingface.co"), Refused),
    (https!("cdn-lfs.huggingface.co"), Refused),
    (https!("hub-ci.huggingface.co"), Refused),
    (https!("hf.co.evil.example"), Refused),
    (https!("hff.co"), Refused),
    (https!("h.f.co"), Refused),
    (https!("hf.com"), Refused),
    (https!("huggingface.c0"), Refused),
    (https!("hugginqface.co"), Refused),
    (https!("huggingfaces.co"), Refused),
    // IDN, punycode and Unicode confusables.
    (https!("xn--huggingface-0ta.co"), Refused),
    (https!("xn--huggingfce-7jg.co"), Refused),
    (https!("huggingfаce.co"), Refused),       // Cyrillic а
    (https!("hf.cο"), Refused),                // Greek omicron
    (https!("ｈｆ.co"), Refused),              // fullwidth letters
    (https!("hf。co"), Refused),               // ideographic full stop
    (https!("HUGGİNGFACE.CO"), Refused),       // dotted capital I
    (https!("hf.co\u{200b}"), Refused),        // zero-width space
    (https!("hugging\u{ad}face.co"), Refused), // soft hyphen
    (https!("hf.\u{212a}o"), Refused),         // Kelvin sign
    (url!("https://huggingfаce.co/x"), Refused),
    // Trailing and leading dots.
    (https!("huggingface.co."), Refused),
    (https!("hf.co."), Refused),
    (https!("huggingface.co.."), Refused),
    (https!(".huggingface.co"), Refused),
    (https!("hf.co.:443"), Refused),
    (url!("https://huggingface.co./org/model"), Refused),
    // Other ports and broken ports.
    (https!("huggingface.co:8443"), Refused),
    (https!("huggingface.co:80"), Refused),
    (https!("hf.co:444"), Refused),
    (https!("huggingface.co:"), Refused),
    (https!("huggingface.co:443:443"), Refused),
    (https!("huggingface.co:+443"), Refused),
    (https!("hf.co:-443"), Refused),
    (https!("hf.co:65979"), Refused),
    (https!("hf.co:0x1bb"), Refused),
    (url!("https://hf.co:8443/x"), Refused),
    // Other protocols.
    ("protocol=http\nhost=huggingface.co\n", Refused),
    ("protocol=http\nhost=hf.co:443\n", Refused),
    (url!("http://huggingface.co/org/model"), Refused),
    ("protocol=ssh\nhost=hf.co\n", Refused),
    ("protocol=git\nhost=hf.co\n", Refused),
    ("protocol=ftp\nhost=hf.co\n", Refused),
    ("protocol=\nhost=hf.co\n", Refused),
    ("protocol=https \nhost=hf.co\n", Refused),
    ("host=hf.co\n", Refused),
    // Empty and blank hosts.
    (https!(""), Refused),
    ("protocol=https\n", Refused),
    (url!("https:///org/model"), Refused),
    (url!("https://:443/x"), Refused),
    (url!("https://git@/x"), Refused),
    (https!(" hf.co"), Refused),
    (https!("hf.co "), Refused),
    (https!("hf .co"), Refused),
    // IPv6 and IP literals (not the Hub's).
    (https!("[::1]"), Refused),
    (https!("[::1]:443"), Refused),
    (https!("[2600:1f18::1]"), Refused),
    (https!("[huggingface.co]"), Refused),
    (https!("[::ffff:hf.co]"), Refused),
    (url!("https://[::1]/org/model"), Refused),
    (https!("127.0.0.1"), Refused),
    // Userinfo in url= and in host=.
    (url!("https://huggingface.co@evil.example/"), Refused),
    (url!("https://huggingface.co:443@evil.example/"), Refused),
    (url!("https://hf.co:hf.co@evil.example/x"), Refused),
    (url!("https://hf.co%2f@evil.example/"), Refused),
    (url!("https://user@evil@hf.co/"), Refused),
    (https!("git@hf.co"), Refused),
    (https!("hf.co@evil.example"), Refused),
    // url= disagreeing with host= (git keeps the later line; the helper refuses both orders).
    (
        "protocol=https\nhost=hf.co\nurl=https://evil.example/\n",
        Refused,
    ),
    (
        "url=https://evil.example/\nprotocol=https\nhost=hf.co\n",
        GitResolvesToHub,
    ),
    ("url=https://hf.co/\nhost=evil.example\n", Refused),
    ("url=https://hf.co/\nprotocol=http\n", Refused),
    // Path, query and fragment tricks.
    (url!("https://evil.example/huggingface.co"), Refused),
    (url!("https://evil.example/@huggingface.co"), Refused),
    (url!("https://evil.example?@huggingface.co"), Refused),
    (url!("https://evil.example#@huggingface.co"), Refused),
    (
        url!("https://evil.example\\@huggingface.co/"),
        GitResolvesToHub,
    ),
    (url!("https://hf.co.evil.example/hf.co"), Refused),
    (url!("//hf.co/x"), Refused),
    (url!("hf.co/org/model"), Refused),
    (url!("https:/hf.co/x"), Refused),
    (url!("https:hf.co"), Refused),
    (https!("evil.example/huggingface.co"), Refused),
    (https!("huggingface.co/evil"), Refused),
    (https!("hf.co\\evil"), Refused),
    (https!("hf.co#"), Refused),
    (
        "protocol=https\nhost=evil.example\npath=huggingface.co\n",
        Refused,
    ),
    // Percent-encoding: the helper never decodes; git decodes url= hosts itself.
    (https!("%68f.co"), Refused),
    (https!("hf%2eco"), Refused),
    (url!("https://%68f.co/x"), GitResolvesToHub),
    (url!("https://evil%2fhf.co/"), Refused),
    (url!("https://hf.co%00/x"), Refused),
];

/// HF_ENDPOINT on loopback: exactly that scheme, address and port.
const LOOPBACK_CASES: &[(&str, Expect)] = &[
    ("protocol=http\nhost=127.0.0.1:8123\n", Answered),
    (url!("http://127.0.0.1:8123/org/model"), Answered),
    (https!("huggingface.co"), Answered),
    ("protocol=http\nhost=127.0.0.1\n", Refused),
    ("protocol=http\nhost=127.0.0.1:8124\n", Refused),
    ("protocol=http\nhost=127.0.0.1:80\n", Refused),
    (https!("127.0.0.1:8123"), Refused),
    ("protocol=http\nhost=localhost:8123\n", Refused),
    ("protocol=http\nhost=127.0.0.2:8123\n", Refused),
    ("protocol=http\nhost=127.1:8123\n", Refused),
    ("protocol=http\nhost=127.0.0.01:8123\n", Refused),
    ("protocol=http\nhost=2130706433:8123\n", Refused),
    ("protocol=http\nhost=0x7f.0.0.1:8123\n", Refused),
    ("protocol=http\nhost=[::1]:8123\n", Refused),
    ("protocol=http\nhost=[::ffff:127.0.0.1]:8123\n", Refused),
    ("protocol=http\nhost=127.0.0.1.:8123\n", Refused),
];

/// HF_ENDPOINT on an IPv6 literal: only that spelling.
const V6_CASES: &[(&str, Expect)] = &[
    ("protocol=http\nhost=[::1]:8123\n", Answered),
    (url!("http://[::1]:8123/x"), Answered),
    ("protocol=http\nhost=[::1]\n", Refused),
    ("protocol=http\nhost=[::1]:8124\n", Refused),
    ("protocol=http\nhost=::1:8123\n", Refused),
    ("protocol=http\nhost=[0:0:0:0:0:0:0:1]:8123\n", Refused),
    ("protocol=http\nhost=[::1%25lo]:8123\n", Refused),
    ("protocol=http\nhost=[::1]]:8123\n", Refused),
    ("protocol=http\nhost=[[::1]]:8123\n", Refused),
    (https!("[::1]:8123"), Refused),
    ("protocol=http\nhost=127.0.0.1:8123\n", Refused),
];

fn env_with(endpoint: Option<&str>) -> TestEnv {
    let env = TestEnv::new();
    env.secret(TOKEN);
    env.set_env("HF_TOKEN", TOKEN);
    env.set_env("HF_HUB_OFFLINE", "1");
    if let Some(e) = endpoint {
        env.set_env("HF_ENDPOINT", e);
    }
    env
}

/// The allowed authorities of each table, lowercase, without default ports.
fn allowed_authorities(endpoint: Option<&str>) -> Vec<String> {
    let mut v = vec!["huggingface.co".to_string(), "hf.co".to_string()];
    if let Some(e) = endpoint {
        let rest = e.split_once("://").unwrap().1;
        v.push(rest.trim_end_matches('/').to_string());
    }
    v
}

/// Runs one table both ways and returns how many cases it ran.
fn run_table(endpoint: Option<&str>, cases: &[(&str, Expect)]) -> usize {
    let env = env_with(endpoint);
    let allowed = allowed_authorities(endpoint);
    let mut failures = Vec::new();
    for &(input, expect) in cases {
        // Directly: the helper alone decides.
        let direct = env.cmd(&["get"]).stdin(format!("{input}\n"));
        let direct = match expect {
            Answered => direct.allow_password_line(),
            _ => direct,
        }
        .run();
        let direct_answers = direct.field("password").as_deref() == Some(TOKEN);
        if direct.code != 0 || direct_answers != (expect == Answered) {
            failures.push(format!(
                "direct {input:?}: expected {expect:?}, got code {} stdout {:?}",
                direct.code, direct.stdout
            ));
        }
        // Through git: git parses first, then asks the helper.
        let git = env.git_fill(&[]).stdin(format!("{input}\n")).run();
        // git fills a password of its own from `user:pass@` in url=; only ours matters.
        let git_answers = git.field("password").as_deref() == Some(TOKEN);
        if git_answers != (expect != Refused) {
            failures.push(format!(
                "git {input:?}: expected {expect:?}, got stdout {:?} stderr {:?}",
                git.stdout, git.stderr
            ));
        }
        if git_answers {
            // Whatever git resolved, it must be one of ours.
            let host = git.field("host").unwrap_or_default().to_ascii_lowercase();
            let host = host.strip_suffix(":443").unwrap_or(&host);
            if !allowed.iter().any(|a| a == host) {
                failures.push(format!("git {input:?}: answered for host {host:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    cases.len()
}

#[test]
fn default_origins_only() {
    let n = run_table(None, DEFAULT_CASES);
    assert!(n >= 60, "{n} cases");
    let refused = DEFAULT_CASES.iter().filter(|c| c.1 == Refused).count();
    eprintln!("host safety: {n} default cases ({refused} refused), each through git and direct");
}

#[test]
fn loopback_endpoint_is_exact() {
    run_table(Some(LOOPBACK), LOOPBACK_CASES);
}

#[test]
fn ipv6_endpoint_is_exact() {
    run_table(Some(V6), V6_CASES);
}
