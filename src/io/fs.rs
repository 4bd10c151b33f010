//! The one place that touches files, folders and locks. `Fs` is the seam: `LiveFs` is the
//! machine, `FakeFs` an in-memory stand-in for unit tests.
//!
//! Two kinds of files: the user's (huggingface_hub's token files, read and written the way
//! Python does, links followed) and ours (the helper's cache folder: regular files only,
//! never through a link, never blocking on a FIFO, in a folder that must be ours and 0700).
//! Both are written atomically: a temp file in the same folder, then a rename, 0600 from the
//! start, so a reader never sees half a file and nobody else can read it.

use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A held lock; released on drop.
pub struct Lock {
    _file: Option<std::fs::File>,
}

pub trait Fs: Send + Sync {
    /// A file of the user's, as Python's `open()` reads it.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// The home folder from the user database: the current user's for `None` (what Python's
    /// `expanduser` uses when HOME is unset), or the named user's.
    fn user_home(&self, user: Option<&str>) -> Option<String>;
    /// huggingface_hub's `_write_secret`: the file 0600 (here atomically and on disk before it
    /// is visible), its folder created if needed and made 0700.
    fn write_secret(&self, path: &Path, content: &[u8]) -> io::Result<()>;
    /// Removes a file of the user's; a missing file is not an error.
    fn remove(&self, path: &Path) -> io::Result<()>;
    /// A folder stands at `path` (where a file is wanted).
    fn is_dir(&self, path: &Path) -> bool;
    /// A file (or a link to one) stands at `path`.
    fn is_file(&self, path: &Path) -> bool;
    /// `path` with its links and `..` resolved, if it exists.
    fn canonical(&self, path: &Path) -> Option<PathBuf>;
    /// This running program's file, links resolved (where `setup` points git).
    fn this_program(&self) -> io::Result<PathBuf>;
    /// The system's folder for temporary files (TMPDIR on Unix; TMP, TEMP on Windows).
    fn temp_dir(&self) -> PathBuf;
    /// `filelock.FileLock(path)`: an exclusive lock on a lock file beside the user's files,
    /// shared with Python, waited for until `deadline`. `None`: not had in time.
    fn lock(&self, path: &Path, deadline: Instant) -> io::Result<Option<Lock>>;

    /// Whether `dir` may hold files of ours: absent (made 0700 at the first write), or a folder
    /// (not a link) of the current user, made 0700 if it was not. The error says what is wrong
    /// and ends with the fix.
    fn check_dir(&self, dir: &Path) -> Result<(), String>;
    /// A file of ours: a regular file of the current user, not through a link, never blocking.
    fn read_ours(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// Replaces a file of ours, making its folder (0700) if needed; no fsync: caches are
    /// rebuilt when lost.
    fn write_ours(&self, path: &Path, content: &[u8]) -> io::Result<()>;
    /// An exclusive lock on a lock file of ours (its folder made 0700 if needed), waited for
    /// until `deadline`; also says whether another process held it meanwhile.
    fn lock_ours(&self, path: &Path, deadline: Instant) -> io::Result<Option<(Lock, bool)>>;
}

/// The real machine.
pub struct LiveFs;

impl Fs for LiveFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn user_home(&self, user: Option<&str>) -> Option<String> {
        passwd::home(user)
    }

