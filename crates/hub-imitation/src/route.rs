//! Which endpoint answers a request, and who may reach a repo's git and LFS endpoints.

use crate::access::{Access, Flavor, api_error, authorize};
use crate::git::http_backend;
use crate::http::{Outcome, Request, Response};
use crate::hub::{Shared, normalize_repo_id};
use crate::lfs::{lfs_batch, lfs_object_endpoint};
use crate::oauth;
use crate::whoami::{auth_check, whoami};

pub(crate) fn handle(shared: &Shared, req: &Request) -> Outcome {
    if let Some(outcome) = oauth::route(shared, req) {
        return outcome;
    }
    let path = req.path.as_str();
    if path == "/api/whoami-v2" || path == "/api/whoami-v2/" {
        return whoami(shared, req);
    }
    if let Some(oid) = path.strip_prefix("/lfs-objects/") {
        return Outcome::Reply(lfs_object_endpoint(shared, req, oid));
    }
    if let Some(rest) = path.strip_prefix("/api/") {
        if let Some(r) = auth_check(shared, req, rest) {
            return Outcome::Reply(r);
        }
        return Outcome::Reply(api_error(
            404,
            None,
            "Sorry, we can't find the page you are looking for.",
        ));
    }
    if let Some((repo_id, suffix)) = split_repo_path(path) {
        return Outcome::Reply(repo_endpoint(shared, req, &repo_id, suffix));
    }
    Outcome::Reply(Response::text(404, "Not Found"))
}

const REPO_SUFFIXES: &[&str] = &[
    "/info/refs",
    "/git-upload-pack",
    "/git-receive-pack",
    "/info/lfs/objects/batch",
    "/info/lfs/locks/verify",
    "/info/lfs/locks",
    "/HEAD",
];

fn split_repo_path(path: &str) -> Option<(String, &str)> {
    for suffix in REPO_SUFFIXES {
        if let Some(repo) = path.strip_suffix(suffix) {
            let id = normalize_repo_id(repo);
            if !id.is_empty() {
                return Some((id, suffix));
            }
        }
    }
    None
}

pub(crate) fn query_param<'a>(query: &'a str, key: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

fn repo_endpoint(shared: &Shared, req: &Request, repo_id: &str, suffix: &str) -> Response {
    match suffix {
        "/info/lfs/objects/batch" => lfs_batch(shared, req, repo_id),
        "/info/lfs/locks/verify" | "/info/lfs/locks" => {
            // The Hub has no locking API.
            Response::lfs_json(404, "{\"message\":\"Not Found\"}".to_string())
        }
        _ => {
            let access = match suffix {
                "/git-receive-pack" => Access::Write,
                "/info/refs" if query_param(&req.query, "service") == Some("git-receive-pack") => {
                    Access::Write
                }
                _ => Access::Read,
            };
            match authorize(shared, &req.auth, repo_id, access, Flavor::Git) {
                Ok(user) => {
                    if !shared
                        .repos
                        .join(format!("{repo_id}.git"))
                        .join("HEAD")
                        .exists()
                    {
                        return Response::text(404, "Repository not found");
                    }
                    http_backend(shared, req, repo_id, suffix, user.as_deref())
                }
                Err(r) => r,
            }
        }
    }
}
