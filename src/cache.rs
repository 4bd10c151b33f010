//! The helper's own cache folder and the versioned JSON files in it (`{"version": 1,
//! "entries": {key: entry}}`): whoami verdicts here, so a warm `get` is a file read and a
//! print; OIDC tokens and OAuth refresh memory in their modules. Keys are SHA-256 hashes,
//! never a token. The folder is the helper's own, not the user's Hugging Face folder, which
//! belongs to huggingface_hub; a folder that is not the user's own is not used at all.

use crate::env::Env;
use crate::fsutil;
use crate::hub::WhoamiInfo;
use crate::secret::{Token, hex};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A valid verdict is trusted this long; an invalid one until the token changes.
pub const VALID_FOR: u64 = 24 * 3600;
/// Invalid verdicts of tokens nobody has presented for this long are dropped.
const FORGET_AFTER: u64 = 90 * 24 * 3600;
const MAX_ENTRIES: usize = 256;
const WHOAMI_FILE: &str = "whoami.json";
const VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub valid: bool,
    pub checked_at: u64,
    #[serde(default)]
    pub info: Option<WhoamiInfo>,
}

impl Entry {
    pub fn valid(info: Option<WhoamiInfo>) -> Entry {
        Entry {
            valid: true,
            checked_at: now(),
            info,
        }
    }

    pub fn invalid() -> Entry {
        Entry {
            valid: false,
            checked_at: now(),
            info: None,
        }
    }

    /// Still a usable verdict at `at`. One dated in the future (clock skew, a copied cache)
    /// is none at all: it would be trusted until the clock caught up, plus a day.
    fn fresh(&self, at: u64) -> bool {
        self.checked_at <= at && (!self.valid || at - self.checked_at < VALID_FOR)
    }
}

#[derive(Serialize, Deserialize)]
struct StoreFile<E> {
    version: u32,
    entries: BTreeMap<String, E>,
}

pub struct Cache {
    dir: PathBuf,
    /// Whether the folder may be used, checked at the first use.
    usable: OnceLock<bool>,
}

/// Held while one process asks whoami, so concurrent helpers wait for its verdict instead
/// of asking again. Released on drop.
pub struct Lock {
    _file: File,
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The cache key of a token as presented to one API base (or refreshed at one endpoint).
pub fn key(api_base: &str, token: &Token) -> String {
    let mut h = Sha256::new();
    h.update(api_base.as_bytes());
    h.update([0]);
    h.update(token.expose().as_bytes());
    hex(&h.finalize())
}

impl Cache {
    /// `$XDG_CACHE_HOME/git-credential-hf` (absolute values only, as the XDG spec says),
    /// else the platform's cache folder under HOME.
    pub fn locate(env: &Env) -> Option<Cache> {
        let xdg = env
            .get("XDG_CACHE_HOME")
            .ok()
            .flatten()
            .map(PathBuf::from)
            .filter(|p| p.is_absolute() && cfg!(not(target_os = "macos")));
        let base = match xdg {
            Some(p) => p,
            None => match env.get("HOME").ok().flatten().filter(|h| !h.is_empty()) {
                Some(home) if cfg!(target_os = "macos") => Path::new(home).join("Library/Caches"),
                Some(home) if cfg!(unix) => Path::new(home).join(".cache"),
                _ => dirs::cache_dir()?,
            },
        };
        Some(Cache::at(base.join("git-credential-hf")))
    }

    pub fn at(dir: PathBuf) -> Cache {
        Cache {
            dir,
            usable: OnceLock::new(),
        }
    }

    /// Where our file `name` is, for messages.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// A usable verdict for `key`, if any. A missing or corrupt file is just a miss.
    pub fn lookup(&self, key: &str) -> Option<Entry> {
        let entry = self.entries::<Entry>(WHOAMI_FILE).remove(key)?;
        entry.fresh(now()).then_some(entry)
    }

    /// Records a verdict, pruning what is stale and bounding the file's size.
    pub fn record(&self, key: &str, entry: Entry) -> io::Result<()> {
        let at = now();
        self.update(WHOAMI_FILE, |entries: &mut BTreeMap<String, Entry>| {
            entries.insert(key.to_string(), entry);
            entries.retain(|_, e| e.fresh(at) && at.saturating_sub(e.checked_at) < FORGET_AFTER);
            while entries.len() > MAX_ENTRIES {
                let oldest = entries
                    .iter()
                    .min_by_key(|(_, e)| e.checked_at)
                    .map(|(k, _)| k.clone())
                    .expect("non-empty");
                entries.remove(&oldest);
            }
        })
    }

    /// The entries of our file `name`. A missing, unreadable, corrupt or other-version file,
    /// or one that is not a regular file of ours, has none.
    pub fn entries<E: DeserializeOwned>(&self, name: &str) -> BTreeMap<String, E> {
        if !self.usable() {
            return BTreeMap::new();
        }
        fsutil::read_own(&self.dir.join(name))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<StoreFile<E>>(&bytes).ok())
            .filter(|f| f.version == VERSION)
            .map(|f| f.entries)
            .unwrap_or_default()
    }

    /// Reads our file `name`, lets `change` edit its entries, writes it back atomically
    /// (0600). Two processes updating at once may lose one change: a cache entry lost costs
    /// one more request.
    pub fn update<E: Serialize + DeserializeOwned>(
        &self,
        name: &str,
        change: impl FnOnce(&mut BTreeMap<String, E>),
    ) -> io::Result<()> {
        let dir = self.ready()?;
        let mut entries = self.entries(name);
        change(&mut entries);
        let file = StoreFile {
            version: VERSION,
            entries,
        };
        let json = serde_json::to_vec_pretty(&file).map_err(io::Error::other)?;
        fsutil::write_cache(&dir.join(name), &json)
    }