    fn write_secret(&self, path: &Path, content: &[u8]) -> io::Result<()> {
        // Python's `path.parent.mkdir(parents=True, mode=0o700)`: the folders on the way get
        // the umask's mode, the last one 0700 (made so below).
        let dir = parent(path);
        std::fs::DirBuilder::new().recursive(true).create(dir)?;
        // Python writes through a link (its `open` follows it): the link stays, its target
        // gets the content; here atomically, at the target.
        write_atomically(&through_links(path), content, true)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // As Python, best effort; a shared folder with the sticky bit (such as /tmp) is not
            // the user's to lock.
            if let Ok(meta) = std::fs::metadata(dir)
                && meta.permissions().mode() & 0o1000 == 0
            {
                let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
            }
        }
        Ok(())
    }

    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }

    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }

    fn canonical(&self, path: &Path) -> Option<PathBuf> {
        path.canonicalize().ok()
    }

    fn this_program(&self) -> io::Result<PathBuf> {
        std::env::current_exe()?.canonicalize()
    }

    fn temp_dir(&self) -> PathBuf {
        std::env::temp_dir()
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        match std::fs::remove_file(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    fn lock(&self, path: &Path, deadline: Instant) -> io::Result<Option<Lock>> {
        let mut create = std::fs::File::options();
        create.read(true).write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut create, 0o664);
        let file = match create.open(path) {
            Ok(file) => {
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    // Past the umask, as filelock's fchmod.
                    let _ = file.set_permissions(std::fs::Permissions::from_mode(0o664));
                }
                file
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                std::fs::File::options().read(true).write(true).open(path)?
            }
            Err(e) => return Err(e),
        };
        Ok(wait_for(file, deadline)?.map(|(lock, _)| lock))
    }

    fn check_dir(&self, dir: &Path) -> Result<(), String> {
        let meta = match std::fs::symlink_metadata(dir) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(format!("it cannot be inspected ({e}): fix or remove it")),
        };
        if !meta.is_dir() {
            return Err("it is not a folder (a link or a file is in its place): remove it".into());
        }
        if !ours::owned(&meta) {
            return Err(
                "it belongs to another user: remove it, or set XDG_CACHE_HOME to a folder of yours"
                    .into(),
            );
        }
        ours::make_private(dir, &meta)
    }

    fn read_ours(&self, path: &Path) -> io::Result<Vec<u8>> {
        use std::io::Read;
        let mut file = ours::open(path, ours::Open::Read)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        Ok(bytes)
    }

    fn write_ours(&self, path: &Path, content: &[u8]) -> io::Result<()> {
        ours::make_dir(parent(path))?;
        write_atomically(path, content, false)
    }

    fn lock_ours(&self, path: &Path, deadline: Instant) -> io::Result<Option<(Lock, bool)>> {
        ours::make_dir(parent(path))?;
        wait_for(ours::open(path, ours::Open::Lock)?, deadline)
    }
}

/// Where writing `path` lands when it is a link (to a file that may not exist yet).
fn through_links(path: &Path) -> std::path::PathBuf {
    let mut at = path.to_path_buf();
    // A loop of links is left to the write to report.
    for _ in 0..40 {
        match std::fs::read_link(&at) {
            Ok(target) => at = parent(&at).join(target),
            Err(_) => break,
        }
    }
    at
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// The one lock wait: try, sleep a little, until the deadline. Says whether it had to wait.
fn wait_for(file: std::fs::File, deadline: Instant) -> io::Result<Option<(Lock, bool)>> {
    let mut waited = false;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(Some((Lock { _file: Some(file) }, waited))),
            Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                waited = true;
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        }
    }
}

fn write_atomically(path: &Path, content: &[u8], sync: bool) -> io::Result<()> {
    use std::io::Write;
    let dir = parent(path);
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    // Unique per write: threads of one process (status checks tokens at once) write too.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
    // A leftover from a crashed writer with our pid would make create_new fail; removing a
    // link there removes the link, never its target.
    let _ = std::fs::remove_file(&tmp);
    let result = (|| {
        let mut options = std::fs::File::options();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp)?;
        file.write_all(content)?;
        if sync {
            file.sync_all()?;
        }
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Our own files: the rules differ by platform, the promise does not.
mod ours {
    use std::fs::{File, Metadata};
    use std::io;
    use std::path::Path;

    pub enum Open {
        Read,
        Lock,
    }

    /// A link in its place is not followed (an error), a FIFO does not block (and is refused),
    /// and anything but a regular file of the current user is an error.
    pub fn open(path: &Path, how: Open) -> io::Result<File> {
        let mut options = File::options();
        match how {
            Open::Read => options.read(true),
            Open::Lock => options.read(true).write(true).create(true),
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
            // Empty, a lock file is a file of ours all the same: private like the rest.
            options.mode(0o600);
        }
        let file = options.open(path)?;
        let meta = file.metadata()?;
        if !meta.is_file() || !owned(&meta) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} is not a regular file of ours", path.display()),
            ));
        }
        Ok(file)
    }

    pub fn make_dir(dir: &Path) -> io::Result<()> {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)
    }

    #[cfg(unix)]
    pub fn owned(meta: &Metadata) -> bool {
        use std::os::unix::fs::MetadataExt;
        // SAFETY: geteuid has no preconditions and cannot fail.
        meta.uid() == unsafe { libc::geteuid() }
    }

    /// Windows has no owner in std's metadata; the user's profile folder is private already.
    #[cfg(not(unix))]
    pub fn owned(_: &Metadata) -> bool {
        true
    }

    #[cfg(unix)]
    pub fn make_private(dir: &Path, meta: &Metadata) -> Result<(), String> {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode != 0o700 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(|e| {
                format!("its mode {mode:o} cannot be made 0700 ({e}): `chmod 700` it")
            })?;
        }
        Ok(())
    }

    #[cfg(not(unix))]
    pub fn make_private(_: &Path, _: &Metadata) -> Result<(), String> {
        Ok(())
    }
}

