//! Writing files of ours: a temp file in the same folder, then a rename, mode 0600 from the
//! start, so a reader never sees half a file and nobody else can read it.

use std::io::Write;
use std::path::Path;

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
