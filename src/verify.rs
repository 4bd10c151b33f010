//! Is a token valid? The cache first, then one whoami call shared by all helper processes
//! that ask at the same moment.

use crate::cache::{self, Entry};
use crate::commands::Ctx;
use crate::hub::{Whoami, WhoamiInfo};
use crate::secret::Token;

#[derive(Debug)]
pub enum Verdict {
    Valid(Option<WhoamiInfo>),
    Invalid,
    /// No verdict could be had; the token is sent anyway.
    Unknown(String),
    /// HF_HUB_OFFLINE: nothing is checked.
    Offline,
}

/// The verdict for `token` at `api_base`, from the cache when it has a usable one.
pub fn cached(ctx: &Ctx, api_base: &str, token: &Token) -> Verdict {
    let key = cache::key(api_base, token);
    let known = ctx.cache.as_ref().and_then(|c| c.lookup(&key));
    if let Some(verdict) = settle(known, ctx.settings.offline) {
        return verdict;
    }
    let Some(cache) = &ctx.cache else {
        return ask_hub(ctx, api_base, token);
    };
    let (_lock, waited) = match cache.lock(ctx.deadline()) {
        Ok(Some(held)) => held,
        Ok(None) => {
            return Verdict::Unknown("another git-credential-hf is still asking the Hub".into());
        }
        // Our cache folder is unusable: check as if there were no cache.
        Err(_) => return ask_hub(ctx, api_base, token),
    };
    if let Some(entry) = cache.lookup(&key) {
        return from_entry(entry);
    }
    if waited {
        // The process we waited for got no verdict either: do not queue up behind it.
        return Verdict::Unknown("another git-credential-hf got no answer from the Hub".into());
    }
    ask_hub(ctx, api_base, token)
}

/// A verdict straight from the Hub, bypassing (and then updating) the cache.
pub fn fresh(ctx: &Ctx, api_base: &str, token: &Token) -> Verdict {
    if ctx.settings.offline {
        return Verdict::Offline;
    }
    ask_hub(ctx, api_base, token)
}

/// Records that `token` just worked (git's `store`), unless a recent verdict already says so.
pub fn confirm(ctx: &Ctx, api_base: &str, token: &Token) {
    let Some(cache) = &ctx.cache else { return };
    let key = cache::key(api_base, token);
    let known = cache.lookup(&key);
    if known
        .as_ref()
        .is_some_and(|e| e.valid && cache::now().saturating_sub(e.checked_at) < 3600)
    {
        return;
    }
    let info = known.and_then(|e| e.info);
    let _ = cache.record(&key, Entry::valid(info));
}

fn ask_hub(ctx: &Ctx, api_base: &str, token: &Token) -> Verdict {
    match ctx.hub() {
        Ok(client) => adopt(
            ctx,
            api_base,
            token,
            client.whoami(api_base, token, ctx.deadline()),
        ),
        Err(e) => Verdict::Unknown(format!("cannot set up HTTPS: {e:#}")),
    }
}

/// The verdict of a whoami answer, recorded in the cache when it is one. For callers that
/// ask whoami themselves (several tokens at once, on threads sharing one `HubClient`).
pub fn adopt(ctx: &Ctx, api_base: &str, token: &Token, answer: Whoami) -> Verdict {
    let (verdict, entry) = match answer {
        Whoami::Valid(info) => (Verdict::Valid(Some(info.clone())), Entry::valid(Some(info))),
        Whoami::Invalid => (Verdict::Invalid, Entry::invalid()),
        Whoami::Unknown(reason) => return Verdict::Unknown(reason),
    };
    if let Some(cache) = &ctx.cache {
        let _ = cache.record(&cache::key(api_base, token), entry);
    }
    verdict
}

/// The verdict that needs no network: what the cache knows, else Offline when the network is
/// off. HF_HUB_OFFLINE skips the Hub, not what the Hub already said: a token known to be
/// invalid is still not sent.
fn settle(known: Option<Entry>, offline: bool) -> Option<Verdict> {
    match known {
        Some(entry) => Some(from_entry(entry)),
        None => offline.then_some(Verdict::Offline),
    }
}

fn from_entry(entry: Entry) -> Verdict {
    match entry.valid {
        true => Verdict::Valid(entry.info),
        false => Verdict::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_skips_the_network_not_the_cache() {
        for offline in [false, true] {
            assert!(matches!(
                settle(Some(Entry::invalid()), offline),
                Some(Verdict::Invalid)
            ));
            assert!(matches!(
                settle(Some(Entry::valid(None)), offline),
                Some(Verdict::Valid(None))
            ));
        }
        assert!(matches!(settle(None, true), Some(Verdict::Offline)));
        assert!(settle(None, false).is_none(), "online: ask the Hub");
    }
}