#[cfg(unix)]
mod passwd {
    use std::ffi::{CStr, CString};

    /// getpwuid_r / getpwnam_r, as Python's `pwd` module does for `expanduser`.
    pub fn home(user: Option<&str>) -> Option<String> {
        let name = match user {
            Some(u) => Some(CString::new(u).ok()?),
            None => None,
        };
        let mut buf = vec![0u8; 16 * 1024];
        // SAFETY: `pwd` and `buf` outlive the call, `result` is only read when the call
        // filled it, and `pw_dir` then points into `buf`.
        unsafe {
            let mut pwd: libc::passwd = std::mem::zeroed();
            let mut result: *mut libc::passwd = std::ptr::null_mut();
            let rc = match &name {
                Some(n) => libc::getpwnam_r(
                    n.as_ptr(),
                    &mut pwd,
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    &mut result,
                ),
                None => libc::getpwuid_r(
                    libc::getuid(),
                    &mut pwd,
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    &mut result,
                ),
            };
            if rc != 0 || result.is_null() || pwd.pw_dir.is_null() {
                return None;
            }
            CStr::from_ptr(pwd.pw_dir).to_str().ok().map(str::to_string)
        }
    }
}

#[cfg(not(unix))]
mod passwd {
    pub fn home(user: Option<&str>) -> Option<String> {
        match user {
            None => dirs::home_dir().map(|p| p.to_string_lossy().into_owned()),
            Some(_) => None,
        }
    }
}

/// An in-memory machine for unit tests: files in a map, fixed user records, locks always
/// granted, and folders that are always ours.
#[cfg(test)]
#[derive(Default)]
pub struct FakeFs {
    pub files: std::sync::Mutex<std::collections::HashMap<std::path::PathBuf, Vec<u8>>>,
    pub dirs: Vec<std::path::PathBuf>,
    pub users: std::collections::HashMap<String, String>,
    pub current_user_home: Option<String>,
}

#[cfg(test)]
impl FakeFs {
    pub fn with_file(self, path: &str, content: &str) -> Self {
        self.put(path, content);
        self
    }

    pub fn put(&self, path: &str, content: &str) {
        self.files
            .lock()
            .unwrap()
            .insert(path.into(), content.as_bytes().to_vec());
    }

    pub fn text(&self, path: &str) -> Option<String> {
        let files = self.files.lock().unwrap();
        files
            .get(Path::new(path))
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }
}

