//! Every place a Hub token can hide, side by side: the environment, huggingface_hub's files,
//! `.netrc`, git's helpers and credential files, remote URLs and the OS keychain. Each place is
//! listed even when empty, so the user sees it was checked. Values never leave as text: only
//! masked forms and fingerprints.

use crate::commands::Ctx;
use crate::gitcreds::{self, HelperEntry};
use crate::hub::WhoamiInfo;
use crate::keychain::{self, Keychain, Lookup};
use crate::netrc;
use crate::origin::{Allowed, Origin};
use crate::resolve::Resolved;
use crate::secret::Token;
use crate::settings::DEFAULT_ENDPOINT;
use crate::stored_tokens;
use crate::verify::{self, Verdict};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// What kind of place, for deciding which problems apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Env(&'static str),
    OidcResource,
    TokenFile,
    Stored {
        active: bool,
    },
    /// A `.netrc` entry curl sends to the target (`machine` `None`: the `default` entry).
    Netrc {
        machine: Option<String>,
        path: PathBuf,
    },
    /// A `.netrc` `default` entry curl does not send to the target (its machine entry wins).
    NetrcDefault,
    Helper {
        ours: bool,
        before_ours: bool,
        name: String,
        /// The helper as configured (`store --file=x`, a path, `!shell code`).
        value: String,
        /// The config file it was read from.
        file: String,
    },
    CredentialFile(PathBuf),
    RemoteUrl {
        remote: String,
        clean_url: String,
    },
    Keychain {
        service: String,
        user: String,
    },
}

#[derive(Clone, Debug)]
pub struct Place {
    /// Stable id: `env:HF_TOKEN`, `file:<path>`, `stored_tokens:<name>`, `netrc`,
    /// `git-helper:<name>`, `git-credentials:<path>`, `remote-url:<remote>`, `keyring:<service>`.
    pub source: String,
    pub token: Option<Token>,
    pub detail: String,
    pub kind: Kind,
    /// The API base of the one Hub origin this credential is meant for, where it may be
    /// checked; `None`: it is never sent to any Hub (and `check.note` says why).
    pub scope: Option<String>,
    pub check: Check,
}

/// The Hub's word on a token: `valid` is `None` when unchecked or unknown.
#[derive(Clone, Debug, Default)]
pub struct Check {
    pub valid: Option<bool>,
    pub info: Option<WhoamiInfo>,
    pub note: Option<String>,
}

pub struct Inventory {
    pub places: Vec<Place>,
    /// The origin git was asked about (HF_ENDPOINT's, or https://huggingface.co).
    pub target: Origin,
    /// What huggingface_hub's `get_token()` returns, or why it fails.
    pub python: Result<Option<Resolved>, String>,
    /// Index in `places` of what git would send for `target`, and through which helper.
    pub git: Option<usize>,
    pub helper_configured: bool,
    /// Installed git and git-lfs versions (major, minor), when they run.
    pub git_version: Option<(u32, u32)>,
    pub lfs_version: Option<(u32, u32)>,
}

pub struct Options {
    pub offline: bool,
    pub keychain: Arc<dyn Keychain>,
    pub cwd: PathBuf,
}

impl Inventory {
    pub fn python_token(&self) -> Option<&Token> {
        self.python.as_ref().ok()?.as_ref().map(|r| &r.token)
    }

    /// The place huggingface_hub takes its token from.
    pub fn python_place(&self) -> Option<&Place> {
        let resolved = self.python.as_ref().ok()?.as_ref()?;
        let id = resolved.source.id();
        self.places.iter().find(|p| p.source == id)
    }
}

