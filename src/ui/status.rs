//! The `status` screen and its `--json` form. Every string that came from the user's config,
//! files or URLs, or from the Hub, goes through `redact_with` (knowing every token found)
//! before it is printed; tokens themselves only ever appear masked, with a fingerprint.

use super::style::{CYAN, GREEN, RED, Style, YELLOW};
use super::text::{Home, hang, wrap, wrap_command};
use crate::diagnose::inventory::{self, Entry, Inventory};
use crate::diagnose::problems::{Problem, ProblemCode, Severity};
use crate::diagnose::report;
use crate::hub::access::Access;
use crate::hub::verdict::{Permissions, Verdict, WhoamiInfo};
use crate::places::{Kind, Scope};
use crate::redact::redact_with;
use crate::token::Token;
use serde::Serialize;
use std::io::Write;

#[derive(Serialize)]
pub struct StatusJson {
    pub python: Option<Chosen>,
    pub git: Option<GitChosen>,
    /// git-xet, when configured: what it sends for Xet uploads.
    pub xet: Option<XetChosen>,
    pub sources: Vec<SourceJson>,
    pub problems: Vec<ProblemJson>,
    /// What resolving huggingface_hub's token did (a refresh and how it went).
    pub notes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repo: Option<Access>,
    /// The Hubs that did not answer, each once (their sources have `valid: null`); only
    /// when there is one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unreachable: Vec<UnreachableJson>,
}

#[derive(Serialize)]
pub struct UnreachableJson {
    /// The API base asked.
    pub hub: String,
    /// Why, in short (`timed out`, `could not connect: Connection refused (os error 111)`).
    pub reason: String,
}

#[derive(Serialize)]
pub struct Chosen {
    pub source: String,
    pub fingerprint: Option<String>,
}

#[derive(Serialize)]
pub struct GitChosen {
    pub source: String,
    /// The helper's short name, `None` for `.netrc`.
    pub helper: Option<String>,
    pub fingerprint: Option<String>,
}

#[derive(Serialize)]
pub struct XetChosen {
    /// Where `lfs.customtransfer.xet.*` is configured.
    pub config: String,
    pub source: Option<String>,
    pub fingerprint: Option<String>,
}

#[derive(Serialize)]
pub struct SourceJson {
    pub source: String,
    pub present: bool,
    pub masked: Option<String>,
    pub fingerprint: Option<String>,
    pub valid: Option<bool>,
    pub user: Option<String>,
    pub token_name: Option<String>,
    pub role: Option<String>,
    pub permissions: Option<Permissions>,
    pub detail: String,
}

#[derive(Serialize)]
pub struct ProblemJson {
    pub code: ProblemCode,
    pub severity: Severity,
    pub message: String,
    pub fix: String,
}

/// The one redaction every printed string goes through.
struct Clean<'a> {
    known: Vec<&'a Token>,
}

impl Clean<'_> {
    fn text(&self, s: &str) -> String {
        redact_with(s, &self.known)
    }
}

