//! Every place a Hub token can hide, side by side: the environment, huggingface_hub's files,
//! `.netrc`, git's helpers and credential files, remote URLs and the OS keychain. Each place is
//! listed even when empty, so the user sees it was checked. Values never leave as text: only
//! masked forms and fingerprints.

use crate::commands::Ctx;
use crate::gitcreds::{self, Answer, HelperEntry};
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
    Netrc,
    Helper {
        ours: bool,
        before_ours: bool,
        name: String,
        username: Option<String>,
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
    let mut places = Vec::new();
    env_places(ctx, &mut places);
    hf_file_places(ctx, &mut places);
    netrc_places(ctx, &target, &mut places);
    let (helper_configured, git_from_helpers) = helper_places(&target, &python, opts, &mut places);
    credential_file_places(ctx, &mut places);
    remote_places(opts, &mut places);
    keychain_places(opts, &mut places);

    // curl sends a matching .netrc entry before git asks any helper.
    let git = places
        .iter()
        .position(|p| p.kind == Kind::Netrc && p.token.is_some())
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

fn place(source: String, token: Option<Token>, detail: impl Into<String>, kind: Kind) -> Place {
    Place {
        source,
        token,
        detail: detail.into(),
        kind,
        check: Check::default(),
    }
}

fn env_places(ctx: &Ctx, places: &mut Vec<Place>) {
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
        ));
    }
    let resource = ctx
        .env
        .get("HF_OIDC_RESOURCE")
        .ok()
        .flatten()
        .filter(|v| !v.is_empty());
    places.push(place(
        "env:HF_OIDC_RESOURCE".into(),
        None,
        resource.map_or(String::new(), |r| {
            format!("set: {r} (token exchanged in CI)")
        }),
        Kind::OidcResource,
    ));
}

fn hf_file_places(ctx: &Ctx, places: &mut Vec<Place>) {
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
    ));
    match stored_tokens::read(&s.stored_tokens_path, ctx.sys) {
        Ok(parsed) if !parsed.tokens.is_empty() => {
            for stored in parsed.tokens {
                let active = file_token.as_ref() == Some(&stored.token);
                let mut detail = if active {
                    "active".to_string()
                } else {
                    String::new()
                };
                if let Some(at) = stored.expires_at {
                    let sep = if detail.is_empty() { "" } else { ", " };
                    detail.push_str(&format!("{sep}expires {}", crate::timefmt::utc(at)));
                }
                let token = Some(stored.token).filter(|t| !t.expose().is_empty());
                places.push(place(
                    format!("stored_tokens:{}", stored.name),
                    token,
                    detail,
                    Kind::Stored { active },
                ));
            }
        }
        Ok(parsed) => places.push(place(
            "stored_tokens".into(),
            None,
            parsed
                .problem
                .unwrap_or_else(|| s.stored_tokens_path.clone()),
            Kind::Stored { active: false },
        )),
        Err(e) => places.push(place(
            "stored_tokens".into(),
            None,
            format!("{}: {e}", s.stored_tokens_path),
            Kind::Stored { active: false },
        )),
    }
}

fn hub_hosts(ctx: &Ctx) -> Vec<String> {
    Allowed::new(&ctx.settings)
        .origins()
        .map(|o| o.host().to_string())
        .collect()
}

fn netrc_places(ctx: &Ctx, target: &Origin, places: &mut Vec<Place>) {
    let Some(path) = netrc::path(ctx.env) else {
        return;
    };
    let shown = path.display().to_string();
    let entries = match netrc::read(&path, ctx.sys) {
        Ok(e) => e,
        Err(_) => {
            places.push(place(
                "netrc".into(),
                None,
                format!("{shown} (none)"),
                Kind::Netrc,
            ));
            return;
        }
    };
    let hosts = hub_hosts(ctx);
    let mut found = false;
    for entry in entries {
        let Some(machine) = &entry.machine else {
            continue;
        };
        if !hosts.iter().any(|h| h.eq_ignore_ascii_case(machine)) {
            continue;
        }
        found = true;
        // Only the entry for the host git talks to is sent; others are stale copies.
        let detail = format!("{shown}: machine {machine}");
        let kind = if machine.eq_ignore_ascii_case(target.host()) {
            Kind::Netrc
        } else {
            Kind::CredentialFile(path.clone())
        };
        places.push(place("netrc".into(), entry.password, detail, kind));
    }
    if !found {
        places.push(place(
            "netrc".into(),
            None,
            format!("{shown}: no Hub entry"),
            Kind::Netrc,
        ));
    }
}

