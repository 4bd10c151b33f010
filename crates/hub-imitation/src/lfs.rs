//! Git LFS: the batch API, the unauthenticated "presigned" object URLs, and the pointers and
//! gitattributes patterns a seeded repo uses.

use serde_json::Value;

use crate::access::{Access, Flavor, authorize};
use crate::http::{Request, Response};
use crate::hub::Shared;
use crate::{js, sha256_hex};

pub(crate) fn lfs_pointer(oid: &str, size: usize) -> String {
    format!("version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {size}\n")
}

/// gitattributes-style: a pattern without `/` matches the basename; with `/` the whole path
/// (`*` does not cross `/`, `**` does).
pub(crate) fn lfs_pattern_matches(pattern: &str, path: &str) -> bool {
    if pattern.contains('/') {
        glob(
            pattern.trim_start_matches('/').as_bytes(),
            path.trim_start_matches('/').as_bytes(),
            true,
        )
    } else {
        let base = path.rsplit('/').next().unwrap_or(path);
        glob(pattern.as_bytes(), base.as_bytes(), false)
    }
}

fn glob(p: &[u8], s: &[u8], slash_special: bool) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some(b'*') => {
            if p.get(1) == Some(&b'*') {
                let rest = &p[2..];
                let rest = rest.strip_prefix(b"/").unwrap_or(rest);
                (0..=s.len()).any(|i| glob(rest, &s[i..], slash_special))
            } else {
                let rest = &p[1..];
                for i in 0..=s.len() {
                    if glob(rest, &s[i..], slash_special) {
                        return true;
                    }
                    if i < s.len() && slash_special && s[i] == b'/' {
                        return false;
                    }
                }
                false
            }
        }
        Some(b'?') => {
            !s.is_empty()
                && (!slash_special || s[0] != b'/')
                && glob(&p[1..], &s[1..], slash_special)
        }
        Some(c) => s.first() == Some(c) && glob(&p[1..], &s[1..], slash_special),
    }
}

pub(crate) fn lfs_batch(shared: &Shared, req: &Request, repo_id: &str) -> Response {
    if req.method != "POST" {
        return Response::lfs_json(405, "{\"message\":\"Method Not Allowed\"}".to_string());
    }
    let parsed = serde_json::from_slice::<Value>(&req.body).ok();
    let Some(Value::Object(top)) = parsed else {
        return Response::lfs_json(422, "{\"message\":\"Invalid batch request\"}".to_string());
    };
    let operation = top
        .get("operation")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let access = match operation {
        "upload" => Access::Write,
        "download" => Access::Read,
        _ => {
            return Response::lfs_json(422, "{\"message\":\"Invalid operation\"}".to_string());
        }
    };
    if let Err(r) = authorize(shared, &req.auth, repo_id, access, Flavor::Lfs) {
        return r;
    }
    let objects = match top.get("objects") {
        Some(Value::Array(a)) => a.as_slice(),
        _ => &[],
    };
    let st = shared.lock();
    let base = &shared.base_url;
    let mut out = Vec::new();
    for o in objects {
        let Value::Object(fields) = o else { continue };
        let oid = fields
            .get("oid")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let size = fields.get("size").and_then(Value::as_u64).unwrap_or(0);
        let head = format!("{{\"oid\":{},\"size\":{size}", js(&oid));
        let stored = st.lfs.get(&oid);
        let entry = match (access, stored) {
            (Access::Read, Some(data)) => format!(
                "{{\"oid\":{},\"size\":{},\"authenticated\":true,\"actions\":{{\"download\":{{\"href\":{},\"expires_in\":3600}}}}}}",
                js(&oid),
                data.len(),
                js(&format!("{base}/lfs-objects/{oid}"))
            ),
            (Access::Read, None) => {
                format!("{head},\"error\":{{\"code\":404,\"message\":\"Object does not exist\"}}}}")
            }
            (Access::Write, Some(_)) => format!("{head}}}"),
            (Access::Write, None) => format!(
                "{head},\"authenticated\":true,\"actions\":{{\"upload\":{{\"href\":{},\"expires_in\":3600}}}}}}",
                js(&format!("{base}/lfs-objects/{oid}"))
            ),
        };
        out.push(entry);
    }
    Response::lfs_json(
        200,
        format!(
            "{{\"transfer\":\"basic\",\"objects\":[{}],\"hash_algo\":\"sha256\"}}",
            out.join(",")
        ),
    )
}

/// Unauthenticated "presigned" object URLs.
pub(crate) fn lfs_object_endpoint(shared: &Shared, req: &Request, oid: &str) -> Response {
    match req.method.as_str() {
        "GET" | "HEAD" => match shared.lock().lfs.get(oid) {
            Some(data) => Response::new(200).body("application/octet-stream", data.clone()),
            None => Response::text(404, "Object not found"),
        },
        "PUT" => {
            let actual = sha256_hex(&req.body);
            if actual != oid {
                return Response::text(
                    400,
                    &format!("sha256 mismatch: expected {oid}, got {actual}"),
                );
            }
            shared.lock().lfs.insert(oid.to_string(), req.body.clone());
            Response::new(200)
        }
        _ => Response::text(405, "Method Not Allowed"),
    }
}
