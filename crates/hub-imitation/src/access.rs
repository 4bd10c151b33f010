//! The Hub's access rules: who may read or write a repo, and the error answers of each
//! flavour (git, LFS, API) when not.

use serde_json::Value;

use crate::http::Response;
use crate::hub::{Shared, State};
use crate::js;
use crate::types::{Auth, TokenInfo};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    Read,
    Write,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    Git,
    Lfs,
    Api,
}

/// Resolve the request's credentials. `Ok(None)`: anonymous; `Err(())`: invalid credentials.
fn resolve_token(st: &State, auth: &Auth) -> Result<Option<TokenInfo>, ()> {
    match auth {
        Auth::None => Ok(None),
        Auth::Basic { password, .. } => match st.tokens.get(password.as_str()) {
            Some(t) if t.auth_type == "oauth" && st.oauth_requires_bearer => Err(()),
            Some(t) => Ok(Some(t.clone())),
            None => Err(()),
        },
        Auth::Bearer(tok) => st.tokens.get(tok.as_str()).cloned().map(Some).ok_or(()),
        Auth::Other(_) => Err(()),
    }
}

fn error_response(flavor: Flavor, status: u16, code: Option<&str>, msg: &str) -> Response {
    let mut r = match flavor {
        Flavor::Git => Response::text(status, msg),
        Flavor::Lfs => Response::lfs_json(
            status,
            format!(
                "{{\"message\":{},\"documentation_url\":\"https://huggingface.co/docs/hub\"}}",
                js(msg)
            ),
        ),
        Flavor::Api => return api_error(status, code, msg),
    };
    if status == 401 {
        r = r.header(
            "WWW-Authenticate",
            "Basic realm=\"Authentication required\"",
        );
    }
    if let Some(c) = code {
        r = r.header("X-Error-Code", c);
    }
    r.header("X-Error-Message", msg)
}

pub(crate) fn api_error(status: u16, code: Option<&str>, msg: &str) -> Response {
    let mut r = Response::json(status, format!("{{\"error\":{}}}", js(msg)));
    if let Some(c) = code {
        r = r.header("X-Error-Code", c);
    }
    r.header("X-Error-Message", msg)
}

/// The Hub's access rules. Returns the user on success.
pub(crate) fn authorize(
    shared: &Shared,
    auth: &Auth,
    repo_id: &str,
    access: Access,
    flavor: Flavor,
) -> Result<Option<String>, Response> {
    let st = shared.lock();
    let token = match resolve_token(&st, auth) {
        Ok(t) => t,
        Err(()) => {
            let msg = if flavor == Flavor::Api {
                "Invalid credentials in Authorization header"
            } else {
                "Invalid username or password."
            };
            return Err(error_response(flavor, 401, None, msg));
        }
    };
    let Some(repo) = st.repos.get(repo_id).cloned() else {
        return Err(if token.is_none() {
            error_response(
                flavor,
                401,
                Some("RepoNotFound"),
                "Invalid username or password.",
            )
        } else {
            error_response(flavor, 404, Some("RepoNotFound"), "Repository not found")
        });
    };
    let Some(token) = token else {
        if access == Access::Read && repo.public && !repo.gated {
            return Ok(None);
        }
        let (code, msg) = if repo.gated {
            (
                Some("GatedRepo"),
                format!(
                    "Access to repo {repo_id} is restricted. You must have access to it and be authenticated to access it. Please log in."
                ),
            )
        } else {
            (None, "Invalid username or password.".to_string())
        };
        return Err(error_response(flavor, 401, code, &msg));
    };
    let namespace = repo_namespace(repo_id);
    if repo.members_only && token.user != namespace && !token.orgs.iter().any(|o| o == namespace) {
        return Err(error_response(
            flavor,
            404,
            Some("RepoNotFound"),
            "Repository not found",
        ));
    }
    if let Some(fg) = token
        .fine_grained
        .as_deref()
        .filter(|_| token.role == "fineGrained")
    {
        let needed = match access {
            Access::Read => "repo.content.read",
            Access::Write => "repo.write",
        };
        if !fine_grained_allows(fg, namespace, needed) {
            return Err(error_response(
                flavor,
                403,
                None,
                &format!(
                    "This fine-grained token does not have the {needed} permission on {namespace}."
                ),
            ));
        }
    }
    match access {
        Access::Write => {
            if !token.can_write() {
                return Err(error_response(
                    flavor,
                    403,
                    None,
                    "You are not authorized to push to this repo.",
                ));
            }
        }
        Access::Read => {
            if repo.gated && !token.granted_gated.iter().any(|g| g == repo_id) {
                return Err(error_response(
                    flavor,
                    403,
                    Some("GatedRepo"),
                    &format!(
                        "Access to repo {repo_id} is restricted and you are not in the authorized list. Visit https://huggingface.co/{repo_id} to ask for access."
                    ),
                ));
            }
        }
    }
    Ok(Some(token.user))
}

/// `org` of `org/name`, `datasets/org/name`, `spaces/org/name`.
fn repo_namespace(repo_id: &str) -> &str {
    let id = repo_id
        .strip_prefix("datasets/")
        .or_else(|| repo_id.strip_prefix("spaces/"))
        .unwrap_or(repo_id);
    id.split('/').next().unwrap_or(id)
}

/// Does a fineGrained JSON grant `perm` globally or for the entity named `namespace`?
fn fine_grained_allows(fg: &str, namespace: &str, perm: &str) -> bool {
    let Ok(json) = serde_json::from_str::<Value>(fg) else {
        return false;
    };
    let has = |perms: Option<&Value>| match perms {
        Some(Value::Array(items)) => items.iter().any(|p| p.as_str() == Some(perm)),
        _ => false,
    };
    if has(json.get("global")) {
        return true;
    }
    match json.get("scoped") {
        Some(Value::Array(scopes)) => scopes.iter().any(|s| {
            s.get("entity")
                .and_then(|e| e.get("name"))
                .and_then(Value::as_str)
                == Some(namespace)
                && has(s.get("permissions"))
        }),
        _ => false,
    }
}