pub fn json(inv: &Inventory, problems: &[Problem], repo: Option<Access>) -> StatusJson {
    let clean = Clean {
        known: inv.tokens(),
    };
    let fingerprint = |e: &Entry| e.token().map(Token::fingerprint);
    StatusJson {
        python: inv.python_entry().map(|e| Chosen {
            source: clean.text(&e.finding.source),
            fingerprint: fingerprint(e),
        }),
        git: inv.git.map(|i| &inv.entries[i]).map(|e| GitChosen {
            source: clean.text(&e.finding.source),
            helper: match &e.finding.kind {
                Kind::Helper { helper, .. } => Some(helper.name()),
                _ => None,
            },
            fingerprint: fingerprint(e),
        }),
        xet: inv.xet.as_ref().map(|x| {
            let sends = x.sends.map(|i| &inv.entries[i]);
            XetChosen {
                config: clean.text(&x.file),
                source: sends.map(|e| clean.text(&e.finding.source)),
                fingerprint: sends.and_then(fingerprint),
            }
        }),
        sources: inv
            .entries
            .iter()
            .map(|e| {
                let info = e.verdict.as_ref().and_then(Verdict::info);
                let f = &e.finding;
                SourceJson {
                    source: clean.text(&f.source),
                    present: e.token().is_some()
                        || (f.kind == Kind::OidcResource && !f.detail.is_empty()),
                    masked: e.token().map(Token::masked),
                    fingerprint: fingerprint(e),
                    valid: e.valid(),
                    user: info.map(|i| clean.text(&i.user)),
                    token_name: info
                        .and_then(|i| i.token_name.as_deref())
                        .map(|n| clean.text(n)),
                    role: info.and_then(|i| i.role.clone().or(i.auth_type.clone())),
                    permissions: info.map(WhoamiInfo::permissions),
                    detail: clean.text(&f.detail),
                }
            })
            .collect(),
        problems: problems
            .iter()
            .map(|p| ProblemJson {
                code: p.code,
                severity: p.severity,
                message: clean.text(&p.message),
                fix: clean.text(&p.fix),
            })
            .collect(),
        notes: inv
            .notes
            .iter()
            .map(|n| clean.text(&report::note(n)))
            .collect(),
        repo,
        unreachable: inventory::unreachable(inv)
            .into_iter()
            .map(|(hub, reason)| UnreachableJson {
                hub: clean.text(&hub),
                reason: clean.text(&report::short_reason(&reason)),
            })
            .collect(),
    }
}

/// How the screen is drawn: colour, the width to fit, the terminal's height when stdout is
/// one, and HOME (paths under it are shown as `~/...`).
pub struct Screen {
    pub style: Style,
    pub columns: usize,
    pub rows: Option<usize>,
    pub home: Home,
}

/// What the label column leaves the cells at least (`hf_****wxyz  3f2a9c1b0d4e  unchecked`),
/// when the labels are wide and the screen narrow: longer labels then push their row's cells.
const MIN_COLUMN: usize = 36;
/// How far wrapped details are indented under their row.
const UNDER: usize = 4;

/// What a fact says of a row: a row takes the colour of its worst fact, and is green only
/// when every fact in it is good (an unchecked token is not known to be good).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Tone {
    Good,
    Neutral,
    Bad,
}

impl Tone {
    fn colour(self) -> Option<&'static str> {
        match self {
            Tone::Good => Some(GREEN),
            Tone::Neutral => None,
            Tone::Bad => Some(RED),
        }
    }
}

/// One row: a label, cells two spaces apart, and its tone; `fact` cells (and the label) are
/// painted in the tone's colour.
struct Row {
    label: String,
    cells: Vec<(String, bool)>,
    tone: Tone,
}

impl Row {
    fn new(label: String) -> Row {
        Row {
            label,
            cells: Vec::new(),
            tone: Tone::Good,
        }
    }

    fn cell(mut self, text: impl Into<String>) -> Row {
        let text = text.into();
        if !text.is_empty() {
            self.cells.push((text, false));
        }
        self
    }

    fn fact(mut self, text: impl Into<String>, tone: Tone) -> Row {
        self.cells.push((text.into(), true));
        self.tone = self.tone.max(tone);
        self
    }

    /// Without any fact, a row says nothing good or bad.
    fn tone(&self) -> Tone {
        match self.cells.iter().any(|(_, fact)| *fact) {
            true => self.tone,
            false => Tone::Neutral,
        }
    }

    /// The row as it would be on one line: `indent` spaces, the label in `label_width`.
    fn natural_width(&self, indent: usize, label_width: usize) -> usize {
        let label = self.label.chars().count().max(label_width) + 1;
        let cells: usize = self.cells.iter().map(|(c, _)| c.chars().count() + 2).sum();
        indent + label + cells.saturating_sub(2)
    }

