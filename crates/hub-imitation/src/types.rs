//! What a test tells the Hub (tokens, whoami modes) and what it reads back (the request log).

use std::time::Duration;

use crate::hub::normalize_repo_id;

/// What the Hub knows about one token.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TokenInfo {
    pub user: String,
    /// The token's display name (`auth.accessToken.displayName`).
    pub display_name: String,
    /// `"read"`, `"write"` or `"fineGrained"`.
    pub role: String,
    /// `"access_token"` or `"oauth"`.
    pub auth_type: String,
    /// Raw JSON of the `fineGrained` object, inserted verbatim into whoami answers.
    pub fine_grained: Option<String>,
    pub orgs: Vec<String>,
    /// Repo ids (e.g. `"org/model"`, `"datasets/org/data"`) this token may read although gated.
    pub granted_gated: Vec<String>,
}

impl TokenInfo {
    fn access_token(user: &str, name: &str, role: &str) -> Self {
        TokenInfo {
            user: user.to_string(),
            display_name: name.to_string(),
            role: role.to_string(),
            auth_type: "access_token".to_string(),
            fine_grained: None,
            orgs: Vec::new(),
            granted_gated: Vec::new(),
        }
    }

    /// A classic write token.
    pub fn write(user: &str, name: &str) -> Self {
        Self::access_token(user, name, "write")
    }

    /// A classic read token.
    pub fn read(user: &str, name: &str) -> Self {
        Self::access_token(user, name, "read")
    }

    /// A fine-grained token; `fine_grained_json` is the raw `fineGrained` object. Pushing is
    /// allowed when it mentions `repo.write`.
    pub fn fine_grained(user: &str, name: &str, fine_grained_json: &str) -> Self {
        let mut t = Self::access_token(user, name, "fineGrained");
        t.fine_grained = Some(fine_grained_json.to_string());
        t
    }

    /// An OAuth token (as `hf auth login` produces); may push.
    pub fn oauth(user: &str) -> Self {
        TokenInfo {
            user: user.to_string(),
            display_name: String::new(),
            role: "write".to_string(),
            auth_type: "oauth".to_string(),
            fine_grained: None,
            orgs: Vec::new(),
            granted_gated: Vec::new(),
        }
    }

    pub fn with_orgs(mut self, orgs: &[&str]) -> Self {
        self.orgs = orgs.iter().map(|s| s.to_string()).collect();
        self
    }

    pub fn with_granted_gated(mut self, repo_ids: &[&str]) -> Self {
        self.granted_gated = repo_ids.iter().map(|s| normalize_repo_id(s)).collect();
        self
    }

    pub fn with_role(mut self, role: &str) -> Self {
        self.role = role.to_string();
        self
    }

    pub fn with_display_name(mut self, name: &str) -> Self {
        self.display_name = name.to_string();
        self
    }

    /// May this token push?
    pub fn can_write(&self) -> bool {
        match self.role.as_str() {
            "write" | "admin" => true,
            "fineGrained" => self
                .fine_grained
                .as_deref()
                .is_some_and(|j| j.contains("\"repo.write\"")),
            _ => false,
        }
    }
}

/// How `GET /api/whoami-v2` behaves.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum WhoamiMode {
    /// Answer from the token table.
    #[default]
    Normal,
    /// Answer every request with this status (401 gets the Hub's invalid-credentials answer).
    Status(u16),
    /// 429 with `Retry-After`.
    RateLimited { retry_after_secs: u64 },
    /// Answer normally after this delay.
    Slow(Duration),
    /// Never answer until the mode changes (then answer per the new mode) or the Hub is dropped
    /// (then close the connection).
    Hang,
    /// Read the request, then close the socket without answering.
    Reset,
    /// 200 with a non-JSON body.
    Garbage,
    /// 200 with a valid ~20 MiB JSON body.
    Huge,
    /// 302 with `Location: <url>`.
    RedirectTo(String),
    /// The normal answer's head at once, then its body one byte every `TRICKLE_EVERY`.
    Trickle,
}

/// How slowly a trickled body comes: each read succeeds well inside any time-out.
pub const TRICKLE_EVERY: Duration = Duration::from_millis(400);

/// The parsed `Authorization` header of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Auth {
    None,
    Basic {
        user: String,
        password: String,
    },
    Bearer(String),
    /// Anything else (the whole header value, or an undecodable Basic value).
    Other(String),
}

impl Auth {
    /// The token carried (Basic password or Bearer token), if any.
    pub fn token(&self) -> Option<&str> {
        match self {
            Auth::Basic { password, .. } => Some(password),
            Auth::Bearer(t) => Some(t),
            _ => None,
        }
    }

    pub fn is_none(&self) -> bool {
        matches!(self, Auth::None)
    }
}

/// One request the Hub received.
#[derive(Clone, Debug)]
pub struct LoggedRequest {
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// Query string without `?` (empty when none).
    pub query: String,
    pub auth: Auth,
    /// Final status; 0 when the connection was closed without an answer.
    pub status: u16,
    /// All request headers (names as sent).
    pub headers: Vec<(String, String)>,
}

impl LoggedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}
