//! The Python that runs huggingface_hub for the parity and round-trip tests: python3 when it
//! imports huggingface_hub, else a venv under target/ with it pip-installed once.

use super::{TestCmd, TestEnv, say};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// Used when python3 cannot import huggingface_hub: installed into target/parity-venv.
const HF_HUB_REQUIREMENT: &str = "huggingface_hub>=2.4,<3";

/// The interpreter, found once per test process.
pub fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let scratch = tempfile::Builder::new()
            .prefix("python-probe")
            .tempdir()
            .expect("temp dir");
        find_python(scratch.path())
    })
}

/// `python3 -c CODE` with a cleared environment and a throwaway HOME, as the cases run.
pub fn python_ok(python: &Path, code: &str, home: &Path) -> Option<String> {
    let output = Command::new(python)
        .args(["-c", code])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("LANG", "C.UTF-8")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// The interpreter to use: python3 if it imports huggingface_hub, else a venv under target/.
pub fn find_python(scratch: &Path) -> PathBuf {
    let probe_home = scratch.join("probe-home");
    fs::create_dir_all(&probe_home).unwrap();
    match Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(_) => {}
        Err(err) => panic!(
            "this test needs python3 on PATH (with huggingface_hub, or pip access to \
             PyPI to install it into target/parity-venv): {err}"
        ),
    }
    // Run the real interpreter rather than a shim (pyenv's costs ~0.15 s per start), and
    // check it in the same cleared environment the cases get: a `pip install --user` copy in
    // the real home would not be visible there.
    let probe = "import sys, huggingface_hub; print(sys.executable)";
    if let Some(executable) = python_ok(Path::new("python3"), probe, &probe_home) {
        let executable = PathBuf::from(executable);
        if python_ok(&executable, probe, &probe_home).is_some() {
            return executable;
        }
    }
    venv_python(&probe_home)
}

/// Creates target/parity-venv with huggingface_hub once. A file lock serialises concurrent
/// test processes; the marker file is written last, so a half-made venv is rebuilt.
fn venv_python(probe_home: &Path) -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is target/tmp")
        .to_path_buf();
    let venv = target.join("parity-venv");
    let python = venv.join("bin").join("python");
    let marker = venv.join(".parity-ready");
    let lock = fs::File::create(target.join("parity-venv.lock")).expect("create venv lock");
    lock.lock().expect("lock target/parity-venv.lock");
    if !marker.exists() {
        // Once per target folder, and it takes a while: say what is happening.
        let started = std::time::Instant::now();
        say(&format!(
            "parity: python3 cannot import huggingface_hub; creating {} ...",
            venv.display()
        ));
        let _ = fs::remove_dir_all(&venv);
        let status = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("run python3 -m venv");
        assert!(status.success(), "python3 -m venv {venv:?} failed");
        say(&format!(
            "parity: pip install {HF_HUB_REQUIREMENT} (from PyPI) ..."
        ));
        let status = Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", HF_HUB_REQUIREMENT])
            .status()
            .expect("run pip install");
        assert!(
            status.success(),
            "pip install {HF_HUB_REQUIREMENT} into {venv:?} failed (needs network access to PyPI)"
        );
        fs::write(&marker, "").expect("write venv marker");
        say(&format!(
            "parity: {} ready in {:.0} s",
            venv.display(),
            started.elapsed().as_secs_f64()
        ));
    }
    assert!(
        python_ok(&python, "import huggingface_hub", probe_home).is_some(),
        "{python:?} cannot import huggingface_hub; delete {venv:?} to rebuild it"
    );
    python
}

impl TestEnv {
    /// `python -c CODE` with huggingface_hub, in this test's environment (HOME, HF_*, ...).
    pub fn python(&self, code: &str) -> TestCmd {
        let python = python().to_str().expect("a UTF-8 path");
        self.program(python, &["-c", code])
            .env("HF_HUB_DISABLE_UPDATE_CHECK", "1")
            .env("HF_HUB_DISABLE_TELEMETRY", "1")
    }

    /// huggingface_hub's own `hf` command line with `args`.
    pub fn hf(&self, args: &[&str]) -> TestCmd {
        let python = python().to_str().expect("a UTF-8 path");
        let mut all = vec![
            "-c",
            "import sys; from huggingface_hub.cli.hf import main; sys.argv[0] = 'hf'; main()",
        ];
        all.extend_from_slice(args);
        self.program(python, &all)
            .env("HF_HUB_DISABLE_UPDATE_CHECK", "1")
            .env("HF_HUB_DISABLE_TELEMETRY", "1")
    }
}
