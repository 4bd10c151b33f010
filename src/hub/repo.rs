//! A Hub repository named on the command line: `org/name`, `datasets/org/name`, a Hub URL
//! (`https://huggingface.co/datasets/org/name.git`, `hf.co/org/name`), or `.` for the current
//! repository's Hub remote.

use crate::git::config::remote_urls;
use crate::git::origin::{Allowed, Origin};
use crate::git::url::Url;
use crate::io::git::Git;
use crate::redact::redact;
use crate::settings::Settings;
use std::fmt;
use std::path::Path;

pub use crate::cli::RepoType;

impl RepoType {
    /// The URL prefix of its pages (`datasets/`), empty for models.
    fn page_prefix(self) -> &'static str {
        match self {
            RepoType::Model => "",
            RepoType::Dataset => "datasets/",
            RepoType::Space => "spaces/",
        }
    }

    fn api_plural(self) -> &'static str {
        match self {
            RepoType::Model => "models",
            RepoType::Dataset => "datasets",
            RepoType::Space => "spaces",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            RepoType::Model => "model",
            RepoType::Dataset => "dataset",
            RepoType::Space => "space",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepoRef {
    pub kind: RepoType,
    /// `org/name` (or a legacy `name`).
    pub id: String,
}

impl RepoRef {
    /// `{models|datasets|spaces}/{id}`, as the API paths have it.
    pub fn api_path(&self) -> String {
        format!("{}/{}", self.kind.api_plural(), self.id)
    }

    /// The repository's page, where gated access is requested.
    pub fn page(&self, endpoint: &str) -> String {
        format!("{endpoint}/{}{}", self.kind.page_prefix(), self.id)
    }

    /// The namespace (`org` of `org/name`).
    pub fn namespace(&self) -> &str {
        self.id.split('/').next().unwrap_or(&self.id)
    }
}

impl fmt::Display for RepoRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.kind.page_prefix(), self.id)
    }
}

/// Parses REPO; `kind` is `--type`, which must agree with a type the name itself gives.
pub fn parse(
    arg: &str,
    kind: Option<RepoType>,
    settings: &Settings,
    git: &dyn Git,
    cwd: &Path,
) -> Result<RepoRef, String> {
    let path = if arg == "." {
        current_remote_path(settings, git, cwd)?
    } else if arg.contains("://") {
        url_path(arg, settings)?
    } else if let Some(rest) = ["huggingface.co/", "hf.co/"]
        .iter()
        .find_map(|h| arg.strip_prefix(h))
    {
        rest.to_string()
    } else {
        arg.to_string()
    };
    // The type the name itself gives must be --type's, if both say one.
    if let (Some(given), Some(named)) = (kind, from_path(&path, None).map(|r| r.kind))
        && from_path(&path, Some(given)).is_none()
    {
        return Err(format!(
            "`{arg}` names a {} but --type says {}: drop --type, or the `{}` prefix",
            named.name(),
            given.name(),
            named.page_prefix()
        ));
    }
    let repo = from_path(&path, kind).ok_or_else(|| {
        format!(
            "`{arg}` is not a Hub repository: give org/name, datasets/org/name, a Hub URL, or `.`"
        )
    })?;
    // A token pasted where the repository goes must not travel to the Hub in a URL path.
    let shown = redact(&repo.id);
    if shown != repo.id {
        return Err(format!(
            "`{shown}` looks like a token, not a repository: give the repository as org/name"
        ));
    }
    Ok(repo)
}

/// `[datasets/|spaces/|models/]org/name[.git][/]` into a RepoRef.
fn from_path(path: &str, kind: Option<RepoType>) -> Option<RepoRef> {
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let (named, id) = match path.split_once('/') {
        Some(("datasets", rest)) => (Some(RepoType::Dataset), rest),
        Some(("spaces", rest)) => (Some(RepoType::Space), rest),
        Some(("models", rest)) => (Some(RepoType::Model), rest),
        _ => (None, path),
    };
    let segments: Vec<&str> = id.split('/').collect();
    let valid = |s: &&str| {
        !s.is_empty()
            && !s.starts_with('.')
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    };
    if segments.len() > 2 || !segments.iter().all(valid) {
        return None;
    }
    let kind = match (named, kind) {
        (Some(a), Some(b)) if a != b => return None,
        (a, b) => a.or(b).unwrap_or(RepoType::Model),
    };
    Some(RepoRef {
        kind,
        id: id.to_string(),
    })
}

