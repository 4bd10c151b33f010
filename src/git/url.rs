//! URLs as git cuts them (`credential_from_url`): `scheme://[userinfo@]host[:port][/path]`, the
//! authority ending at the first `/`, `?` or `#`. The one place that splits a URL; the origin
//! allow-list, remote URLs, credential files and config patterns all go through it.

/// The parts of a URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Url<'a> {
    pub scheme: &'a str,
    /// What comes before the last `@` of the authority.
    pub userinfo: Option<&'a str>,
    /// `host[:port]`.
    pub hostport: &'a str,
    /// From the first `/`, `?` or `#` on (may be empty).
    pub rest: &'a str,
}

impl<'a> Url<'a> {
    pub fn split(url: &'a str) -> Option<Url<'a>> {
        let (scheme, after) = url.split_once("://")?;
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        let (authority, rest) = after.split_at(end);
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        Some(Url {
            scheme,
            userinfo,
            hostport,
            rest,
        })
    }

    /// The authority as written, userinfo included.
    pub fn authority(&self) -> String {
        match self.userinfo {
            Some(u) => format!("{u}@{}", self.hostport),
            None => self.hostport.to_string(),
        }
    }

    /// The path without query or fragment.
    pub fn path(&self) -> &'a str {
        self.rest.split(['?', '#']).next().unwrap_or("")
    }

    /// The URL without any userinfo, as a remote should be written.
    pub fn without_userinfo(&self) -> String {
        format!("{}://{}{}", self.scheme, self.hostport, self.rest)
    }

    /// The user and password of the userinfo, percent-decoded. A token pasted as the user
    /// name (`https://hf_x@hf.co`) is what git sends as the password.
    pub fn credentials(&self) -> Option<(String, String)> {
        let userinfo = self.userinfo?;
        let (user, password) = match userinfo.split_once(':') {
            Some((u, p)) => (percent_decode(u), percent_decode(p)),
            None if userinfo.starts_with("hf_") => (String::new(), percent_decode(userinfo)),
            None => return None,
        };
        (!password.is_empty()).then_some((user, password))
    }

    /// For display: any password replaced by `****`, a token-like user name too.
    pub fn redacted(&self) -> String {
        let Some(userinfo) = self.userinfo else {
            return format!("{}://{}{}", self.scheme, self.hostport, self.rest);
        };
        let user = userinfo.split(':').next().unwrap_or("");
        let user = if user.starts_with("hf_") {
            "****"
        } else {
            user
        };
        let shown = if userinfo.contains(':') {
            format!("{user}:****")
        } else {
            user.to_string()
        };
        format!("{}://{shown}@{}{}", self.scheme, self.hostport, self.rest)
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).and_then(|b| hex(*b)),
            bytes.get(i + 2).and_then(|b| hex(*b)),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_git() {
        let u = Url::split("https://a:b@HF.co:443/org/m?x#y").unwrap();
        assert_eq!(
            (u.scheme, u.userinfo, u.hostport, u.rest),
            ("https", Some("a:b"), "HF.co:443", "/org/m?x#y")
        );
        assert_eq!(u.path(), "/org/m");
        assert_eq!(u.without_userinfo(), "https://HF.co:443/org/m?x#y");
        assert_eq!(Url::split("https://a@b@h/").unwrap().userinfo, Some("a@b"));
        assert_eq!(Url::split("https://evil?@hf.co").unwrap().hostport, "evil");
        assert_eq!(Url::split("hf.co/org"), None);
    }

    #[test]
    fn credentials_are_found_decoded_and_redacted() {
        let u = Url::split("https://user:hf_a%2Fb@huggingface.co/org/m").unwrap();
        assert_eq!(u.credentials(), Some(("user".into(), "hf_a/b".into())));
        assert_eq!(u.redacted(), "https://user:****@huggingface.co/org/m");
        let t = Url::split("https://hf_tok@hf.co/x").unwrap();
        assert_eq!(t.credentials(), Some((String::new(), "hf_tok".into())));
        assert_eq!(t.redacted(), "https://****@hf.co/x");
        assert_eq!(
            Url::split("https://alice@hf.co/x").unwrap().credentials(),
            None
        );
        assert_eq!(Url::split("https://hf.co/x").unwrap().credentials(), None);
        assert_eq!(
            Url::split("https://hf.co/m").unwrap().redacted(),
            "https://hf.co/m"
        );
    }
}