pub fn collect(ctx: &Ctx, opts: &Options) -> Inventory {
    let target = Origin::from_url(&ctx.settings.endpoint)
        .unwrap_or_else(|| Origin::from_url(DEFAULT_ENDPOINT).expect("default endpoint parses"));
    let python = ctx.resolve().map_err(|e| e.to_string());
    let allowed = Allowed::new(&ctx.settings);
    let at = Scopes {
        allowed: &allowed,
        target: &target,
        endpoint: &ctx.settings.endpoint,
    };
    let mut places = Vec::new();
    env_places(ctx, &at, &mut places);
    hf_file_places(ctx, &at, &mut places);
    netrc_places(ctx, &at, &mut places);
    let (helper_configured, git_from_helpers) = helper_places(&at, &python, opts, &mut places);
    credential_file_places(ctx, &at, &mut places);
    remote_places(&at, opts, &mut places);
    keychain_places(&at, opts, &mut places);

    // curl sends a matching .netrc entry before git asks any helper.
    let git = places
        .iter()
        .position(|p| matches!(p.kind, Kind::Netrc { .. }) && p.token.is_some())
        .or(git_from_helpers);
    let mut inventory = Inventory {
        places,
        target,
        python,
        git,
        helper_configured,
        git_version: gitcreds::tool_version(&["--version"]),
        lfs_version: gitcreds::tool_version(&["lfs", "version"]),
    };
    if !opts.offline {
        check_all(ctx, &mut inventory);
    }
    inventory
}

/// Which Hub origin a found credential belongs to: only a credential for an origin `get`
/// answers is ever checked, and only against that origin's API base.
struct Scopes<'a> {
    allowed: &'a Allowed,
    target: &'a Origin,
    /// What huggingface_hub's own inputs (its variables and token file) are used with.
    endpoint: &'a str,
}

impl Scopes<'_> {
    fn origin(&self, origin: &Origin) -> Option<String> {
        self.allowed.api_base(origin).map(str::to_string)
    }

    /// A credential keyed by host alone (`.netrc`): the target when it has that host, else
    /// the first Hub origin that has it.
    fn host(&self, host: &str) -> Option<String> {
        let mut origins = self.allowed.origins();
        let origin = match self.target.host().eq_ignore_ascii_case(host) {
            true => Some(self.target),
            false => origins.find(|o| o.host().eq_ignore_ascii_case(host)),
        }?;
        self.origin(origin)
    }

    fn target(&self) -> Option<String> {
        self.origin(self.target)
    }

    fn endpoint(&self) -> Option<String> {
        Some(self.endpoint.to_string())
    }
}

fn place(
    source: String,
    token: Option<Token>,
    detail: impl Into<String>,
    kind: Kind,
    scope: Option<String>,
) -> Place {
    Place {
        source,
        token,
        detail: detail.into(),
        kind,
        scope,
        check: Check::default(),
    }
}

/// A place with nothing in it.
fn empty(source: &str, detail: impl Into<String>, kind: Kind) -> Place {
    place(source.to_string(), None, detail, kind, None)
}

fn env_places(ctx: &Ctx, at: &Scopes, places: &mut Vec<Place>) {
    for (var, detail) in [
        ("HF_TOKEN", ""),
        (
            "HUGGING_FACE_HUB_TOKEN",
            "legacy name, read when HF_TOKEN is unset",
        ),
        ("HUGGINGFACEHUB_API_TOKEN", "read by LangChain only"),
    ] {
        let value = ctx
            .env
            .get(var)
            .ok()
            .flatten()
            .filter(|v| !v.trim().is_empty());
        places.push(place(
            format!("env:{var}"),
            value.and_then(crate::resolve::clean),
            detail,
            Kind::Env(var),
            at.endpoint(),
        ));
    }
    let resource = ctx
        .env
        .get("HF_OIDC_RESOURCE")
        .ok()
        .flatten()
        .filter(|v| !v.is_empty());
    places.push(empty(
        "env:HF_OIDC_RESOURCE",
        resource.map_or(String::new(), |r| {
            format!("set: {r} (token exchanged in CI)")
        }),
        Kind::OidcResource,
    ));
}

