//! huggingface_hub's `tabulate`: columns as wide as their widest cell, left-aligned, one
//! space apart, a dashed rule under the headers.

pub fn tabulate(headers: &[&str], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..headers.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([headers[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        cells
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    let mut lines = vec![
        line(&mut headers.iter().copied()),
        line(&mut rule.iter().map(String::as_str)),
    ];
    lines.extend(rows.iter().map(|r| line(&mut r.iter().map(String::as_str))));
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn tables_like_huggingface_hub() {
        let rows = vec![
            vec!["".into(), "ci-read".into(), "hf_****YYYY".into()],
            vec!["*".into(), "laptop".into(), "hf_****XXXX".into()],
        ];
        let fixture = include_str!("../../tests/fixtures/huggingface_hub-2.4/hf-auth-list.txt");
        assert_eq!(
            format!("{}\n", super::tabulate(&[" ", "name", "token"], &rows)),
            fixture
        );
    }
}
