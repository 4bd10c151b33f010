//! The helper's own cache folder and the versioned JSON files in it (`{"version": 1,
//! "entries": {key: entry}}`): whoami verdicts (so a warm `get` is a file read and a print),
//! OIDC tokens and OAuth refresh memory. Keys are SHA-256 hashes, never a token. The folder
//! is the helper's own, not the user's Hugging Face folder, which belongs to huggingface_hub;
//! a folder that is not the user's own is not used at all.

use crate::env::{Env, HOME, XDG_CACHE_HOME};
use crate::io::fs::{Fs, Lock};
use crate::token::{Token, hex};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct StoreFile<E> {
    version: u32,
    entries: BTreeMap<String, E>,
}

pub struct Store<'a> {
    fs: &'a dyn Fs,
    dir: PathBuf,
    /// Why the folder may not be used, found at the first use (`None`: usable).
    refused: OnceLock<Option<String>>,
    /// The first write that failed: the file and why.
    unwritable: OnceLock<(PathBuf, String)>,
    /// One update at a time within this process, so threads do not undo each other's entries.
    updating: Mutex<()>,
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The key of a token as presented somewhere (an API base, an endpoint).
pub fn key(at: &str, token: &Token) -> String {
    let mut h = Sha256::new();
    h.update(at.as_bytes());
    h.update([0]);
    h.update(token.expose().as_bytes());
    hex(&h.finalize())
}

impl<'a> Store<'a> {
    /// `$XDG_CACHE_HOME/git-credential-hf` (absolute values only, as the XDG spec says),
    /// else the platform's cache folder under HOME.
    pub fn locate(env: &Env, fs: &'a dyn Fs) -> Option<Store<'a>> {
        let xdg = env
            .path(XDG_CACHE_HOME)
            .filter(|p| p.is_absolute() && cfg!(not(target_os = "macos")));
        let base = match xdg {
            Some(p) => p,
            None => match env.path(HOME) {
                Some(home) if cfg!(target_os = "macos") => home.join("Library/Caches"),
                Some(home) if cfg!(unix) => home.join(".cache"),
                _ => dirs::cache_dir()?,
            },
        };
        Some(Store::at(fs, base.join("git-credential-hf")))
    }

    pub fn at(fs: &'a dyn Fs, dir: PathBuf) -> Store<'a> {
        Store {
            fs,
            dir,
            refused: OnceLock::new(),
            unwritable: OnceLock::new(),
            updating: Mutex::new(()),
        }
    }

    /// Where our file `name` is, for messages.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Why the folder was not used, or a file of it not written, for the one line that says
    /// so at the end of a command: without the cache every request asks the Hub again.
    pub fn refusal(&self) -> Option<String> {
        if let Some(why) = self.refused.get().and_then(Option::as_ref) {
            return Some(format!(
                "not using the cache folder {}: {why}",
                self.dir.display()
            ));
        }
        let (file, why) = self.unwritable.get()?;
        Some(format!(
            "cannot write the cache file {} ({why}), so every request asks the Hub again: make {} writable, or point XDG_CACHE_HOME at a folder that is",
            file.display(),
            self.dir.display()
        ))
    }

    /// The entries of our file `name`. A missing, unreadable, corrupt or other-version file,
    /// or one that is not a regular file of ours, has none.
    pub fn entries<E: DeserializeOwned>(&self, name: &str) -> BTreeMap<String, E> {
        if !self.usable() {
            return BTreeMap::new();
        }
        self.fs
            .read_ours(&self.dir.join(name))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<StoreFile<E>>(&bytes).ok())
            .filter(|f| f.version == VERSION)
            .map(|f| f.entries)
            .unwrap_or_default()
    }

    /// Reads our file `name`, lets `change` edit its entries, writes it back atomically
    /// (0600). Two processes updating at once may lose one change: a cache entry lost costs
    /// one more request. Threads of one process take turns.
    pub fn update<E: Serialize + DeserializeOwned>(
        &self,
        name: &str,
        change: impl FnOnce(&mut BTreeMap<String, E>),
    ) -> io::Result<()> {
        let dir = self.ready()?;
        let _turn = self.updating.lock().unwrap_or_else(|e| e.into_inner());
        let mut entries = self.entries(name);
        change(&mut entries);
        let file = StoreFile {
            version: VERSION,
            entries,
        };
        let json = serde_json::to_vec_pretty(&file).map_err(io::Error::other)?;
        let path = dir.join(name);
        if let Err(e) = self.fs.write_ours(&path, &json) {
            let _ = self.unwritable.set((path, e.to_string()));
            return Err(e);
        }
        // It may have been absent at the first check, and made by someone else since.
        self.fs.check_dir(dir).map_err(io::Error::other)
    }

    /// Waits until `deadline` for the lock file `name`; says whether another process held it.
    /// `Ok(None)` when it cannot be had in time, an error when the folder is unusable.
    pub fn lock(&self, name: &str, deadline: Instant) -> io::Result<Option<(Lock, bool)>> {
        let dir = self.ready()?;
        self.fs.lock_ours(&dir.join(name), deadline)
    }

    fn usable(&self) -> bool {
        self.refused
            .get_or_init(|| self.fs.check_dir(&self.dir).err())
            .is_none()
    }

    fn ready(&self) -> io::Result<&Path> {
        match self.usable() {
            true => Ok(&self.dir),
            false => Err(io::Error::other("the cache folder is not usable")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::fs::LiveFs;

    #[test]
    fn entries_round_trip_in_a_private_file_keyed_without_the_token() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::at(&LiveFs, tmp.path().join("c"));
        let token = Token::new("hf_not-a-real-token-store");
        let k = key("https://huggingface.co", &token);
        assert_ne!(k, key("http://127.0.0.1:1", &token));
        store
            .update("t.json", |e: &mut BTreeMap<String, u32>| {
                e.insert(k.clone(), 7);
            })
            .unwrap();
        assert_eq!(store.entries::<u32>("t.json").get(&k), Some(&7));
        let text = std::fs::read_to_string(store.path("t.json")).unwrap();
        assert!(!text.contains(token.expose()));
        // Corrupt or another version: no entries, and rebuilt at the next write.
        std::fs::write(store.path("t.json"), b"{not json").unwrap();
        assert!(store.entries::<u32>("t.json").is_empty());
        std::fs::write(store.path("t.json"), br#"{"version":2,"entries":{"a":1}}"#).unwrap();
        assert!(store.entries::<u32>("t.json").is_empty());
    }

    /// `status` checks its tokens on threads: every thread's entry is kept, none fails.
    #[test]
    fn threads_updating_at_once_keep_every_entry() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::at(&LiveFs, tmp.path().join("c"));
        std::thread::scope(|s| {
            for i in 0..16u32 {
                let store = &store;
                s.spawn(move || {
                    store
                        .update("t.json", |e: &mut BTreeMap<String, u32>| {
                            e.insert(i.to_string(), i);
                        })
                        .unwrap();
                });
            }
        });
        assert_eq!(store.entries::<u32>("t.json").len(), 16);
        assert!(store.refusal().is_none());
    }
}