fn hf_file_places(ctx: &Ctx, at: &Scopes, places: &mut Vec<Place>) {
    let s = &ctx.settings;
    let file_token = ctx
        .sys
        .read(&crate::resolve::pathlib_path(&s.token_path))
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|t| crate::resolve::clean(&t));
    places.push(place(
        format!("file:{}", s.token_path),
        file_token.clone(),
        format!("{} ({})", s.token_path, s.token_path_reason.describe()),
        Kind::TokenFile,
        at.endpoint(),
    ));
    match stored_tokens::read(&s.stored_tokens_path, ctx.sys) {
        Ok(parsed) if !parsed.tokens.is_empty() => {
            for stored in parsed.tokens {
                let active = file_token.as_ref() == Some(&stored.token);
                let mut facts = Vec::new();
                if active {
                    facts.push("active".to_string());
                }
                if let Some(at) = stored.expires_at {
                    facts.push(format!("expires {}", crate::timefmt::utc(at)));
                }
                // Which Hub a stored token was logged in for is not recorded. Python sends
                // only the token it uses to HF_ENDPOINT; the others are taken to be the
                // default Hub's, and only checked when that is the endpoint.
                let scoped = active || s.endpoint == DEFAULT_ENDPOINT;
                let token = Some(stored.token).filter(|t| !t.expose().is_empty());
                let mut found = place(
                    format!("stored_tokens:{}", stored.name),
                    token,
                    facts.join(", "),
                    Kind::Stored { active },
                    at.endpoint().filter(|_| scoped),
                );
                if !scoped {
                    found.check.note = Some(format!("it may not be a token for {}", s.endpoint));
                }
                places.push(found);
            }
        }
        Ok(parsed) => places.push(empty(
            "stored_tokens",
            parsed
                .problem
                .unwrap_or_else(|| s.stored_tokens_path.clone()),
            Kind::Stored { active: false },
        )),
        Err(e) => places.push(empty(
            "stored_tokens",
            format!("{}: {e}", s.stored_tokens_path),
            Kind::Stored { active: false },
        )),
    }
}

fn netrc_places(ctx: &Ctx, at: &Scopes, places: &mut Vec<Place>) {
    let Some(path) = netrc::path(ctx.env) else {
        return;
    };
    let shown = path.display().to_string();
    let Ok(entries) = netrc::read(&path, ctx.sys) else {
        places.push(empty(
            "netrc",
            format!("{shown} (none)"),
            Kind::NetrcDefault,
        ));
        return;
    };
    let target_host = at.target.host();
    let target_has_machine = entries.iter().any(|e| {
        e.machine
            .as_ref()
            .is_some_and(|m| m.eq_ignore_ascii_case(target_host))
    });
    let before = places.len();
    for entry in entries {
        let netrc = |machine: Option<String>| Kind::Netrc {
            machine,
            path: path.clone(),
        };
        let found = match entry.machine {
            // Only the entry for the host git talks to is sent; others are stale copies.
            Some(machine) => {
                let Some(scope) = at.host(&machine) else {
                    continue;
                };
                let kind = match machine.eq_ignore_ascii_case(target_host) {
                    true => netrc(Some(machine.clone())),
                    false => Kind::CredentialFile(path.clone()),
                };
                place(
                    "netrc".into(),
                    entry.password,
                    format!("{shown}: machine {machine}"),
                    kind,
                    Some(scope),
                )
            }
            // curl sends `default` to every host that has no machine entry.
            None if target_has_machine => place(
                "netrc".into(),
                entry.password,
                format!(
                    "{shown}: default (not sent to {target_host}: its machine entry comes first)"
                ),
                Kind::NetrcDefault,
                None,
            ),
            None => place(
                "netrc".into(),
                entry.password,
                format!("{shown}: default (sent to every host without a machine entry)"),
                netrc(None),
                at.target(),
            ),
        };
        places.push(found);
    }
    if places.len() == before {
        places.push(empty(
            "netrc",
            format!("{shown}: no Hub entry"),
            Kind::NetrcDefault,
        ));
    }
}

