//! Text for a screen of a given width: its width in columns, word wrapping, and paths under
//! HOME shortened to `~`. All of it works on plain text: colour is painted after the layout.

/// Columns `text` takes: its characters, ANSI escape sequences (`ESC [ ... letter`) not
/// counted (the layout measures plain text; this checks painted lines in tests).
#[cfg(test)]
pub fn width(text: &str) -> usize {
    let mut n = 0;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // CSI: parameters up to the final letter.
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        n += 1;
    }
    n
}

/// `text` in lines of at most `columns` characters, broken at spaces. A word longer than a
/// line is cut, after a `/` (or `,`, `-`) when it has one in reach, else at the edge: no line
/// is ever longer than `columns`.
pub fn wrap(text: &str, columns: usize) -> Vec<String> {
    let columns = columns.max(1);
    if text.chars().count() <= columns {
        return vec![text.to_string()];
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let mut word = word.to_string();
        let mut len = word.chars().count();
        if used > 0 && used + 1 + len <= columns {
            line.push(' ');
            line.push_str(&word);
            used += 1 + len;
            continue;
        }
        if used > 0 {
            lines.push(std::mem::take(&mut line));
        }
        while len > columns {
            let (head, tail) = cut(&word, columns);
            lines.push(head);
            word = tail;
            len = word.chars().count();
        }
        line = word;
        used = len;
    }
    if used > 0 || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// A word longer than `columns`: its first line and the rest.
fn cut(word: &str, columns: usize) -> (String, String) {
    let chars: Vec<char> = word.chars().collect();
    let at = (columns.div_ceil(2).max(1)..=columns)
        .rev()
        .find(|&i| matches!(chars[i - 1], '/' | ',' | '-'))
        .unwrap_or(columns);
    (chars[..at].iter().collect(), chars[at..].iter().collect())
}

/// A command (a fix) in lines of at most `columns`: whole when it fits; else broken after a
/// `|` of a pipeline first (a shell reads a line ending in `|` as continued), then at spaces.
pub fn wrap_command(text: &str, columns: usize) -> Vec<String> {
    if text.chars().count() <= columns {
        return vec![text.to_string()];
    }
    let parts: Vec<&str> = text.split(" | ").collect();
    let last = parts.len() - 1;
    parts
        .iter()
        .enumerate()
        .flat_map(|(i, part)| match i == last {
            true => wrap(part, columns),
            false => wrap(&format!("{part} |"), columns),
        })
        .collect()
}

/// Lines `indent` spaces in, the first one starting with `first` (then the text's first
/// line), each at most `columns` wide.
pub fn hang(first: &str, lines: Vec<String>, indent: usize) -> Vec<String> {
    lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| match i {
            0 => format!("{first}{l}"),
            _ => format!("{:indent$}{l}", ""),
        })
        .collect()
}

/// HOME, for shortening the paths under it to `~` on the screen.
#[derive(Clone, Debug, Default)]
pub struct Home(Option<String>);

impl Home {
    /// `None`, `/` and relative folders shorten nothing.
    pub fn new(home: Option<&str>) -> Home {
        let home = home.map(|h| h.trim_end_matches('/')).filter(|h| {
            h.starts_with('/') && h.len() > 1 && !h.contains(|c: char| c.is_whitespace())
        });
        Home(home.map(str::to_string))
    }

    /// Every path under HOME in `text` as `~/...` (and HOME itself as `~`), where the path
    /// starts a word (after a space, `(`, `` ` ``, `'`, `"`, `:` or `=`, or at the start).
    pub fn shorten(&self, text: &str) -> String {
        self.replace(text, &|before: &str| {
            before
                .chars()
                .last()
                .is_none_or(|c| c.is_whitespace() || "(`'\":=".contains(c))
        })
    }

    /// The same for a command a shell will read: only where `~` would be expanded (at the
    /// start of a word, outside quotes).
    pub fn shorten_command(&self, text: &str) -> String {
        self.replace(text, &|before: &str| {
            let unquoted = before.matches('\'').count().is_multiple_of(2)
                && before.matches('"').count().is_multiple_of(2);
            unquoted
                && before
                    .chars()
                    .last()
                    .is_none_or(|c| c.is_whitespace() || c == '`')
        })
    }

