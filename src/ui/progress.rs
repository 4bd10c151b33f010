//! `status`'s progress line: on a terminal only, once the Hub's answers take longer than a
//! moment (`inventory::PATIENCE`), and wiped when they are in, so the screen starts clean.

use crate::diagnose::inventory::Progress;
use crate::diagnose::report;
use std::io::Write;

/// Writes the line on `err` (a terminal) and clears it with spaces: no escape sequence, so
/// any terminal, `TERM=dumb` included, shows it right.
pub struct Line<'a> {
    err: &'a mut dyn Write,
    shown: usize,
}

impl<'a> Line<'a> {
    pub fn new(err: &'a mut dyn Write) -> Line<'a> {
        Line { err, shown: 0 }
    }
}

impl Progress for Line<'_> {
    fn waiting(&mut self, pending: usize, hubs: &[String]) {
        let line = report::checking(pending, hubs);
        self.shown = line.chars().count();
        // A progress line that cannot be written is no reason to stop.
        let _ = write!(self.err, "{line}");
        let _ = self.err.flush();
    }

    fn done(&mut self) {
        if self.shown > 0 {
            let _ = write!(self.err, "\r{:w$}\r", "", w = self.shown);
            let _ = self.err.flush();
            self.shown = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_is_wiped_when_done() {
        let mut err = Vec::new();
        let mut line = Line::new(&mut err);
        line.waiting(2, &["huggingface.co".into()]);
        line.done();
        line.done();
        let text = String::from_utf8(err).unwrap();
        let said = "checking 2 tokens with huggingface.co...";
        assert_eq!(text, format!("{said}\r{}\r", " ".repeat(said.len())));
    }
}
