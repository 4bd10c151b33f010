//! Everything `status` knows: what every place holds, what huggingface_hub uses, what git
//! sends, and what the Hub says of each credential (asked only at the origin it is for).

use crate::diagnose::report;
use crate::git::config::{git_takes_bearer, tool_version};
use crate::git::origin::Origin;
use crate::hf::resolve::Note;
use crate::hub::verdict::{Checker, Verdict};
use crate::places::{self, Finding, Found, Kind, Look, Scope};
use crate::token::{Resolved, Token};
use std::collections::HashMap;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// A finding and the Hub's word on it (`None`: not asked).
#[derive(Clone, Debug)]
pub struct Entry {
    pub finding: Finding,
    pub verdict: Option<Verdict>,
}

impl Entry {
    pub fn token(&self) -> Option<&Token> {
        self.finding.token()
    }

    /// `Some(true/false)` when the Hub said so.
    pub fn valid(&self) -> Option<bool> {
        self.verdict.as_ref().and_then(Verdict::valid)
    }
}

pub struct Inventory {
    pub entries: Vec<Entry>,
    /// The origin git was asked about (HF_ENDPOINT's, or https://huggingface.co).
    pub target: Origin,
    /// What huggingface_hub's `get_token()` returns, or why it fails.
    pub python: Result<Option<Resolved>, String>,
    /// What resolving it did or did not do (a refresh and how it went).
    pub notes: Vec<Note>,
    /// Index in `entries` of what git would send for `target`.
    pub git: Option<usize>,
    pub helper_configured: bool,
    /// git-xet, when configured: where, and what it would send for uploads.
    pub xet: Option<Xet>,
    /// Installed git and git-lfs versions (major, minor), when they run.
    /// Whether the installed git takes a Bearer credential (it says so itself), and which
    /// git-lfs is installed (git-lfs has no way to say what it takes: >= 3.6 offers Bearer).
    pub git_bearer: bool,
    pub lfs_version: Option<(u32, u32)>,
}

/// git-xet takes its token in its own order: a token in the remote URL, then HF_TOKEN (not
/// the legacy variable, not the token file), then `.netrc` by host, then `git credential fill`.
pub struct Xet {
    /// The config file `lfs.customtransfer.xet.*` is in.
    pub file: String,
    /// Index in `entries` of what it sends.
    pub sends: Option<usize>,
}

impl Xet {
    fn of(file: String, findings: &[Finding]) -> Xet {
        let present = |f: &Finding| matches!(f.found, Found::Present { .. });
        let first = |wanted: &dyn Fn(&Kind) -> bool| {
            findings.iter().position(|f| present(f) && wanted(&f.kind))
        };
        let sends = first(&|k| matches!(k, Kind::RemoteUrl { .. }))
            .or_else(|| first(&|k| *k == Kind::Env("HF_TOKEN")))
            .or_else(|| {
                first(&|k| {
                    matches!(
                        k,
                        Kind::Netrc {
                            machine: Some(_),
                            ..
                        }
                    )
                })
            })
            .or_else(|| first(&|k| matches!(k, Kind::Helper { .. })));
        Xet { file, sends }
    }
}

impl Inventory {
    pub fn python_token(&self) -> Option<&Token> {
        self.python.as_ref().ok()?.as_ref().map(|r| &r.token)
    }

    /// The entry huggingface_hub takes its token from.
    pub fn python_entry(&self) -> Option<&Entry> {
        let resolved = self.python.as_ref().ok()?.as_ref()?;
        let id = resolved.source.id();
        self.entries.iter().find(|e| e.finding.source == id)
    }

    pub fn tokens(&self) -> Vec<&Token> {
        self.entries.iter().filter_map(Entry::token).collect()
    }
}

/// Told when the Hub's answers take a while, so a person at a terminal knows what is going on.
pub trait Progress {
    /// `pending` checks, with these Hubs (`host[:port]`), are still running after `PATIENCE`.
    fn waiting(&mut self, pending: usize, hubs: &[String]);
    /// The checks ended (said only after `waiting`).
    fn done(&mut self);
}

/// How long checks may take before `Progress` hears of them.
pub const PATIENCE: Duration = Duration::from_millis(300);

/// No progress shown (`--json`, a pipe, unit tests).
pub struct Quiet;

impl Progress for Quiet {
    fn waiting(&mut self, _: usize, _: &[String]) {}
    fn done(&mut self) {}
}

