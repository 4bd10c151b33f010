//! The one place that runs `git`. `Git` is the seam: `LiveGit` runs the program, `FakeGit`
//! answers from a script in unit tests. What the commands mean lives in `crate::git`.

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One run of `git`.
#[derive(Clone, Debug, Default)]
pub struct Run {
    pub args: Vec<OsString>,
    pub cwd: Option<PathBuf>,
    pub stdin: Vec<u8>,
    /// Variables to set (`Some`) or remove (`None`) for this run.
    pub env: Vec<(&'static str, Option<&'static str>)>,
    /// Killed past this; `None`: waited for.
    pub timeout: Option<Duration>,
}

impl Run {
    pub fn new<I, S>(args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        Run {
            args: args.into_iter().map(Into::into).collect(),
            ..Run::default()
        }
    }

    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Run {
        self.cwd = Some(dir.into());
        self
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Output {
    /// `None` when killed at the time-out.
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Output {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// The first line of stderr, for a message.
    pub fn reason(&self) -> String {
        let stderr = String::from_utf8_lossy(&self.stderr);
        stderr
            .lines()
            .next()
            .unwrap_or("git failed")
            .trim()
            .to_string()
    }
}

pub trait Git: Send + Sync {
    /// Runs git; an error only when git cannot be started.
    fn run(&self, run: &Run) -> io::Result<Output>;
}

/// The `git` on PATH.
pub struct LiveGit;

impl Git for LiveGit {
    fn run(&self, run: &Run) -> io::Result<Output> {
        let mut command = Command::new("git");
        command
            .args(&run.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(dir) = &run.cwd {
            command.current_dir(dir);
        }
        for (key, value) in &run.env {
            match value {
                Some(v) => command.env(key, v),
                None => command.env_remove(key),
            };
        }
        let mut child = command.spawn()?;
        let input = run.stdin.clone();
        let mut stdin = child.stdin.take();
        let writer = std::thread::spawn(move || {
            if let Some(s) = stdin.as_mut() {
                let _ = s.write_all(&input);
            }
        });
        // Both pipes are drained while git runs, so a chatty git never blocks on a full pipe.
        let drain = |pipe: Option<Box<dyn Read + Send>>| {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                if let Some(mut p) = pipe {
                    let _ = p.read_to_end(&mut buf);
                }
                buf
            })
        };
        let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
        let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
        let code = match run.timeout {
            None => child.wait()?.code(),
            Some(limit) => {
                let deadline = Instant::now() + limit;
                loop {
                    if let Some(status) = child.try_wait()? {
                        break status.code();
                    }
                    if Instant::now() >= deadline {
                        let _ = child.kill();
                        let _ = child.wait();
                        break None;
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        };
        let _ = writer.join();
        Ok(Output {
            code,
            stdout: stdout.join().unwrap_or_default(),
            stderr: stderr.join().unwrap_or_default(),
        })
    }
}

/// Answers each run with the first rule whose arguments it matches; records every run.
#[cfg(test)]
#[derive(Default)]
pub struct FakeGit {
    #[allow(clippy::type_complexity)]
    rules: Vec<(Box<dyn Fn(&[String]) -> bool + Send + Sync>, Output)>,
    pub runs: std::sync::Mutex<Vec<Vec<String>>>,
}

#[cfg(test)]
impl FakeGit {
    /// Runs whose arguments contain all of `words` get `stdout` and exit code 0.
    pub fn answer(mut self, words: &[&str], stdout: &str) -> Self {
        let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        self.rules.push((
            Box::new(move |args| words.iter().all(|w| args.contains(w))),
            Output {
                code: Some(0),
                stdout: stdout.as_bytes().to_vec(),
                stderr: Vec::new(),
            },
        ));
        self
    }
}

#[cfg(test)]
impl Git for FakeGit {
    fn run(&self, run: &Run) -> io::Result<Output> {
        let args: Vec<String> = run
            .args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        self.runs.lock().unwrap().push(args.clone());
        Ok(self
            .rules
            .iter()
            .find(|(matches, _)| matches(&args))
            .map(|(_, out)| out.clone())
            // Unknown: what `git config --get` says when nothing is set.
            .unwrap_or(Output {
                code: Some(1),
                ..Output::default()
            }))
    }
}
