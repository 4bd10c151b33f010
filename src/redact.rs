//! The one step every string from the user's config, URLs, files or the Hub goes through
//! before it is printed: anything token-shaped is masked and control characters are dropped.
//! A secret that reached such a string by accident (a shell helper's command line, a token
//! pasted as a user name or an argument) is then shown as `hf_****wxyz`, never in full.

use crate::token::Token;

/// Prefixes of Hub tokens (`hf_...`, `hf_oauth_...`, organisation tokens `api_org_...`).
const TOKEN_PREFIXES: &[&str] = &["hf_", "api_"];
/// Characters after the prefix that make a word token-shaped (`hf_user`, `hf_token` stay).
const MIN_TOKEN_TAIL: usize = 8;
/// Keys whose value is a secret wherever they appear (`password=...`, netrc's `password x`).
const SECRET_KEYS: &[&str] = &["password", "credential", "token", "secret"];

/// `text` made safe to print, masking also every occurrence of the `known` secrets. Line
/// breaks are kept; every other control character goes.
pub fn redact_with(text: &str, known: &[&Token]) -> String {
    text.split('\n')
        .map(|line| redact_line(line, known))
        .collect::<Vec<_>>()
        .join("\n")
}

fn redact_line(text: &str, known: &[&Token]) -> String {
    let mut out = printable(text);
    for secret in known {
        let value = secret.expose();
        if value.len() >= 6 && out.contains(value) {
            out = out.replace(value, &secret.masked());
        }
    }
    let out = mask_userinfo(&out);
    let out = mask_secret_values(&out);
    mask_token_words(&out)
}

/// `text` made safe to print.
pub fn redact(text: &str) -> String {
    redact_with(text, &[])
}

/// Text fit for one line of a terminal: without control characters (escape sequences, bells,
/// line breaks from a server or a file) nor the Unicode marks that reorder what follows them
/// on screen (a user name or path that reads as another). Applied to the Hub's text where it
/// enters, and to everything printed.
pub fn printable(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() && !is_bidi_mark(*c))
        .collect()
}

/// The bidirectional formatting characters of Unicode (UAX #9): marks, embeddings, overrides
/// and isolates.
fn is_bidi_mark(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn mask_token_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(is_word) {
        out.push_str(&rest[..start]);
        let word_len = rest[start..]
            .find(|c| !is_word(c))
            .unwrap_or(rest.len() - start);
        let word = &rest[start..start + word_len];
        let token_shaped = TOKEN_PREFIXES.iter().any(|p| {
            word.strip_prefix(p)
                .is_some_and(|t| t.len() >= MIN_TOKEN_TAIL)
        });
        if token_shaped {
            out.push_str(&Token::new(word).masked());
        } else {
            out.push_str(word);
        }
        rest = &rest[start + word_len..];
    }
    out.push_str(rest);
    out
}

/// `scheme://user:secret@host` -> `scheme://user:****@host`.
fn mask_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| "/?#\\ \t'\"`<>".contains(c))
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rsplit_once('@') {
            Some((userinfo, host)) => {
                match userinfo.split_once(':') {
                    Some((user, _)) => {
                        out.push_str(user);
                        out.push_str(":****");
                    }
                    None => out.push_str(userinfo),
                }
                out.push('@');
                out.push_str(host);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// `password=secret`, `token = secret` -> `password=****` (any case, whole words only, not
/// inside a path: `/x/token: ...` is a file name).
fn mask_secret_values(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut search = 0;
    while let Some((pos, key)) = SECRET_KEYS
        .iter()
        .filter_map(|k| lower[search..].find(k).map(|p| (search + p, *k)))
        .min_by_key(|(p, _)| *p)
    {
        let after_key = pos + key.len();
        search = after_key;
        // A whole word only: not `passwords`, not `hf_token_path`, not `git-credential-hf`.
        if text[..pos].ends_with(|c: char| is_word(c) || c == '/' || c == '.') {
            continue;
        }
        let rest = &text[after_key..];
        let spaces = rest.len() - rest.trim_start_matches(' ').len();
        let Some(after_sep) = rest[spaces..]
            .strip_prefix('=')
            .map(|r| r.trim_start_matches(' '))
        else {
            continue;
        };
        let value_start = text.len() - after_sep.len();
        let value_len = after_sep
            .find(|c: char| c.is_whitespace() || "\"';&|)},".contains(c))
            .unwrap_or(after_sep.len());
        let value = &after_sep[..value_len];
        if value.is_empty() || value.contains("****") {
            continue;
        }
        out.push_str(&text[at..value_start]);
        out.push_str("****");
        at = value_start + value_len;
        search = at;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "hf_not-a-real-token-wxyz";

    #[test]
    fn token_shaped_words_are_masked_names_are_not() {
        assert_eq!(
            redact(&format!("!f() {{ echo password={T}; }}; f")),
            "!f() { echo password=****; }; f"
        );
        assert_eq!(redact(&format!("user {T} (x)")), "user hf_****wxyz (x)");
        assert_eq!(redact("api_org_0123456789abcdef"), "api****cdef");
        for kept in [
            "hf_user",
            "hf_token = x",
            "hf_****wxyz",
            "HF_TOKEN",
            "store --file=/x",
        ] {
            assert_eq!(redact(kept), kept);
        }
    }

    #[test]
    fn url_passwords_and_secret_values_are_masked() {
        assert_eq!(
            redact("https://x-access-token:ghp_abc@github.com/o/r"),
            "https://x-access-token:****@github.com/o/r"
        );
        assert_eq!(
            redact(&format!("https://{T}@hf.co/m")),
            "https://hf_****wxyz@hf.co/m"
        );
        assert_eq!(redact("https://hf.co/a@b"), "https://hf.co/a@b");
        assert_eq!(redact("PASSWORD=abc def"), "PASSWORD=**** def");
        assert_eq!(redact("token = abc"), "token = ****");
        assert_eq!(
            redact("https://h/x?token=abc&b=1"),
            "https://h/x?token=****&b=1"
        );
        assert_eq!(redact("the token file /x: gone"), "the token file /x: gone");
        assert_eq!(
            redact("/h/token: Is a directory"),
            "/h/token: Is a directory"
        );
        assert_eq!(redact("password=hf_****wxyz"), "password=hf_****wxyz");
        assert_eq!(redact("passwords are bad"), "passwords are bad");
        assert_eq!(redact("no-password"), "no-password");
    }

    #[test]
    fn known_secrets_and_control_characters() {
        let odd = Token::new("plainsecretvalue");
        assert_eq!(
            redact_with("got plainsecretvalue here", &[&odd]),
            "got pla****alue here"
        );
        assert_eq!(redact("a\x1b[31mred\x07\tb\r\nc"), "a[31mredb\nc");
        assert_eq!(printable("ali\u{1b}[2Jce\u{7}\u{9b}1m\r\n"), "ali[2Jce1m");
        assert_eq!(printable("ünïcode stays"), "ünïcode stays");
        assert_eq!(
            printable("alice\u{202e}nimda\u{2066}x\u{2069}\u{200f}"),
            "alicenimdax"
        );
        assert_eq!(redact("/home/u/\u{202e}nekot"), "/home/u/nekot");
        assert_eq!(
            printable("עברית and العربية stay"),
            "עברית and العربية stay"
        );
    }
}
