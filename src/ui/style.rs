//! Colour: only on a terminal, never with NO_COLOR.

#[derive(Clone, Copy, Debug, Default)]
pub struct Style {
    pub color: bool,
}

pub const GREEN: &str = "32";
pub const RED: &str = "31";
pub const YELLOW: &str = "33";
pub const CYAN: &str = "36";

impl Style {
    pub fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}