    fn replace(&self, text: &str, starts_word: &dyn Fn(&str) -> bool) -> String {
        let Some(home) = &self.0 else {
            return text.to_string();
        };
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(i) = rest.find(home.as_str()) {
            let after = &rest[i + home.len()..];
            let ends = after
                .chars()
                .next()
                .is_none_or(|c| c == '/' || c.is_whitespace() || ")`'\",:;".contains(c));
            out.push_str(&rest[..i]);
            let before = format!("{}{}", &text[..text.len() - rest.len()], &rest[..i]);
            match ends && starts_word(&before) {
                true => out.push('~'),
                false => out.push_str(home),
            }
            rest = after;
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_skips_colour_codes() {
        assert_eq!(width("\x1b[31mINVALID\x1b[0m"), 7);
        assert_eq!(width("hf_****AAAA"), 11);
        assert_eq!(width(""), 0);
    }

    #[test]
    fn wrapping_breaks_at_spaces_and_cuts_only_words_longer_than_a_line() {
        assert_eq!(wrap("a bb ccc", 4), ["a bb", "ccc"]);
        assert_eq!(wrap("short", 80), ["short"]);
        assert_eq!(wrap("", 10), [""]);
        assert_eq!(
            wrap("two  spaces kept when it fits", 80),
            ["two  spaces kept when it fits"]
        );
        // A path longer than the line is cut after a slash in reach.
        let lines = wrap("see /tmp/a-long-folder/another-folder/file now", 20);
        assert_eq!(
            lines,
            ["see", "/tmp/a-long-folder/", "another-folder/file", "now"]
        );
        // No slash in reach: cut at the edge.
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        for columns in 1..30 {
            for line in wrap(
                "the quick brown-fox/jumps over the lazy dog's back",
                columns,
            ) {
                assert!(line.chars().count() <= columns, "{columns}: {line:?}");
            }
        }
    }

    #[test]
    fn commands_break_after_a_pipe_first() {
        let fix =
            "printf 'protocol=https\\nhost=huggingface.co\\n\\n' | git credential-store erase";
        assert_eq!(wrap_command(fix, 100), [fix]);
        assert_eq!(
            wrap_command(fix, 60),
            [
                "printf 'protocol=https\\nhost=huggingface.co\\n\\n' |",
                "git credential-store erase"
            ]
        );
        assert_eq!(wrap_command("unset HF_TOKEN", 8), ["unset", "HF_TOKEN"]);
    }

    #[test]
    fn hanging_lines() {
        let lines = hang("  fix: ", vec!["a".into(), "b".into()], 7);
        assert_eq!(lines, ["  fix: a", "       b"]);
    }

    #[test]
    fn paths_under_home_become_tilde_and_nothing_else_does() {
        let home = Home::new(Some("/home/al/"));
        assert_eq!(
            home.shorten("file:/home/al/.cache/huggingface/token"),
            "file:~/.cache/huggingface/token"
        );
        assert_eq!(
            home.shorten("in /home/al/.netrc (none), (global: /home/al/.gitconfig)"),
            "in ~/.netrc (none), (global: ~/.gitconfig)"
        );
        assert_eq!(home.shorten("HOME is /home/al"), "HOME is ~");
        // Another folder that starts the same, or a path that merely contains HOME.
        assert_eq!(home.shorten("/home/alice/x"), "/home/alice/x");
        assert_eq!(home.shorten("/srv/home/al/x"), "/srv/home/al/x");
        // Commands: only where a shell expands `~`.
        assert_eq!(
            home.shorten_command("delete the Hub line from /home/al/.git-credentials"),
            "delete the Hub line from ~/.git-credentials"
        );
        for kept in [
            "git credential-store --file=/home/al/creds erase",
            "sed -i '' '/home/al/x'",
            "run \"/home/al/bin/x\"",
        ] {
            assert_eq!(home.shorten_command(kept), kept);
        }
        assert_eq!(
            home.shorten_command("run `git-credential-hf setup --file /home/al/.gitconfig`"),
            "run `git-credential-hf setup --file ~/.gitconfig`"
        );
        for none in [None, Some("/"), Some(""), Some("relative")] {
            assert_eq!(Home::new(none).shorten("/home/al/x"), "/home/al/x");
        }
    }
}