/// Looks in every place; asks the Hub about each distinct (origin, token) once when a checker
/// is given (`status` without `--offline`).
pub fn collect(
    look: &Look,
    python: Result<Option<Resolved>, String>,
    notes: Vec<Note>,
    checker: Option<&Checker>,
    progress: &mut dyn Progress,
) -> Inventory {
    let findings: Vec<Finding> = places::all().iter().flat_map(|p| p.find(look)).collect();
    let helper_configured = findings
        .iter()
        .any(|f| matches!(f.kind, Kind::Helper { ours: true, .. }));
    // curl sends a matching .netrc entry before git asks any helper; then the first helper
    // that answers wins.
    let present = |f: &Finding| matches!(f.found, Found::Present { .. });
    let git = findings
        .iter()
        .position(|f| matches!(f.kind, Kind::Netrc { .. }) && present(f))
        .or_else(|| {
            findings
                .iter()
                .position(|f| matches!(f.kind, Kind::Helper { .. }) && present(f))
        });
    let xet = crate::git::config::xet_config(look.git, look.cwd).map(|f| Xet::of(f, &findings));
    let verdicts = match checker {
        Some(checker) => check_all(checker, &findings, progress),
        None => vec![None; findings.len()],
    };
    Inventory {
        entries: findings
            .into_iter()
            .zip(verdicts)
            .map(|(finding, verdict)| Entry { finding, verdict })
            .collect(),
        target: look.target.clone(),
        python,
        notes,
        git,
        helper_configured,
        xet,
        git_bearer: git_takes_bearer(look.git),
        lfs_version: tool_version(look.git, &["lfs", "version"]),
    }
}

/// Each distinct token once per origin it is scoped to, all at once under the checker's one
/// deadline; a credential without a Hub scope is never sent anywhere. Checks still running
/// after `PATIENCE` are told to `progress`.
fn check_all(
    checker: &Checker,
    findings: &[Finding],
    progress: &mut dyn Progress,
) -> Vec<Option<Verdict>> {
    let mut asks: Vec<(&str, &Token)> = Vec::new();
    for f in findings {
        if let Found::Present {
            token,
            scope: Scope::Hub(api),
        } = &f.found
            && !asks.iter().any(|(a, t)| a == api && *t == token)
        {
            asks.push((api, token));
        }
    }
    let mut answers: Vec<Option<Verdict>> = vec![None; asks.len()];
    std::thread::scope(|s| {
        let (tx, rx) = mpsc::channel();
        for (i, (api, token)) in asks.iter().enumerate() {
            let tx = tx.clone();
            s.spawn(move || {
                // The receiver outlives every sender: nothing to do if it is gone.
                let _ = tx.send((i, checker.unshared(api, token)));
            });
        }
        // Each thread holds a sender: the channel ends when the last one ends, panicked or not.
        drop(tx);
        let patience = Instant::now() + PATIENCE;
        let mut told = false;
        loop {
            let next = match told {
                true => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                false => rx.recv_timeout(patience.saturating_duration_since(Instant::now())),
            };
            match next {
                Ok((i, verdict)) => answers[i] = Some(verdict),
                Err(RecvTimeoutError::Timeout) => {
                    told = true;
                    let pending: Vec<&str> = asks
                        .iter()
                        .zip(&answers)
                        .filter(|(_, a)| a.is_none())
                        .map(|((api, _), _)| *api)
                        .collect();
                    let mut hubs: Vec<String> = Vec::new();
                    for api in &pending {
                        let hub = report::hub(api);
                        if !hubs.contains(&hub) {
                            hubs.push(hub);
                        }
                    }
                    progress.waiting(pending.len(), &hubs);
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        if told {
            progress.done();
        }
    });
    let answers: HashMap<(&str, String), Verdict> = asks
        .iter()
        .zip(answers)
        .map(|((api, token), verdict)| {
            let verdict = verdict.unwrap_or_else(|| Verdict::Unknown("the check failed".into()));
            ((*api, token.fingerprint()), verdict)
        })
        .collect();
    findings
        .iter()
        .map(|f| match &f.found {
            Found::Present {
                token,
                scope: Scope::Hub(api),
            } => answers.get(&(api.as_str(), token.fingerprint())).cloned(),
            _ => None,
        })
        .collect()
}

/// The Hubs that did not answer these checks, each once, with why (in the order first met).
pub fn unreachable(inv: &Inventory) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for e in &inv.entries {
        let (Some(Verdict::Unknown(why)), Some(Scope::Hub(api))) = (&e.verdict, e.finding.scope())
        else {
            continue;
        };
        if let Some(reason) = why.unreachable()
            && !out.iter().any(|(a, _)| a == api)
        {
            out.push((api.clone(), reason.to_string()));
        }
    }
    out
}