#[cfg(test)]
impl Fs for FakeFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        if self.dirs.iter().any(|d| d == path) {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory",
            ));
        }
        self.files
            .lock()
            .unwrap()
            .get(path)
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "not found"))
    }

    fn user_home(&self, user: Option<&str>) -> Option<String> {
        match user {
            None => self.current_user_home.clone(),
            Some(u) => self.users.get(u).cloned(),
        }
    }

    fn write_secret(&self, path: &Path, content: &[u8]) -> io::Result<()> {
        self.write_ours(path, content)
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        self.files.lock().unwrap().remove(path);
        Ok(())
    }

    fn is_dir(&self, path: &Path) -> bool {
        self.dirs.iter().any(|d| d == path)
    }

    fn is_file(&self, path: &Path) -> bool {
        self.files.lock().unwrap().contains_key(path)
    }

    /// The fake has no links: what exists is its own canonical path.
    fn canonical(&self, path: &Path) -> Option<PathBuf> {
        (self.is_file(path) || self.is_dir(path)).then(|| path.to_path_buf())
    }

    fn this_program(&self) -> io::Result<PathBuf> {
        Ok(PathBuf::from("/usr/bin/git-credential-hf"))
    }

    fn temp_dir(&self) -> PathBuf {
        PathBuf::from("/tmp")
    }

    fn lock(&self, _path: &Path, _deadline: Instant) -> io::Result<Option<Lock>> {
        Ok(Some(Lock { _file: None }))
    }

    fn check_dir(&self, _dir: &Path) -> Result<(), String> {
        Ok(())
    }

    fn read_ours(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.read(path)
    }

    fn write_ours(&self, path: &Path, content: &[u8]) -> io::Result<()> {
        self.files
            .lock()
            .unwrap()
            .insert(path.to_path_buf(), content.to_vec());
        Ok(())
    }

    fn lock_ours(&self, _path: &Path, _deadline: Instant) -> io::Result<Option<(Lock, bool)>> {
        Ok(Some((Lock { _file: None }, false)))
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn secrets_are_0600_in_a_0700_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("hf");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = dir.join("token");
        LiveFs.write_secret(&path, b"x").unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(std::fs::read(&path).unwrap(), b"x");
    }

    #[test]
    fn secrets_are_written_through_links_as_python_does() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("secrets/token");
        std::fs::create_dir(tmp.path().join("secrets")).unwrap();
        let link = tmp.path().join("hf/token");
        std::fs::create_dir(tmp.path().join("hf")).unwrap();
        std::os::unix::fs::symlink("../secrets/token", &link).unwrap();
        // A dangling link: its target is made.
        LiveFs.write_secret(&link, b"one").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"one");
        LiveFs.write_secret(&link, b"two").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&target).unwrap(), b"two");
        assert_eq!(mode(&target), 0o600);
        // Only the last folder on the way is made private.
        let deep = tmp.path().join("a/b/c/token");
        LiveFs.write_secret(&deep, b"x").unwrap();
        assert_eq!(mode(&tmp.path().join("a/b/c")), 0o700);
        // (The others have the umask's mode, whatever it is: the same for both.)
        assert_eq!(mode(&tmp.path().join("a")), mode(&tmp.path().join("a/b")));
    }

    #[test]
    fn our_files_are_never_read_through_links_or_fifos() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("target");
        std::fs::write(&target, b"secret").unwrap();
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(LiveFs.read_ours(&link).is_err());
        let fifo = tmp.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        // Would block forever without O_NONBLOCK: no writer ever comes.
        assert!(LiveFs.read_ours(&fifo).is_err());
        // A lock file that is a link is refused, and its target is not created.
        let planted = tmp.path().join("planted");
        let lock = tmp.path().join("lock");
        std::os::unix::fs::symlink(&planted, &lock).unwrap();
        let deadline = Instant::now() + Duration::from_millis(10);
        assert!(LiveFs.lock_ours(&lock, deadline).is_err());
        assert!(!planted.exists());
    }

    #[test]
    fn our_folder_is_made_private_and_a_loose_one_is_tightened() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        assert_eq!(LiveFs.check_dir(&dir), Ok(()), "absent is fine");
        LiveFs.write_ours(&dir.join("f"), b"x").unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("f")), 0o600);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        LiveFs.check_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&dir, &link).unwrap();
        assert!(
            LiveFs
                .check_dir(&link)
                .unwrap_err()
                .contains("not a folder")
        );
    }

    #[test]
    fn the_lock_is_exclusive_and_bounded() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("l");
        let soon = || Instant::now() + Duration::from_millis(50);
        let (held, waited) = LiveFs.lock_ours(&path, soon()).unwrap().unwrap();
        assert!(!waited);
        let start = Instant::now();
        assert!(LiveFs.lock_ours(&path, soon()).unwrap().is_none());
        assert!(start.elapsed() >= Duration::from_millis(50));
        drop(held);
        assert!(LiveFs.lock_ours(&path, soon()).unwrap().is_some());
        let user = tmp.path().join("stored_tokens.lock");
        let held = LiveFs.lock(&user, soon()).unwrap().unwrap();
        assert_eq!(mode(&user), 0o664);
        assert!(LiveFs.lock(&user, soon()).unwrap().is_none());
        drop(held);
    }
}
