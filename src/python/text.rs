//! Python's text semantics the helper needs to match huggingface_hub to the letter:
//! `str.isspace`, `str.strip()`, `int(s)`, and the truthiness and `int()` of JSON values.

use serde_json::Value;

/// Python's `str.isspace`: Unicode White_Space plus the four ASCII information separators.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// The text of a file as Python's `Path.read_text()` decodes it: UTF-8, except on Windows
/// outside UTF-8 mode (PYTHONUTF8=1), where it is the ANSI code page. `None`: it does not
/// decode (Python raises).
pub fn read_text(bytes: Vec<u8>, utf8_mode: bool) -> Option<String> {
    #[cfg(windows)]
    if !utf8_mode && !bytes.is_ascii() {
        return ansi::decode(&bytes);
    }
    let _ = utf8_mode;
    String::from_utf8(bytes).ok()
}

#[cfg(windows)]
mod ansi {
    use windows_sys::Win32::Globalization::{CP_ACP, MB_ERR_INVALID_CHARS, MultiByteToWideChar};

    pub fn decode(bytes: &[u8]) -> Option<String> {
        let len = i32::try_from(bytes.len()).ok()?;
        // SAFETY: the input pointer and length describe `bytes`; the first call only sizes
        // the output, the second writes at most `wide.len()` units into it.
        unsafe {
            let n = MultiByteToWideChar(
                CP_ACP,
                MB_ERR_INVALID_CHARS,
                bytes.as_ptr(),
                len,
                std::ptr::null_mut(),
                0,
            );
            if n <= 0 {
                return None;
            }
            let mut wide = vec![0u16; n as usize];
            let written = MultiByteToWideChar(
                CP_ACP,
                MB_ERR_INVALID_CHARS,
                bytes.as_ptr(),
                len,
                wide.as_mut_ptr(),
                n,
            );
            String::from_utf16(&wide[..written.max(0) as usize]).ok()
        }
    }
}

/// `str.strip()`.
pub fn strip(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// Python's `int(s)` in base 10: surrounding whitespace, a sign, decimal digits of any script,
/// single underscores between digits. Out-of-range values saturate, which keeps their order.
pub fn parse_int(s: &str) -> Option<i64> {
    // int() strips str.isspace() characters except the ASCII information separators.
    let s = s.trim_matches(|c: char| is_space(c) && !('\x1c'..='\x1f').contains(&c));
    let (negative, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let mut value: i128 = 0;
    let mut after_digit = false;
    let mut any = false;
    for c in digits.chars() {
        if c == '_' {
            if !after_digit {
                return None;
            }
            after_digit = false;
            continue;
        }
        let d = decimal_value(c)?;
        value = (value * 10 + i128::from(d)).min(i128::from(i64::MAX) + 1);
        after_digit = true;
        any = true;
    }
    if !any || !after_digit {
        return None;
    }
    let value = if negative { -value } else { value };
    Some(value.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
}

/// `unicodedata.decimal`: every Unicode decimal digit sits in a run of ten from a zero.
fn decimal_value(c: char) -> Option<u32> {
    /// The zeros of Unicode 14.0 (Python 3.11), generated from `unicodedata.decimal`.
    const ZEROS: &[u32] = &[
        0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66,
        0xde6, 0xe50, 0xed0, 0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90,
        0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0,
        0xff10, 0x104a0, 0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0,
        0x11650, 0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60, 0x16ac0,
        0x16b50, 0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
    ];
    let cp = c as u32;
    let i = ZEROS.partition_point(|&z| z <= cp).checked_sub(1)?;
    let d = cp - ZEROS[i];
    (d < 10).then_some(d)
}

/// Python's `int(v)` for a JSON value; saturates like `parse_int`.
pub fn json_int(v: &Value) -> Option<i64> {
    match v {
        Value::Bool(b) => Some(i64::from(*b)),
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_u64().map(|_| i64::MAX))
            .or_else(|| n.as_f64().map(|f| f.trunc() as i64)),
        Value::String(s) => parse_int(s),
        _ => None,
    }
}

/// Python's `bool(v)` for a JSON value.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_int() {
        let cases: &[(&str, Option<i64>)] = &[
            ("17", Some(17)),
            (" 12 ", Some(12)),
            ("+5", Some(5)),
            ("-5", Some(-5)),
            ("1_000", Some(1000)),
            ("007", Some(7)),
            ("\u{661}\u{662}", Some(12)),
            ("\u{ff11}\u{ff10}", Some(10)),
            ("\u{3000}7\u{85}", Some(7)),
            ("99999999999999999999999", Some(i64::MAX)),
            ("-99999999999999999999999", Some(i64::MIN)),
            ("_1", None),
            ("1_", None),
            ("1__0", None),
            ("+-5", None),
            ("", None),
            (" ", None),
            ("1.0", None),
            ("0x10", None),
            ("1 2", None),
            ("7\x1c", None),
            ("abc", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_int(text), *want, "{text:?}");
        }
    }
}
