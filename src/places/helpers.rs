//! The credential helper chain git would run for the target, and what each helper answers
//! (this helper answers huggingface_hub's token; the others are asked through git).

use super::{Finding, Kind, Look, Place};
use crate::git::helper::{self, Helper};
use std::time::Duration;

/// Another helper gets this long to answer: a desktop keyring may never do.
const ASK_TIMEOUT: Duration = Duration::from_secs(3);

pub struct Helpers;

impl Place for Helpers {
    fn find(&self, look: &Look) -> Vec<Finding> {
        let target = look.target;
        let none = |detail: String| {
            let kind = Kind::Helper {
                ours: false,
                before_ours: false,
                after_ours: false,
                helper: Helper::Shell(String::new()),
                file: String::new(),
            };
            Finding::absent("git-helper", kind, detail)
        };
        let chain = match helper::chain(look.git, target, look.cwd) {
            Ok(chain) if chain.is_empty() => {
                return vec![none(format!("no credential helper for {target}"))];
            }
            Ok(chain) => chain,
            Err(e) => return vec![none(e.to_string())],
        };
        let ours_at = chain.iter().position(|c| c.helper.is_ours());
        chain
            .iter()
            .enumerate()
            .map(|(i, configured)| {
                let ours = Some(i) == ours_at;
                let (answer, note) = match ours {
                    true => (look.python.cloned(), None),
                    false => match helper::ask(look.git, &configured.value, target, ASK_TIMEOUT) {
                        Ok(a) => (a.map(|a| a.token), None),
                        Err(e) => (None, Some(e)),
                    },
                };
                let mut detail = format!(
                    "#{} `{}` ({}: {})",
                    i + 1,
                    configured.value,
                    configured.scope,
                    configured.file
                );
                if let Some(n) = note {
                    detail.push_str(&format!("; {n}"));
                }
                let source = format!("git-helper:{}", configured.helper.name());
                let kind = Kind::Helper {
                    ours,
                    before_ours: ours_at.is_some_and(|o| i < o),
                    after_ours: ours_at.is_some_and(|o| i > o),
                    helper: configured.helper.clone(),
                    file: configured.file.clone(),
                };
                match answer {
                    Some(token) => Finding::present(source, kind, detail, token, look.target()),
                    None => Finding::absent(source, kind, detail),
                }
            })
            .collect()
    }
}