    /// Waits until `deadline` for the whoami lock; says whether another process held it.
    /// `Ok(None)` when it cannot be had in time, an error when the cache folder is unusable.
    pub fn lock(&self, deadline: Instant) -> io::Result<Option<(Lock, bool)>> {
        let dir = self.ready()?;
        let mut options = File::options();
        options.create(true).truncate(false).write(true);
        // Empty, but a file of ours all the same: private like the rest.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = fsutil::open_own(&dir.join("whoami.lock"), &mut options)?;
        let mut waited = false;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Some((Lock { _file: file }, waited))),
                Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    waited = true;
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
                Err(std::fs::TryLockError::Error(e)) => return Err(e),
            }
        }
    }

    /// Whether our folder may be used. Checked once; a refusal is said once, on stderr
    /// directly, because any command may touch the cache and not all of them print the
    /// warnings `Ctx` collects.
    fn usable(&self) -> bool {
        *self
            .usable
            .get_or_init(|| match fsutil::check_private_dir(&self.dir) {
                Ok(()) => true,
                Err(why) => {
                    eprintln!(
                        "git-credential-hf: warning: not using the cache folder {}: {why}",
                        self.dir.display()
                    );
                    false
                }
            })
    }

    /// The folder, made (0700) for a write.
    fn ready(&self) -> io::Result<&Path> {
        if !self.usable() {
            return Err(io::Error::other("the cache folder is not usable"));
        }
        fsutil::create_private_dir(&self.dir)?;
        // It may have been absent at the first check, and made by someone else since.
        fsutil::check_private_dir(&self.dir).map_err(io::Error::other)?;
        Ok(&self.dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_cache() -> (tempfile::TempDir, Cache) {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().join("c"));
        (dir, cache)
    }

    #[test]
    fn records_and_finds_verdicts_without_the_token() {
        let (_d, cache) = temp_cache();
        let token = Token::new("hf_secretsecretsecretsecret");
        let k = key("https://huggingface.co", &token);
        assert_eq!(cache.lookup(&k), None);
        cache.record(&k, Entry::valid(None)).unwrap();
        assert!(cache.lookup(&k).unwrap().valid);
        let text = std::fs::read_to_string(cache.path(WHOAMI_FILE)).unwrap();
        assert!(!text.contains(token.expose()));
        assert_ne!(k, key("http://127.0.0.1:1", &token));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(cache.path(WHOAMI_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn stale_valid_entries_expire_invalid_ones_stay() {
        let (_d, cache) = temp_cache();
        let old = now() - VALID_FOR - 1;
        let stale = Entry {
            valid: true,
            checked_at: old,
            info: None,
        };
        let bad = Entry {
            valid: false,
            checked_at: old,
            info: None,
        };
        cache.record("a", stale).unwrap();
        cache.record("b", bad.clone()).unwrap();
        assert_eq!(cache.lookup("a"), None);
        assert_eq!(cache.lookup("b"), Some(bad));
    }

    #[test]
    fn a_verdict_from_the_future_is_no_verdict() {
        let at = 1_800_000_000;
        let entry = |valid, checked_at| Entry {
            valid,
            checked_at,
            info: None,
        };
        assert!(entry(true, at).fresh(at));
        assert!(entry(true, at - VALID_FOR + 1).fresh(at));
        assert!(!entry(true, at - VALID_FOR).fresh(at));
        assert!(entry(false, at - 10 * VALID_FOR).fresh(at));
        for valid in [true, false] {
            assert!(!entry(valid, at + 1).fresh(at), "valid: {valid}");
            assert!(!entry(valid, u64::MAX).fresh(at), "valid: {valid}");
        }
        // And a recorded one is dropped at the next write.
        let (_d, cache) = temp_cache();
        cache.record("future", entry(true, now() + 3600)).unwrap();
        cache.record("now", Entry::valid(None)).unwrap();
        assert_eq!(cache.lookup("future"), None);
        let kept = cache.entries::<Entry>(WHOAMI_FILE);
        assert_eq!(kept.keys().collect::<Vec<_>>(), ["now"]);
    }

    #[test]
    fn corrupt_file_is_a_miss_and_is_rebuilt() {
        let (_d, cache) = temp_cache();
        std::fs::create_dir_all(cache.path(WHOAMI_FILE).parent().unwrap()).unwrap();
        std::fs::write(cache.path(WHOAMI_FILE), b"{not json").unwrap();
        assert_eq!(cache.lookup("a"), None);
        cache.record("a", Entry::invalid()).unwrap();
        assert!(!cache.lookup("a").unwrap().valid);
    }

    #[test]
    fn the_lock_is_exclusive_and_bounded() {
        let (_d, cache) = temp_cache();
        let within = |ms| Instant::now() + Duration::from_millis(ms);
        let (held, waited) = cache.lock(within(100)).unwrap().unwrap();
        assert!(!waited);
        let start = Instant::now();
        assert!(cache.lock(within(50)).unwrap().is_none());
        assert!(start.elapsed() >= Duration::from_millis(50));
        drop(held);
        assert!(cache.lock(within(50)).unwrap().is_some());
    }

    #[test]
    fn prunes_to_a_bounded_size() {
        let (_d, cache) = temp_cache();
        for i in 0..(MAX_ENTRIES + 5) {
            cache.record(&format!("k{i}"), Entry::valid(None)).unwrap();
        }
        assert_eq!(cache.entries::<Entry>(WHOAMI_FILE).len(), MAX_ENTRIES);
    }
}
