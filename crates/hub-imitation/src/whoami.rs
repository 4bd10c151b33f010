//! `GET /api/whoami-v2` (with its failure modes) and the auth-check endpoints.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use crate::access::{Access, Flavor, api_error, authorize};
use crate::http::{Outcome, Request, Response, reason};
use crate::hub::{Shared, State, normalize_repo_id};
use crate::js;
use crate::types::{Auth, TokenInfo, WhoamiMode};

pub(crate) fn whoami(shared: &Shared, req: &Request) -> Outcome {
    let mut st = shared.lock();
    st.whoami_calls += 1;
    loop {
        if shared.is_shutdown() {
            return Outcome::Close;
        }
        match st.whoami_mode.clone() {
            WhoamiMode::Normal => return Outcome::Reply(whoami_normal(&st, req, false)),
            WhoamiMode::Trickle => {
                return Outcome::Reply(whoami_normal(&st, req, false).trickled(true));
            }
            WhoamiMode::Huge => return Outcome::Reply(whoami_normal(&st, req, true)),
            WhoamiMode::Status(401) => {
                return Outcome::Reply(api_error(
                    401,
                    None,
                    "Invalid credentials in Authorization header",
                ));
            }
            WhoamiMode::Status(code) => {
                let msg = match code {
                    500 => "Internal Error - We're working hard to fix this as soon as possible!",
                    _ => reason(code),
                };
                return Outcome::Reply(api_error(code, None, msg));
            }
            WhoamiMode::RateLimited { retry_after_secs } => {
                return Outcome::Reply(
                    api_error(
                        429,
                        None,
                        "You have exceeded our hourly quotas for action 'whoami-v2'. We invite you to retry later.",
                    )
                    .header("Retry-After", &retry_after_secs.to_string()),
                );
            }
            WhoamiMode::Garbage => {
                return Outcome::Reply(Response::json(
                    200,
                    "<html><body>502 Bad Gateway (not JSON)</body></html>".to_string(),
                ));
            }
            WhoamiMode::RedirectTo(url) => {
                return Outcome::Reply(Response::new(302).header("Location", &url));
            }
            WhoamiMode::Reset => return Outcome::Close,
            WhoamiMode::Slow(d) => {
                let deadline = Instant::now() + d;
                loop {
                    let now = Instant::now();
                    if now >= deadline || shared.is_shutdown() {
                        break;
                    }
                    st = shared
                        .cond
                        .wait_timeout(st, deadline - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
                if shared.is_shutdown() {
                    return Outcome::Close;
                }
                // Answer normally even if the mode changed while sleeping.
                return Outcome::Reply(whoami_normal(&st, req, false));
            }
            WhoamiMode::Hang => {
                st = shared
                    .cond
                    .wait_timeout(st, Duration::from_millis(200))
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
        }
    }
}

fn whoami_normal(st: &State, req: &Request, huge: bool) -> Response {
    let token = match &req.auth {
        Auth::Bearer(t) => st.tokens.get(t.as_str()),
        _ => None,
    };
    let Some(t) = token else {
        return api_error(401, None, "Invalid credentials in Authorization header");
    };
    let mut body = whoami_json(t);
    if huge {
        let pad = "a".repeat(20 * 1024 * 1024);
        body = format!("{{\"padding\":\"{pad}\",{}", &body[1..]);
    }
    Response::json(200, body)
}

fn fake_id(seed: &str) -> String {
    // 24 hex chars, deterministic (FNV-1a based).
    let mut h: u64 = 0xcbf29ce484222325;
    let mut out = String::new();
    for round in 0..2u8 {
        for b in seed.bytes().chain([round]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100000001b3);
        }
        let _ = write!(out, "{h:016x}");
    }
    out.truncate(24);
    out
}

/// The whoami-v2 JSON for a token, shaped like the Hub's.
pub fn whoami_json(t: &TokenInfo) -> String {
    let orgs: Vec<String> = t
        .orgs
        .iter()
        .map(|o| {
            format!(
                "{{\"type\":\"org\",\"id\":{},\"name\":{},\"fullname\":{},\"email\":null,\"canPay\":false,\"periodEnd\":null,\"avatarUrl\":\"/avatars/org.svg\",\"roleInOrg\":\"write\"}}",
                js(&fake_id(o)),
                js(o),
                js(o)
            )
        })
        .collect();
    let auth = if t.auth_type == "oauth" {
        "{\"type\":\"oauth\",\"expiresAt\":\"2026-12-20T12:00:00.000Z\"}".to_string()
    } else {
        let fg = t
            .fine_grained
            .as_deref()
            .map(|f| format!(",\"fineGrained\":{f}"))
            .unwrap_or_default();
        format!(
            "{{\"type\":{},\"accessToken\":{{\"displayName\":{},\"role\":{},\"createdAt\":\"2026-03-01T10:00:00.000Z\"{fg}}}}}",
            js(&t.auth_type),
            js(&t.display_name),
            js(&t.role)
        )
    };
    format!(
        "{{\"type\":\"user\",\"id\":{},\"name\":{},\"fullname\":{},\"email\":null,\"emailVerified\":false,\"canPay\":false,\"isPro\":false,\"periodEnd\":null,\"avatarUrl\":\"/avatars/user.svg\",\"orgs\":[{}],\"auth\":{}}}",
        js(&fake_id(&t.user)),
        js(&t.user),
        js(&t.user),
        orgs.join(","),
        auth
    )
}

/// `GET /api/{models|datasets|spaces}/<repo_id>/auth-check[/write]` (Bearer token).
pub(crate) fn auth_check(shared: &Shared, req: &Request, rest: &str) -> Option<Response> {
    let (rest, access) = if let Some(r) = rest.strip_suffix("/auth-check/write") {
        (r, Access::Write)
    } else if let Some(r) = rest.strip_suffix("/auth-check") {
        (r, Access::Read)
    } else {
        return None;
    };
    let (kind, id) = rest.split_once('/')?;
    let repo_id = match kind {
        "models" => normalize_repo_id(id),
        "datasets" | "spaces" => format!("{kind}/{}", normalize_repo_id(id)),
        _ => return None,
    };
    let answer = match authorize(shared, &req.auth, &repo_id, access, Flavor::Api) {
        Ok(_) => Response::json(200, "{}".to_string()),
        Err(r) => r,
    };
    Some(answer.trickled(shared.lock().auth_check_trickle))
}