/// The helper chain for `target`, each other helper's answer, and which place git sends.
fn helper_places(
    target: &Origin,
    python: &Result<Option<Resolved>, String>,
    opts: &Options,
    places: &mut Vec<Place>,
) -> (bool, Option<usize>) {
    let chain = match gitcreds::helper_chain(target, &opts.cwd) {
        Ok(c) => c,
        Err(e) => {
            places.push(place(
                "git-helper".into(),
                None,
                e.to_string(),
                Kind::Helper {
                    ours: false,
                    before_ours: false,
                    name: String::new(),
                    username: None,
                },
            ));
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
                .map(|r| Answer {
                    username: "git".into(),
                    token: r.token.clone(),
                });
            (ours, None)
        } else {
            match gitcreds::ask_helper(&entry.value, target, Duration::from_secs(3)) {
                Ok(a) => (a, None),
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
            answer.as_ref().map(|a| a.token.clone()),
            detail,
            Kind::Helper {
                ours,
                before_ours: ours_at.is_some_and(|o| i < o),
                name: entry.name(),
                username: answer.map(|a| a.username),
            },
        ));
    }
    if chain.is_empty() {
        places.push(place(
            "git-helper".into(),
            None,
            format!("no credential helper for {target}"),
            Kind::Helper {
                ours: false,
                before_ours: false,
                name: String::new(),
                username: None,
            },
        ));
    }
    (ours_at.is_some(), git)
}

fn describe_helper(entry: &HelperEntry, index: usize) -> String {
    let origin = entry.origin.strip_prefix("file:").unwrap_or(&entry.origin);
    format!(
        "#{} `{}` ({}: {})",
        index + 1,
        entry.value,
        entry.scope,
        origin.trim_end_matches(':')
    )
}

fn credential_file_places(ctx: &Ctx, places: &mut Vec<Place>) {
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
    let hosts = hub_hosts(ctx);
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
            if !hosts.iter().any(|h| h == origin.host()) {
                continue;
            }
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
            ));
        }
        if !found {
            let why = if text.is_ok() { "no Hub entry" } else { "none" };
            places.push(place(
                source,
                None,
                format!("{} ({why})", path.display()),
                Kind::CredentialFile(path.clone()),
            ));
        }
    }
}

/// Remote URLs with a token inside.
fn remote_places(opts: &Options, places: &mut Vec<Place>) {
    let in_repo = is_repository(&opts.cwd);
    let mut found = false;
    for (remote, url) in gitcreds::remote_urls(&opts.cwd) {
        let Some((_origin, answer)) = gitcreds::url_credentials(&url) else {
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
        ));
    }
    if !found {
        let why = if in_repo {
            "no remote URL holds a token"
        } else {
            "not in a repository"
        };
        places.push(place(
            "remote-url".into(),
            None,
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

fn keychain_places(opts: &Options, places: &mut Vec<Place>) {
    match keychain::lookup(opts.keychain.clone(), Duration::from_secs(3)) {
        Lookup::Found(found) if !found.is_empty() => {
            for (service, user, token) in found {
                places.push(place(
                    format!("keyring:{service}"),
                    Some(token),
                    format!("user {user}"),
                    Kind::Keychain { service, user },
                ));
            }
        }
        Lookup::Found(_) => places.push(place(
            "keyring".into(),
            None,
            format!("no entry for {}", keychain::SERVICES.join(", ")),
            Kind::Keychain {
                service: String::new(),
                user: String::new(),
            },
        )),
        Lookup::NotAvailable(why) => places.push(place(
            "keyring".into(),
            None,
            format!("not available ({why})"),
            Kind::Keychain {
                service: String::new(),
                user: String::new(),
            },
        )),
    }
}

/// Checks each distinct token once (through the same cache as `get`).
fn check_all(ctx: &Ctx, inventory: &mut Inventory) {
    let api_base = Allowed::new(&ctx.settings)
        .api_base(&inventory.target)
        .unwrap_or(DEFAULT_ENDPOINT)
        .to_string();
    let mut seen: HashMap<String, Check> = HashMap::new();
    for place in &mut inventory.places {
        let Some(token) = &place.token else { continue };
        let check = seen.entry(token.fingerprint()).or_insert_with(|| {
            match verify::cached(ctx, &api_base, token) {
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
            }
        });
        place.check = check.clone();
    }
}