    /// Lines of at most `screen.columns`: the row on one line when it fits (the layout of a
    /// wide screen), else the cells that fit after the label, then the others on lines under
    /// the row, `UNDER` deeper, as many to a line as fit; a cell longer than a line is
    /// wrapped, and the next one starts a line of its own.
    fn lay(&self, indent: usize, label_width: usize, screen: &Screen) -> Vec<String> {
        let columns = screen.columns;
        let colour = self.tone().colour();
        let paint = |text: &str, fact: bool| match (fact, colour) {
            (true, Some(c)) => screen.style.paint(c, text),
            _ => text.to_string(),
        };
        let label_len = self.label.chars().count();
        let pad = label_width.saturating_sub(label_len);
        let mut lines = vec![format!(
            "{:indent$}{}{:pad$} ",
            "",
            paint(&self.label, true),
            ""
        )];
        let head = indent + label_len + pad + 1;
        let mut used = head;
        let mut empty = true;
        let at = indent + UNDER;
        for (text, fact) in &self.cells {
            let len = text.chars().count();
            let sep = if empty { 0 } else { 2 };
            if used + sep + len <= columns {
                let line = lines.last_mut().expect("a line");
                line.push_str(&" ".repeat(sep));
                line.push_str(&paint(text, *fact));
                used += sep + len;
                empty = false;
                continue;
            }
            let pieces = wrap(text, columns.saturating_sub(at));
            let wrapped = pieces.len() > 1;
            for piece in pieces {
                lines.push(format!("{:at$}{}", "", paint(&piece, *fact)));
            }
            // After a cell wrapped over lines, the next one starts a line of its own.
            used = match wrapped {
                true => columns,
                false => at + len,
            };
            empty = false;
        }
        lines.iter().map(|l| l.trim_end().to_string()).collect()
    }
}