fn url_path(url: &str, settings: &Settings) -> Result<String, String> {
    let origin = Origin::from_url(url)
        .ok_or_else(|| format!("cannot read the URL `{url}`: give a Hub URL"))?;
    if Allowed::new(settings).api_base(&origin).is_none() {
        return Err(format!(
            "{origin} is not the Hugging Face Hub: give a huggingface.co URL"
        ));
    }
    Ok(Url::split(url).map_or("", |u| u.path()).to_string())
}

/// The path of the current repository's Hub remote (`origin` first).
fn current_remote_path(settings: &Settings, git: &dyn Git, cwd: &Path) -> Result<String, String> {
    let remotes = remote_urls(git, cwd);
    let allowed = Allowed::new(settings);
    let hub = |(name, url): &(String, String)| {
        let origin = Origin::from_url(url)?;
        allowed.api_base(&origin)?;
        Some((name.clone(), url.clone()))
    };
    let mut candidates: Vec<(String, String)> = remotes.iter().filter_map(hub).collect();
    candidates.sort_by_key(|(name, _)| name != "origin");
    let (_, url) = candidates.into_iter().next().ok_or(
        "the current folder is not a clone of a Hub repository: give the repository as org/name",
    )?;
    url_path(&url, settings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::Env;
    use crate::io::git::FakeGit;

    fn parse_ok(arg: &str, kind: Option<RepoType>) -> Result<(RepoType, String), String> {
        let settings = Settings::load(&Env::default(), &|_| None).unwrap();
        let git = FakeGit::default();
        parse(arg, kind, &settings, &git, Path::new("/nonexistent")).map(|r| (r.kind, r.id))
    }

    #[test]
    fn accepts_the_ways_users_name_repositories() {
        let m = |id: &str| Ok((RepoType::Model, id.to_string()));
        let d = |id: &str| Ok((RepoType::Dataset, id.to_string()));
        assert_eq!(parse_ok("org/name", None), m("org/name"));
        assert_eq!(parse_ok("gpt2", None), m("gpt2"));
        assert_eq!(parse_ok("datasets/org/name", None), d("org/name"));
        assert_eq!(
            parse_ok("https://huggingface.co/datasets/org/name", None),
            d("org/name")
        );
        assert_eq!(
            parse_ok("https://huggingface.co/org/name.git", None),
            m("org/name")
        );
        assert_eq!(
            parse_ok("https://git:x@hf.co/org/name/", None),
            m("org/name")
        );
        assert_eq!(
            parse_ok("hf.co/spaces/org/app", None),
            Ok((RepoType::Space, "org/app".into()))
        );
        assert_eq!(parse_ok("org/name", Some(RepoType::Dataset)), d("org/name"));
    }

    #[test]
    fn refuses_what_is_not_a_hub_repository() {
        for bad in [
            "",
            "a/b/c",
            "https://github.com/org/name",
            "org/../x",
            "datasets/org/name?x",
            "http://huggingface.co/org/m",
            "hf_not-a-real-token-wxyz",
            "org/hf_not-a-real-token-wxyz",
        ] {
            assert!(parse_ok(bad, None).is_err(), "{bad}");
        }
        assert_eq!(
            parse_ok("datasets/org/data", Some(RepoType::Space)).unwrap_err(),
            "`datasets/org/data` names a dataset but --type says space: drop --type, or the `datasets/` prefix"
        );
        assert!(
            parse_ok(".", None)
                .unwrap_err()
                .contains("not a clone of a Hub repository")
        );
    }

    #[test]
    fn pages_and_api_paths() {
        let r = RepoRef {
            kind: RepoType::Dataset,
            id: "org/name".into(),
        };
        assert_eq!(
            r.page("https://huggingface.co"),
            "https://huggingface.co/datasets/org/name"
        );
        assert_eq!(r.api_path(), "datasets/org/name");
        assert_eq!(r.namespace(), "org");
    }
}
