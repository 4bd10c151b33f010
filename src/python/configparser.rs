//! Python's `configparser.ConfigParser(interpolation=None)`, as huggingface_hub reads and
//! writes `stored_tokens` with it: sections of `key = value` options, read with every rule of
//! `RawConfigParser._read` and written as `write()` does. Nothing here knows what the values
//! mean.

use crate::python::text::{is_space, strip};

/// One section as `dict(config.items(name))` has it: DEFAULT's keys first, overridden by the
/// section's own, in order.
#[derive(Clone, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    pub options: Vec<(String, String)>,
}

impl Section {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Values are secrets (tokens) in the one file this reads: never shown.
impl std::fmt::Debug for Section {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys: Vec<&str> = self.options.iter().map(|(k, _)| k.as_str()).collect();
        write!(f, "Section({:?}, keys {keys:?})", self.name)
    }
}

/// The text as `write()` produces it: `[name]`, `key = value` (a newline in a value becomes
/// newline + tab), a blank line, for each section in the order given.
pub fn render<'a>(sections: impl IntoIterator<Item = (&'a str, &'a [(String, String)])>) -> String {
    let mut out = String::new();
    for (name, options) in sections {
        out.push('[');
        out.push_str(name);
        out.push_str("]\n");
        for (key, value) in options {
            out.push_str(key);
            out.push_str(" = ");
            out.push_str(&value.replace('\n', "\n\t"));
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

const DEFAULT_SECTION: &str = "DEFAULT";

#[derive(Clone, Copy, PartialEq)]
enum Cursor {
    None,
    Default,
    Section(usize),
}

type Options = Vec<(String, Vec<String>)>;

/// `RawConfigParser._read` with the default options (delimiters `=` `:`, comment prefixes `#`
/// `;` on whole lines only, strict, empty lines kept in values), then `items()` per section.
/// Errors name lines and sections, never a value.
pub fn parse(text: &str) -> Result<Vec<Section>, String> {
    // Python opens the file with universal newlines.
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut defaults: Options = Vec::new();
    let mut sections: Vec<(String, Options)> = Vec::new();
    let mut added: Vec<(String, Option<String>)> = Vec::new();
    let mut cur = Cursor::None;
    let mut sectname = String::new();
    let mut optname: Option<String> = None;
    let mut indent_level = 0usize;
    let mut bad_line: Option<usize> = None;

    for (i, line) in text.split_inclusive('\n').enumerate() {
        let lineno = i + 1;
        let stripped = strip(line);
        let comment = stripped.starts_with('#') || stripped.starts_with(';');
        let value = if comment { "" } else { stripped };
        let opts = match cur {
            Cursor::None => None,
            Cursor::Default => Some(&mut defaults),
            Cursor::Section(i) => Some(&mut sections[i].1),
        };
        if value.is_empty() {
            if !comment && let (Some(opts), Some(name)) = (opts, &optname) {
                push_line(opts, name, String::new());
            }
            continue;
        }
        let indent = line.chars().take_while(|c| is_space(*c)).count();
        if let (Some(opts), Some(name)) = (opts, &optname)
            && indent > indent_level
        {
            push_line(opts, name, value.to_string());
            continue;
        }
        indent_level = indent;
        if let Some(header) = section_header(value) {
            sectname = header.to_string();
            if header == DEFAULT_SECTION {
                cur = Cursor::Default;
            } else {
                if added.iter().any(|(s, o)| *s == sectname && o.is_none()) {
                    return Err(format!(
                        "section [{sectname}] appears twice (line {lineno})"
                    ));
                }
                added.push((sectname.clone(), None));
                sections.push((sectname.clone(), Vec::new()));
                cur = Cursor::Section(sections.len() - 1);
            }
            optname = None;
            continue;
        }
        if cur == Cursor::None {
            return Err(format!("line {lineno} comes before any [section] header"));
        }
        let Some(delim) = value.find(['=', ':']) else {
            bad_line.get_or_insert(lineno);
            continue;
        };
        let key = value[..delim].trim_end_matches(is_space).to_lowercase();
        if key.is_empty() {
            bad_line.get_or_insert(lineno);
            optname = None;
            continue;
        }
        let slot = (sectname.clone(), Some(key.clone()));
        if added.contains(&slot) {
            return Err(format!(
                // The key is not shown: on a mangled line it could be part of a token.
                "a key appears twice in section [{sectname}] (line {lineno})"
            ));
        }
        added.push(slot);
        let opts = match cur {
            Cursor::Default => &mut defaults,
            Cursor::Section(i) => &mut sections[i].1,
            Cursor::None => unreachable!("checked above"),
        };
        opts.push((key.clone(), vec![strip(&value[delim + 1..]).to_string()]));
        optname = Some(key);
    }
    if let Some(lineno) = bad_line {
        return Err(format!("line {lineno} is not `key = value`"));
    }

    let join = |lines: &[String]| lines.join("\n").trim_end_matches(is_space).to_string();
    Ok(sections
        .into_iter()
        .map(|(name, opts)| {
            // `items()`: DEFAULT's keys first, overridden by the section's own values.
            let mut fields: Vec<(String, String)> =
                defaults.iter().map(|(k, v)| (k.clone(), join(v))).collect();
            for (k, v) in &opts {
                match fields.iter_mut().find(|(fk, _)| fk == k) {
                    Some(slot) => slot.1 = join(v),
                    None => fields.push((k.clone(), join(v))),
                }
            }
            Section {
                name,
                options: fields,
            }
        })
        .collect())
}

fn push_line(opts: &mut Options, name: &str, line: String) {
    if let Some((_, lines)) = opts.iter_mut().find(|(k, _)| k == name) {
        lines.push(line);
    }
}

/// `SECTCRE.match`: `\[(?P<header>.+)\]` at the start, the header running to the last `]`.
fn section_header(value: &str) -> Option<&str> {
    let rest = value.strip_prefix('[')?;
    let close = rest.rfind(']')?;
    (close > 0).then(|| &rest[..close])
}