/// The helper chain for the target, each other helper's answer, and which place git sends.
fn helper_places(
    at: &Scopes,
    python: &Result<Option<Resolved>, String>,
    opts: &Options,
    places: &mut Vec<Place>,
) -> (bool, Option<usize>) {
    let target = at.target;
    let no_helper = |detail: String| {
        empty(
            "git-helper",
            detail,
            Kind::Helper {
                ours: false,
                before_ours: false,
                name: String::new(),
                value: String::new(),
                file: String::new(),
            },
        )
    };
    let chain = match gitcreds::helper_chain(target, &opts.cwd) {
        Ok(c) => c,
        Err(e) => {
            places.push(no_helper(e.to_string()));
            return (false, None);
        }
    };
    let ours_at = chain.iter().position(|h| h.name() == "hf");
    let mut git = None;
    for (i, entry) in chain.iter().enumerate() {
        let ours = Some(i) == ours_at;
        let (answer, note) = if ours {
            let ours = python
                .as_ref()
                .ok()
                .and_then(|r| r.as_ref())
                .map(|r| r.token.clone());
            (ours, None)
        } else {
            match gitcreds::ask_helper(&entry.value, target, Duration::from_secs(3)) {
                Ok(a) => (a.map(|a| a.token), None),
                Err(e) => (None, Some(e)),
            }
        };
        let mut detail = describe_helper(entry, i);
        if let Some(n) = note {
            detail.push_str(&format!("; {n}"));
        }
        if git.is_none() && answer.is_some() {
            git = Some(places.len());
        }
        places.push(place(
            format!("git-helper:{}", entry.name()),
            answer,
            detail,
            Kind::Helper {
                ours,
                before_ours: ours_at.is_some_and(|o| i < o),
                name: entry.name(),
                value: entry.value.clone(),
                file: config_file(entry),
            },
            at.target(),
        ));
    }
    if chain.is_empty() {
        places.push(no_helper(format!("no credential helper for {target}")));
    }
    (ours_at.is_some(), git)
}

/// Where git read a helper: a file path, or `command line`.
fn config_file(entry: &HelperEntry) -> String {
    let origin = entry.origin.strip_prefix("file:").unwrap_or(&entry.origin);
    origin.trim_end_matches(':').to_string()
}

fn describe_helper(entry: &HelperEntry, index: usize) -> String {
    format!(
        "#{} `{}` ({}: {})",
        index + 1,
        entry.value,
        entry.scope,
        config_file(entry)
    )
}

fn credential_file_places(ctx: &Ctx, at: &Scopes, places: &mut Vec<Place>) {
    let home = ctx
        .env
        .get("HOME")
        .ok()
        .flatten()
        .map(PathBuf::from)
        .or_else(dirs::home_dir);
    let xdg = ctx
        .env
        .get("XDG_CONFIG_HOME")
        .ok()
        .flatten()
        .filter(|x| !x.is_empty())
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".config")));
    let files = [
        home.map(|h| h.join(".git-credentials")),
        xdg.map(|x| x.join("git/credentials")),
    ];
    for path in files.into_iter().flatten() {
        let text = ctx
            .sys
            .read(&path)
            .map(|b| String::from_utf8_lossy(&b).into_owned());
        let source = format!("git-credentials:{}", path.display());
        let mut found = false;
        for line in text.as_deref().unwrap_or("").lines() {
            let Some((origin, answer)) = gitcreds::url_credentials(line.trim()) else {
                continue;
            };
            // The store helper answers a line for its exact origin only.
            let Some(scope) = at.origin(&origin) else {
                continue;
            };
            found = true;
            let detail = format!(
                "{} (for {origin}, user {})",
                path.display(),
                answer.username
            );
            places.push(place(
                source.clone(),
                Some(answer.token),
                detail,
                Kind::CredentialFile(path.clone()),
                Some(scope),
            ));
        }
        if !found {
            let why = if text.is_ok() { "no Hub entry" } else { "none" };
            places.push(empty(
                &source,
                format!("{} ({why})", path.display()),
                Kind::CredentialFile(path.clone()),
            ));
        }
    }
}

