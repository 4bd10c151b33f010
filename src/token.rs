//! The types that hold secrets, and where a token came from. `Token` is a Hub token,
//! `Secret<T>` any other secret (a refresh token's raw section, an id token's request token):
//! their Debug and Display are redacted, so a secret reaches an output stream only through an
//! explicit `expose()`.

use sha2::{Digest, Sha256};
use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    pub fn new(value: impl Into<String>) -> Token {
        Token(value.into())
    }

    /// The secret itself. Call sites are the `password=` line of `get`, the output of
    /// `token`, HTTP headers to the Hub, and writes to the user's token files.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `hf_****wxyz`, as `hf auth list` shows tokens.
    pub fn masked(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        if chars.len() < 12 {
            return "****".to_string();
        }
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{head}****{tail}")
    }

    /// First 12 hex digits of the SHA-256, so equal tokens are visibly equal.
    /// OAuth access tokens (`hf auth login`'s default since huggingface_hub 2.x) start `hf_oauth_`.
    pub fn looks_like_oauth(&self) -> bool {
        self.0.starts_with("hf_oauth_")
    }

    pub fn fingerprint(&self) -> String {
        self.sha256_hex()[..12].to_string()
    }

    pub fn sha256_hex(&self) -> String {
        hex(&Sha256::digest(self.0.as_bytes()))
    }
}

pub fn hex(bytes: &[u8]) -> String {
    // A table, not `format!` per byte: this runs on every warm `get` (cache key).
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

/// Any other secret value. Debug shows `Secret(****)`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Secret<T> {
        Secret(value)
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

/// `#[serde(with = "crate::token::as_text")]`: a token in a file of ours (0600) as its
/// text. Only there: Token itself is not `Serialize`, so no output can carry one by mistake.
pub mod as_text {
    use super::Token;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(token: &Token, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(token.expose())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Token, D::Error> {
        String::deserialize(d).map(Token::new)
    }
}

/// Where huggingface_hub's token came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// HF_OIDC_RESOURCE: a token exchanged for this resource.
    Oidc(String),
    Env(&'static str),
    File(String),
    /// A token this helper gave git earlier, no longer huggingface_hub's (git's `state[]`).
    Replaced,
}

impl Source {
    /// Stable identifier used in `status --json`.
    pub fn id(&self) -> String {
        match self {
            Source::Oidc(resource) => format!("oidc:{resource}"),
            Source::Env(var) => format!("env:{var}"),
            Source::File(path) => format!("file:{path}"),
            Source::Replaced => "replaced".to_string(),
        }
    }

    /// The fix for a rejected token from this source.
    pub fn fix(&self) -> String {
        match self {
            Source::Oidc(resource) => format!(
                "check the Trusted Publisher set up for {resource} on the Hub, or unset HF_OIDC_RESOURCE"
            ),
            Source::Env(var) => {
                format!("{var} overrides `hf auth login`: update or unset it")
            }
            Source::File(_) => {
                "log in again with `hf auth login` (or `git-credential-hf login`)".to_string()
            }
            Source::Replaced => "the next request uses huggingface_hub's new token".to_string(),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Oidc(resource) => write!(f, "the OIDC token exchange for {resource}"),
            Source::Env(var) => f.write_str(var),
            Source::File(path) => write!(f, "the token file {path}"),
            Source::Replaced => f.write_str("this helper, before huggingface_hub's token changed"),
        }
    }
}

/// huggingface_hub's token, where it came from, and when it expires (unix seconds), when it
/// does: an OAuth token's `expires_at`, an OIDC token's exchange.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved {
    pub token: Token,
    pub source: Source,
    pub expires_at: Option<i64>,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token({})", self.masked())
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "hf_not-a-real-token-wxyz";

    #[test]
    fn debug_and_display_never_show_the_secret() {
        let t = Token::new(T);
        assert_eq!(format!("{t}"), "hf_****wxyz");
        assert_eq!(format!("{t:?}"), "Token(hf_****wxyz)");
        assert_eq!(format!("{:?}", Some(t.clone())), "Some(Token(hf_****wxyz))");
        let err = anyhow::anyhow!("rejected {t}");
        assert!(!format!("{err:#}").contains(T));
    }

    #[test]
    fn error_chains_and_panics_never_show_the_secret() {
        let t = Token::new(T);
        let chained = Err::<(), _>(anyhow::anyhow!("whoami failed for {t:?}"))
            .map_err(|e| e.context(format!("checking {t}")))
            .unwrap_err();
        for text in [format!("{chained:#}"), format!("{chained:?}")] {
            assert!(!text.contains(T), "{text}");
            assert!(text.contains("hf_****wxyz"), "{text}");
        }
        // assert_eq! and unwrap on a Token show its Debug in the panic message.
        let other = Token::new(format!("{T}-other"));
        let payloads = [
            std::panic::catch_unwind(|| assert_eq!(t, other)).unwrap_err(),
            std::panic::catch_unwind(|| std::hint::black_box(Err::<(), _>(t.clone())).unwrap())
                .unwrap_err(),
        ];
        for payload in payloads {
            let message = payload.downcast_ref::<String>().expect("formatted panic");
            assert!(!message.contains(T), "{message}");
            assert!(message.contains("Token(hf_****wxyz)"), "{message}");
        }
    }

    #[test]
    fn other_secrets_are_redacted_too() {
        let s = Secret::new(vec![("hf_token".to_string(), T.to_string())]);
        assert_eq!(format!("{s:?}"), "Secret(****)");
        assert_eq!(s.expose()[0].1, T);
        let r = Resolved {
            token: Token::new(T),
            source: Source::Env("HF_TOKEN"),
            expires_at: None,
        };
        assert!(!format!("{r:?}").contains(T));
    }

    #[test]
    fn short_tokens_are_fully_masked() {
        assert_eq!(Token::new("hf_short").masked(), "****");
    }

    #[test]
    fn fingerprint_is_stable_prefix_of_sha256() {
        let t = Token::new("abc");
        assert_eq!(t.fingerprint(), "ba7816bf8f01");
        assert_eq!(t.sha256_hex().len(), 64);
    }
}
