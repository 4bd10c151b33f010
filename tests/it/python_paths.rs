//! Python's path rules, both flavours, against Python itself: for generated environments
//! (HF_HOME, HF_TOKEN_PATH, XDG_CACHE_HOME, USERPROFILE, HOMEDRIVE, HOMEPATH, HOME, USERNAME,
//! staging, names in other cases), the token file and stored_tokens paths must be exactly what
//! huggingface_hub's constants give with `posixpath` and with `ntpath` (run here on Linux, with
//! os.environ as Windows has it: names without case). tests/parity/paths.py is the Python side.

use crate::support;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

const CASES: usize = 600;

/// The users `pwd` knows, as in paths.py.
fn user_home(user: Option<&str>) -> Option<String> {
    match user {
        None => Some("/home/pw".into()),
        Some("bob") => Some("/home/bob/".into()),
        Some("root") => Some("/root".into()),
        Some(_) => None,
    }
}

const PIECES: &[&str] = &[
    "~",
    "~\\",
    "~/",
    "~bob",
    "~bob\\x",
    "~me",
    "~root/x",
    "~nobody",
    "C:",
    "c:\\",
    "D:\\data",
    "\\\\srv\\share",
    "\\\\?\\UNC\\srv\\s",
    "/abs",
    "rel",
    "x\\y",
    "a/b/",
    "%HOME%",
    "%userprofile%",
    "%HF_HOME%",
    "%NOPE%",
    "%",
    "%%",
    "$HOME",
    "${HOME}",
    "$userprofile",
    "${NOPE}",
    "$$",
    "$",
    "'q$HOME'",
    "'",
    ".",
    "..",
    "\\",
    "/",
    "//",
    "a b",
    "é",
    "$HF_HOME",
    "token",
    "token/.",
    "\\token\\",
    "-x_",
    "${A-B}",
    "$A-B",
];

const NAMES: &[&str] = &[
    "HF_HOME",
    "HF_TOKEN_PATH",
    "XDG_CACHE_HOME",
    "USERPROFILE",
    "HOMEDRIVE",
    "HOMEPATH",
    "HOME",
    "USERNAME",
    "A-B",
];

/// A small deterministic generator (no seed file to keep).
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

fn case_of(name: &str, rng: &mut Rng) -> String {
    match rng.next(5) {
        0 => name.to_lowercase(),
        1 => name
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i % 2 == 0 {
                    c.to_ascii_lowercase()
                } else {
                    c
                }
            })
            .collect(),
        _ => name.to_string(),
    }
}

fn cases() -> Vec<Vec<(String, String)>> {
    let mut rng = Rng(0x5eed_cafe);
    (0..CASES)
        .map(|_| {
            let mut env = Vec::new();
            for name in NAMES {
                if rng.next(3) == 0 {
                    continue;
                }
                let value: String = (0..1 + rng.next(3))
                    .map(|_| PIECES[rng.next(PIECES.len())])
                    .collect();
                let value = if rng.next(12) == 0 {
                    String::new()
                } else {
                    value
                };
                env.push((case_of(name, &mut rng), value));
            }
            if rng.next(10) == 0 {
                env.push((case_of("HUGGINGFACE_CO_STAGING", &mut rng), "1".into()));
            }
            env
        })
        .collect()
}

#[test]
fn token_paths_are_pythons_with_posixpath_and_ntpath() {
    let python = support::python::python();
    let driver = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/paths.py");
    let mut child = Command::new(python)
        .arg(driver)
        .env_clear()
        .env("PYTHONIOENCODING", "utf-8")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python runs");
    let cases = cases();
    let mut stdin = child.stdin.take().unwrap();
    let input: String = cases
        .iter()
        .map(|env| {
            let env: serde_json::Map<String, Value> =
                env.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            format!("{}\n", json!({ "env": env }))
        })
        .collect();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let answers: Vec<Value> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect();
    writer.join().unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(answers.len(), CASES);
    let mut agree = 0;
    for (env, answer) in cases.iter().zip(&answers) {
        let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        for (windows, flavor) in [(false, "posix"), (true, "nt")] {
            let ours = git_credential_hf::fuzzing::token_paths(windows, &pairs, &user_home);
            let want = (
                answer[flavor][0].as_str().unwrap().to_string(),
                answer[flavor][1].as_str().unwrap().to_string(),
            );
            assert_eq!(ours, want, "{flavor} with {env:?}");
            agree += 1;
        }
    }
    assert_eq!(agree, 2 * CASES);
    println!(
        "{agree} of {} agree ({CASES} environments, both flavours)",
        2 * CASES
    );
}