pub fn render(
    inv: &Inventory,
    problems: &[Problem],
    repo: Option<&Access>,
    screen: &Screen,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let clean = Clean {
        known: inv.tokens(),
    };
    let home = &screen.home;
    let text = |s: &str| home.shorten(&clean.text(s));
    let columns = screen.columns;
    let style = &screen.style;
    let rows: Vec<Row> = inv
        .entries
        .iter()
        .map(|e| {
            let row = Row::new(text(&e.finding.source));
            let detail = detail(e, &text);
            match e.token() {
                Some(token) => token_facts(row, e, token, &clean).cell(detail),
                None => row.cell("-").cell(detail),
            }
        })
        .collect();
    let verdicts = verdict_rows(inv, &clean, &text);
    // The label column: as wide as the widest label, unless that leaves the cells too little.
    let widest = rows
        .iter()
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(0)
        .max(24);
    let natural = rows.iter().all(|r| r.natural_width(2, widest) <= columns);
    let label_width = match natural {
        true => widest,
        false => widest.min(columns.saturating_sub(3 + MIN_COLUMN)).max(24),
    };
    let mut screen_lines: Vec<String> = Vec::new();
    // The verdict lines line up with the table when they fit so; else they take no more
    // room than their own labels need.
    let aligned = verdicts
        .iter()
        .all(|r| r.natural_width(0, label_width + 2) <= columns);
    let verdict_width = match aligned {
        true => label_width + 2,
        false => verdicts
            .iter()
            .map(|r| r.label.chars().count())
            .max()
            .unwrap_or(0),
    };
    let mut top: Vec<String> = Vec::new();
    for row in &verdicts {
        top.extend(row.lay(0, verdict_width, screen));
    }
    for (api, reason) in inventory::unreachable(inv) {
        let line = report::status_unreachable(&api, &reason);
        for l in hang("", wrap(&text(&line), columns.saturating_sub(UNDER)), UNDER) {
            top.push(style.paint(YELLOW, &l));
        }
    }
    screen_lines.extend(top.iter().cloned());
    screen_lines.push(String::new());
    screen_lines.push("Where tokens can hide".to_string());
    for row in &rows {
        screen_lines.extend(row.lay(2, label_width, screen));
    }
    if !inv.notes.is_empty() {
        screen_lines.push(String::new());
        screen_lines.push("Notes".to_string());
        for note in &inv.notes {
            let note = text(&report::note(note));
            screen_lines.extend(hang(
                "  ",
                wrap(&note, columns.saturating_sub(UNDER)),
                UNDER,
            ));
        }
    }
    screen_lines.push(String::new());
    if problems.is_empty() {
        screen_lines.push(style.paint(GREEN, "No problems found."));
    } else {
        screen_lines.push("Problems".to_string());
        screen_lines.extend(problem_lines(problems, &clean, screen));
    }
    if let Some(access) = repo {
        screen_lines.push(String::new());
        screen_lines.push(format!("Repository {}", text(&access.repo)));
        screen_lines.extend(hang(
            "  ",
            wrap(&text(&access.message), columns.saturating_sub(UNDER)),
            UNDER,
        ));
        if let Some(fix) = &access.fix {
            let fix = home.shorten_command(&clean.text(fix));
            screen_lines.extend(hang(
                "  fix: ",
                wrap_command(&fix, columns.saturating_sub(7)),
                7,
            ));
        }
    }
    // On a terminal too short for the screen, the verdict lines have scrolled away: say them
    // again last, where the eye is.
    if screen.rows.is_some_and(|r| screen_lines.len() >= r) {
        screen_lines.push(String::new());
        screen_lines.extend(top);
    }
    for line in screen_lines {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// `huggingface_hub uses`, `git sends` and, with git-xet, `git-xet sends`.
fn verdict_rows(inv: &Inventory, clean: &Clean, text: &dyn Fn(&str) -> String) -> Vec<Row> {
    let python = Row::new("huggingface_hub uses".to_string());
    let python = match (&inv.python, inv.python_entry()) {
        (Err(e), _) => python.fact(format!("cannot read its token: {}", text(e)), Tone::Bad),
        (Ok(None), _) => python.cell("no token"),
        (Ok(Some(_)), Some(e)) => {
            let token = e.token().expect("the entry of a token");
            token_facts(python.cell(text(&e.finding.source)), e, token, clean)
        }
        (Ok(Some(r)), None) => python.cell(text(&r.source.to_string())),
    };
    let git = Row::new(format!("git sends ({})", inv.target));
    let git = match inv.git.map(|i| &inv.entries[i]) {
        None => git.cell("nothing (git will prompt or fail)"),
        Some(e) => {
            let token = e.token().expect("git sends a token");
            let row = token_facts(git.cell(text(&e.finding.source)), e, token, clean);
            match inv.python_token() == Some(token) {
                true => row.fact("same as huggingface_hub", Tone::Good),
                false => row.fact("NOT huggingface_hub's token", Tone::Bad),
            }
        }
    };
    let mut rows = vec![python, git];
    if let Some(xet) = &inv.xet {
        let row = Row::new("git-xet sends (uploads)".to_string());
        rows.push(match xet.sends.map(|i| &inv.entries[i]) {
            None => row.cell("nothing"),
            Some(e) => {
                let token = e.token().expect("git-xet sends a token");
                token_facts(row.cell(text(&e.finding.source)), e, token, clean)
            }
        });
    }
    rows
}

/// `hf_****wxyz  3f2a9c1b0d4e` and the Hub's word on it (`valid: alice, laptop (write)`).
/// A Hub that did not answer is said once, above: its rows say `unchecked` alone.
fn token_facts(row: Row, e: &Entry, token: &Token, clean: &Clean) -> Row {
    let row = row.cell(format!("{}  {}", token.masked(), token.fingerprint()));
    let unchecked = |why: String| format!("unchecked ({})", clean.text(&why));
    match (&e.verdict, e.finding.scope()) {
        (Some(Verdict::Valid(Some(info))), _) => {
            row.fact(format!("valid: {}", clean.text(&who(info))), Tone::Good)
        }
        (Some(Verdict::Valid(None)), _) => row.fact("valid", Tone::Good),
        (Some(Verdict::Invalid), _) => row.fact("INVALID", Tone::Bad),
        (Some(Verdict::Unknown(why)), _) if why.unreachable().is_some() => {
            row.fact("unchecked", Tone::Neutral)
        }
        (Some(Verdict::Unknown(why)), _) => row.fact(unchecked(why.to_string()), Tone::Neutral),
        (Some(Verdict::Offline), _) => row.fact("unchecked (HF_HUB_OFFLINE is set)", Tone::Neutral),
        (None, Some(Scope::Unsent(why))) => row.fact(unchecked(why.clone()), Tone::Neutral),
        (None, _) => row.fact("unchecked", Tone::Neutral),
    }
}

/// The detail of a row, without the path its label already shows (`file:<path>`'s detail
/// `<path> (default)` is `(default)` on the screen).
fn detail(e: &Entry, text: &dyn Fn(&str) -> String) -> String {
    let detail = text(&e.finding.detail);
    let label = text(&e.finding.source);
    let path = match &e.finding.kind {
        Kind::TokenFile | Kind::CredentialFile(_) => label.split_once(':').map(|(_, p)| p),
        _ => None,
    };
    match path.filter(|p| !p.is_empty()) {
        Some(path) if detail == path => String::new(),
        Some(path) if detail.starts_with(&format!("{path} ")) => {
            detail[path.len()..].trim_start().to_string()
        }
        _ => detail,
    }
}

/// Each problem: its severity, code, message and fix, beside the code when every one fits
/// there, else under it.
fn problem_lines(problems: &[Problem], clean: &Clean, screen: &Screen) -> Vec<String> {
    let (home, style, columns) = (&screen.home, &screen.style, screen.columns);
    let said: Vec<(&Problem, String, String)> = problems
        .iter()
        .map(|p| {
            let message = home.shorten(&clean.text(&p.message));
            (p, message, home.shorten_command(&clean.text(&p.fix)))
        })
        .collect();
    let code_width = problems
        .iter()
        .map(|p| p.code.as_str().len())
        .max()
        .unwrap_or(0);
    let beside = 2 + 7 + 1 + code_width + 2;
    let fits = said.iter().all(|(_, message, fix)| {
        beside + message.chars().count() <= columns && beside + 5 + fix.chars().count() <= columns
    });
    let mut lines = Vec::new();
    for (p, message, fix) in said {
        let colour = match p.severity {
            Severity::Error => RED,
            Severity::Warning => YELLOW,
            Severity::Info => CYAN,
        };
        let severity = style.paint(colour, &format!("{:<7}", p.severity.name()));
        let code = p.code.as_str();
        if fits {
            lines.push(format!("  {severity} {code:<code_width$}  {message}"));
            lines.push(format!("  {:<7} {:<code_width$}  fix: {fix}", "", ""));
            continue;
        }
        // Under the code, as deep as the code.
        let under = 2 + 7 + 1;
        lines.push(format!("  {severity} {code}"));
        lines.extend(hang(
            &" ".repeat(under),
            wrap(&message, columns.saturating_sub(under)),
            under,
        ));
        let fix_at = under + "fix: ".len();
        lines.extend(hang(
            &format!("{:under$}fix: ", ""),
            wrap_command(&fix, columns.saturating_sub(fix_at)),
            fix_at,
        ));
    }
    lines
}

/// `hf_****wxyz  3f2a9c1b0d4e  valid: alice, laptop (write)`, for tests of the one-line form.
#[cfg(test)]
fn summary(e: &Entry, clean: &Clean) -> String {
    let token = e.token().expect("a token");
    let row = token_facts(Row::new(String::new()), e, token, clean);
    row.cells
        .iter()
        .map(|(c, _)| c.as_str())
        .collect::<Vec<_>>()
        .join("  ")
}

fn who(info: &WhoamiInfo) -> String {
    let role = info
        .role
        .as_deref()
        .or(info.auth_type.as_deref())
        .unwrap_or("?");
    let perms = info.permissions();
    let flag = |v: Option<bool>, name: &str| match v {
        Some(true) => Some(name.to_string()),
        Some(false) => Some(format!("no {name}")),
        None => None,
    };
    let extra: Vec<String> = [
        flag(perms.write, "write"),
        flag(perms.read_gated, "gated repos"),
        flag(perms.inference_providers, "inference"),
    ]
    .into_iter()
    .flatten()
    .collect();
    format!(
        "{}, {} ({role}; {})",
        info.user,
        info.token_name.as_deref().unwrap_or("unnamed token"),
        extra.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::origin::Origin;
    use crate::hub::verdict::NoVerdict;
    use crate::places::{Finding, Found};
    use crate::token::{Resolved, Source};
    use crate::ui::text::width;

    const HUB: &str = "https://huggingface.co";
    const HOME: &str = "/home/someone-with-a-long-name/and/folders";
    const PYTHON: &str = "hf_python-token-AAAA";

    fn entry(source: &str, kind: Kind, detail: &str, token: Option<&str>) -> Entry {
        Entry {
            finding: Finding {
                source: source.into(),
                kind,
                detail: detail.into(),
                found: match token {
                    Some(t) => Found::Present {
                        token: Token::new(t),
                        scope: Scope::Hub(HUB.into()),
                    },
                    None => Found::Absent,
                },
            },
            verdict: None,
        }
    }

    /// The token file (huggingface_hub's token), git's helper sending it, and a
    /// `.git-credentials` line with another token.
    fn inventory(verdict: Option<Verdict>) -> Inventory {
        let file = format!("{HOME}/.cache/huggingface/token");
        let creds = format!("{HOME}/.git-credentials");
        let mut entries = vec![
            entry(
                &format!("file:{file}"),
                Kind::TokenFile,
                &format!("{file} (default)"),
                Some(PYTHON),
            ),
            entry(
                "env:HUGGING_FACE_HUB_TOKEN",
                Kind::Env("HUGGING_FACE_HUB_TOKEN"),
                "legacy name, read when HF_TOKEN is unset",
                None,
            ),
            entry(
                "git-helper:hf",
                Kind::Helper {
                    ours: true,
                    before_ours: false,
                    after_ours: false,
                    helper: crate::git::helper::Helper::parse("hf"),
                    file: format!("{HOME}/.gitconfig"),
                },
                &format!("#1 `hf` (global: {HOME}/.gitconfig)"),
                Some(PYTHON),
            ),
            entry(
                &format!("git-credentials:{creds}"),
                Kind::CredentialFile(creds.clone().into()),
                &format!("{creds} (for https://huggingface.co, user hf_user)"),
                Some("hf_old-token-in-git-credentials-BBBB"),
            ),
        ];
        for e in &mut entries {
            e.verdict = verdict.clone();
        }
        Inventory {
            entries,
            target: Origin::from_url(HUB).unwrap(),
            python: Ok(Some(Resolved {
                token: Token::new(PYTHON),
                source: Source::File(file),
                expires_at: None,
            })),
            notes: Vec::new(),
            git: Some(2),
            helper_configured: true,
            xet: None,
            git_bearer: true,
            lfs_version: Some((3, 6)),
        }
    }

    fn screen(columns: usize, color: bool) -> Screen {
        Screen {
            style: Style { color },
            columns,
            rows: None,
            home: Home::new(Some(HOME)),
        }
    }

    fn rendered(inv: &Inventory, problems: &[Problem], screen: &Screen) -> String {
        let mut out = Vec::new();
        render(inv, problems, None, screen, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The table's row of `label`.
    fn row<'a>(text: &'a str, label: &str) -> &'a str {
        let start = format!("  {label}");
        text.lines()
            .find(|l| l.starts_with(&start))
            .unwrap_or_else(|| panic!("no row {label:?} in\n{text}"))
    }

    fn line_with<'a>(text: &'a str, needle: &str) -> &'a str {
        text.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?} in\n{text}"))
    }

    #[test]
    fn a_wide_screen_keeps_one_line_per_row_and_each_path_once() {
        let inv = inventory(None);
        let text = rendered(&inv, &[], &screen(200, false));
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("huggingface_hub uses "), "{text}");
        assert!(
            lines[1].starts_with("git sends (https://huggingface.co) "),
            "{text}"
        );
        // The verdict lines line up with the table.
        let column = |line: &str, what: &str| line.find(what).unwrap();
        let file_row = row(&text, "file:~/");
        assert_eq!(
            column(lines[0], "file:~/"),
            column(file_row, "hf_****AAAA"),
            "{text}"
        );
        // Each path once, under HOME as `~`.
        assert_eq!(
            file_row.split_whitespace().collect::<Vec<_>>(),
            [
                "file:~/.cache/huggingface/token",
                "hf_****AAAA",
                &Token::new(PYTHON).fingerprint(),
                "unchecked",
                "(default)"
            ]
        );
        let creds = row(&text, "git-credentials:");
        assert!(
            creds.starts_with("  git-credentials:~/.git-credentials "),
            "{creds}"
        );
        assert!(
            creds.ends_with("unchecked  (for https://huggingface.co, user hf_user)"),
            "{creds}"
        );
        assert!(!text.contains(HOME), "{text}");
        assert!(row(&text, "git-helper:hf").ends_with("#1 `hf` (global: ~/.gitconfig)"));
        // JSON keeps every path as it is.
        let json = serde_json::to_value(json(&inv, &[], None)).unwrap();
        assert_eq!(
            json["sources"][0]["detail"],
            format!("{HOME}/.cache/huggingface/token (default)")
        );
        assert_eq!(
            json["sources"][0]["source"],
            format!("file:{HOME}/.cache/huggingface/token")
        );
        assert!(json.get("unreachable").is_none(), "only when there is one");
    }

    #[test]
    fn a_narrow_screen_wraps_every_line_within_its_width() {
        let info = WhoamiInfo {
            user: "alice".into(),
            token_name: Some("a-token-with-a-long-display-name".into()),
            role: Some("write".into()),
            ..Default::default()
        };
        let inv = inventory(Some(Verdict::Valid(Some(info))));
        let problems = crate::diagnose::problems::diagnose(&inv);
        assert!(!problems.is_empty());
        for columns in [40, 60, 80, 100] {
            let text = rendered(&inv, &problems, &screen(columns, true));
            for line in text.lines() {
                assert!(width(line) <= columns, "{columns}: {line:?}\n{text}");
            }
            let lines: Vec<&str> = text.lines().collect();
            assert!(lines[0].contains("huggingface_hub uses"), "{text}");
            let git = lines.iter().position(|l| l.contains("git sends")).unwrap();
            let table = lines.iter().position(|l| l.starts_with("Where")).unwrap();
            assert!(git < table, "{text}");
            // Wrapped details stay under their row, indented.
            for line in lines.iter().skip_while(|l| !l.starts_with("Where")).skip(1) {
                if line.is_empty() {
                    break;
                }
                assert!(line.starts_with("  "), "{line:?}");
            }
        }
        let text = rendered(&inv, &problems, &screen(80, false));
        // A detail too long for the table's last column goes under its row.
        let creds = text
            .lines()
            .position(|l| l.starts_with("  git-credentials:~/.git-credentials"))
            .unwrap();
        let under = text.lines().nth(creds + 1).unwrap();
        assert!(under.starts_with("      "), "{text}");
    }

    #[test]
    fn a_row_takes_the_colour_of_its_worst_fact() {
        let colour = |code: &str| format!("\x1b[{code}m");
        // Invalid and the same as huggingface_hub's: the git line is red, nothing in it green.
        let inv = inventory(Some(Verdict::Invalid));
        let text = rendered(&inv, &[], &screen(200, true));
        let git = line_with(&text, "git sends");
        assert!(git.contains(&colour(RED)), "{git:?}");
        assert!(!git.contains(&colour(GREEN)), "{git:?}");
        assert!(git.contains(&format!("{}same as huggingface_hub", colour(RED))));
        // Valid and the same: green.
        let valid = inventory(Some(Verdict::Valid(None)));
        let text = rendered(&valid, &[], &screen(200, true));
        let git = line_with(&text, "git sends");
        assert!(
            git.contains(&colour(GREEN)) && !git.contains(&colour(RED)),
            "{git:?}"
        );
        // Unchecked and the same: not known to be good, so not green; the rows without a
        // token are not coloured at all.
        let text = rendered(&inventory(None), &[], &screen(200, true));
        let git = line_with(&text, "git sends");
        assert!(!git.contains('\x1b'), "{git:?}");
        assert!(!row(&text, "env:HUGGING_FACE_HUB_TOKEN").contains('\x1b'));
        // Valid but another token than huggingface_hub's: red.
        let mut other = inventory(Some(Verdict::Valid(None)));
        other.git = Some(3);
        let text = rendered(&other, &[], &screen(200, true));
        let git = line_with(&text, "git sends");
        assert!(
            git.contains(&colour(RED)) && !git.contains(&colour(GREEN)),
            "{git:?}"
        );
        // No colour without a terminal.
        assert!(!rendered(&other, &[], &screen(200, false)).contains('\x1b'));
    }

    #[test]
    fn a_hub_that_did_not_answer_is_said_once_and_its_rows_say_unchecked() {
        let chain = "whoami could not connect: error sending request for url (https://huggingface.co/api/whoami-v2): client error (Connect): tcp connect error: Connection refused (os error 111)";
        let inv = inventory(Some(Verdict::Unknown(NoVerdict::Unreachable(chain.into()))));
        let text = rendered(&inv, &[], &screen(80, false));
        assert_eq!(text.matches("did not answer").count(), 1, "{text}");
        assert!(!text.contains("tcp connect error"), "{text}");
        let said = "huggingface.co did not answer: could not connect: Connection refused (os error 111) (use";
        assert!(
            text.replace('\n', " ").replace("    ", "").contains(said),
            "{text}"
        );
        // After the verdict lines, before the table.
        let at = text.find("did not answer").unwrap();
        assert!(at > text.find("git sends").unwrap() && at < text.find("Where").unwrap());
        assert!(row(&text, "file:~/").ends_with("  unchecked"), "{text}");
        let json = serde_json::to_value(json(&inv, &[], None)).unwrap();
        assert_eq!(json["sources"][0]["valid"], serde_json::Value::Null);
        assert_eq!(json["unreachable"][0]["hub"], HUB);
        assert_eq!(
            json["unreachable"][0]["reason"],
            "could not connect: Connection refused (os error 111)"
        );
        // Other answers without a verdict keep their reason on the row.
        let busy = inventory(Some(Verdict::Unknown("the Hub answered HTTP 503".into())));
        let text = rendered(&busy, &[], &screen(200, false));
        assert!(!text.contains("did not answer"), "{text}");
        assert!(
            text.contains("unchecked (the Hub answered HTTP 503)"),
            "{text}"
        );
    }

    #[test]
    fn a_screen_taller_than_the_terminal_ends_with_the_verdict_lines() {
        let inv = inventory(None);
        let mut short = screen(80, false);
        short.rows = Some(8);
        let text = rendered(&inv, &[], &short);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("huggingface_hub uses"));
        let again = lines
            .iter()
            .rposition(|l| l.starts_with("huggingface_hub uses"))
            .unwrap();
        assert!(again > 0, "{text}");
        assert_eq!(lines[again..], lines[..lines.len() - again], "{text}");
        assert!(lines[again - 1].is_empty());
        short.rows = Some(100);
        let text = rendered(&inv, &[], &short);
        assert_eq!(text.matches("huggingface_hub uses").count(), 1, "{text}");
    }

    #[test]
    fn the_one_line_summary_of_a_token() {
        let inv = inventory(Some(Verdict::Offline));
        let clean = Clean {
            known: inv.tokens(),
        };
        assert_eq!(
            summary(&inv.entries[0], &clean),
            format!(
                "hf_****AAAA  {}  unchecked (HF_HUB_OFFLINE is set)",
                Token::new(PYTHON).fingerprint()
            )
        );
    }
}