/// Remote URLs of Hub repositories with a token inside. Credentials in the URLs of other
/// hosts (a CI checkout of a GitHub or GitLab repository) are none of the Hub's business.
fn remote_places(at: &Scopes, opts: &Options, places: &mut Vec<Place>) {
    let in_repo = is_repository(&opts.cwd);
    let mut found = false;
    for (remote, url) in gitcreds::remote_urls(&opts.cwd) {
        let Some((origin, answer)) = gitcreds::url_credentials(&url) else {
            continue;
        };
        let Some(scope) = at.origin(&origin) else {
            continue;
        };
        found = true;
        let redacted = gitcreds::redact_url(&url);
        let clean_url = strip_userinfo(&url);
        places.push(place(
            format!("remote-url:{remote}"),
            Some(answer.token),
            redacted,
            Kind::RemoteUrl { remote, clean_url },
            Some(scope),
        ));
    }
    if !found {
        let why = if in_repo {
            "no Hub remote URL holds a token"
        } else {
            "not in a repository"
        };
        places.push(empty(
            "remote-url",
            why,
            Kind::RemoteUrl {
                remote: String::new(),
                clean_url: String::new(),
            },
        ));
    }
}

fn strip_userinfo(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            let host = rest[..end]
                .rsplit_once('@')
                .map_or(&rest[..end], |(_, h)| h);
            format!("{scheme}://{host}{}", &rest[end..])
        }
        None => url.to_string(),
    }
}

fn is_repository(cwd: &Path) -> bool {
    std::process::Command::new("git")
        .args(["rev-parse", "--git-dir"])
        .current_dir(cwd)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The entries Git Credential Manager and wincred write for each Hub origin
/// (`git:https://huggingface.co`), each checked only against its own origin.
fn keychain_places(at: &Scopes, opts: &Options, places: &mut Vec<Place>) {
    let services: Vec<(String, Option<String>)> = at
        .allowed
        .origins()
        .map(|o| (format!("git:{o}"), at.origin(o)))
        .collect();
    let names: Vec<String> = services.iter().map(|(s, _)| s.clone()).collect();
    let no_entry = |detail: String| {
        empty(
            "keyring",
            detail,
            Kind::Keychain {
                service: String::new(),
                user: String::new(),
            },
        )
    };
    match keychain::lookup(opts.keychain.clone(), &names, Duration::from_secs(3)) {
        Lookup::Found(found) if !found.is_empty() => {
            for (service, user, token) in found {
                let scope = services
                    .iter()
                    .find(|(s, _)| *s == service)
                    .and_then(|(_, scope)| scope.clone());
                places.push(place(
                    format!("keyring:{service}"),
                    Some(token),
                    format!("user {user}"),
                    Kind::Keychain { service, user },
                    scope,
                ));
            }
        }
        Lookup::Found(_) => places.push(no_entry(format!("no entry for {}", names.join(", ")))),
        Lookup::NotAvailable(why) => places.push(no_entry(format!("not available ({why})"))),
    }
}

/// Checks each distinct token once per origin it is scoped to (through the same cache as
/// `get`); a credential without a scope is never sent anywhere.
fn check_all(ctx: &Ctx, inventory: &mut Inventory) {
    let mut seen: HashMap<(String, String), Check> = HashMap::new();
    for place in &mut inventory.places {
        let (Some(token), Some(api_base)) = (&place.token, &place.scope) else {
            continue;
        };
        let key = (api_base.clone(), token.fingerprint());
        let check = seen
            .entry(key)
            .or_insert_with(|| match verify::cached(ctx, api_base, token) {
                Verdict::Valid(info) => Check {
                    valid: Some(true),
                    info,
                    note: None,
                },
                Verdict::Invalid => Check {
                    valid: Some(false),
                    info: None,
                    note: None,
                },
                Verdict::Unknown(why) => Check {
                    valid: None,
                    info: None,
                    note: Some(why),
                },
                Verdict::Offline => Check {
                    valid: None,
                    info: None,
                    note: Some("HF_HUB_OFFLINE is set".into()),
                },
            });
        place.check = check.clone();
    }
}
