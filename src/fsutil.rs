//! Writing files of ours: a temp file in the same folder, then a rename, mode 0600 from the
//! start, so a reader never sees half a file and nobody else can read it. Opening files of
//! ours: never through a link, never blocking on a FIFO, and only a regular file of the
//! current user, in a folder of the current user's that nobody else can write to.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read, Write};
use std::path::Path;

/// Opens `path`, a file of ours, with `options`: a link in its place is not followed (an
/// error), a FIFO does not block (and is refused), and anything but a regular file of the
/// current user is an error.
pub fn open_own(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(options, libc::O_NOFOLLOW | libc::O_NONBLOCK);
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

/// The content of `path`, a file of ours (see `open_own`).
pub fn read_own(path: &Path) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    open_own(path, File::options().read(true))?.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Whether `dir` may hold files of ours: absent (it is made 0700 when first written), or a
/// folder (not a link) of the current user, made 0700 if it was not. The error says what is
/// wrong and ends with the fix.
pub fn check_private_dir(dir: &Path) -> Result<(), String> {
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("it cannot be inspected ({e}): fix or remove it")),
    };
    if !meta.is_dir() {
        return Err("it is not a folder (a link or a file is in its place): remove it".into());
    }
    if !owned(&meta) {
        return Err(
            "it belongs to another user: remove it, or set XDG_CACHE_HOME to a folder of yours"
                .into(),
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode != 0o700 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(|e| {
                format!("its mode {mode:o} cannot be made 0700 ({e}): `chmod 700` it")
            })?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn owned(meta: &Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    meta.uid() == unsafe { libc::geteuid() }
}

/// Windows has no owner in std's metadata; the user's profile folder is private already.
#[cfg(not(unix))]
fn owned(_: &Metadata) -> bool {
    true
}

pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// For the user's token files: on disk before the rename makes them visible.
pub fn write_private(path: &Path, content: &[u8]) -> std::io::Result<()> {
    write_atomically(path, content, true)
}

/// For our caches, which are rebuilt when lost: no fsync (it cost ~4 ms of a cold `get`).
pub fn write_cache(path: &Path, content: &[u8]) -> std::io::Result<()> {
    write_atomically(path, content, false)
}

fn write_atomically(path: &Path, content: &[u8], sync: bool) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    // A leftover from a crashed writer with our pid would make create_new fail.
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

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::{PermissionsExt, symlink};

    #[test]
    fn only_regular_files_are_opened_and_links_are_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, b"ours").unwrap();
        assert_eq!(read_own(&file).unwrap(), b"ours");
        let link = dir.path().join("link");
        symlink(&file, &link).unwrap();
        assert!(read_own(&link).is_err());
        assert!(read_own(dir.path()).is_err());
        let fifo = dir.path().join("fifo");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        // Would block forever without O_NONBLOCK: no writer ever comes.
        assert!(read_own(&fifo).is_err());
        // Creating through a dangling link: refused, the target not made.
        let target = dir.path().join("target");
        let dangling = dir.path().join("dangling");
        symlink(&target, &dangling).unwrap();
        assert!(open_own(&dangling, File::options().write(true).create(true)).is_err());
        assert!(!target.exists());
    }

    #[test]
    fn our_folder_is_made_private_a_link_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let ours = dir.path().join("ours");
        assert_eq!(check_private_dir(&ours), Ok(()), "absent is fine");
        std::fs::create_dir(&ours).unwrap();
        std::fs::set_permissions(&ours, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert_eq!(check_private_dir(&ours), Ok(()));
        let mode = std::fs::metadata(&ours).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        let link = dir.path().join("link");
        symlink(&ours, &link).unwrap();
        assert!(
            check_private_dir(&link)
                .unwrap_err()
                .contains("not a folder")
        );
    }
}
