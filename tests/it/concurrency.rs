//! 64 helper processes at once against a slow whoami (500 ms): every get answers correctly,
//! the cache is never seen half-written or left corrupt, and the gets share one whoami call
//! through the cache lock. Erases bypass the cache by design (each re-checks), so they are
//! counted apart.

use crate::support::{Out, TestCmd, TestEnv};
use hub_imitation::{Hub, TokenInfo, WhoamiMode};
use serde_json::Value;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

const TOKEN: &str = "hf_ConcurrencyTokenCCCCCCCCCCCCCCCCCCCCCC";
const REVOKED: &str = "hf_ConcurrencyRevokedRRRRRRRRRRRRRRRRRRRR";
const PROCESSES: usize = 64;
const CACHE: &str = ".cache/git-credential-hf/whoami.json";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Get,
    /// git approves our token.
    Store,
    /// git approves someone else's password: ignored.
    StoreForeign,
    Erase,
}

fn setup(token: &str) -> (TestEnv, Hub) {
    let hub = Hub::start();
    hub.add_token(TOKEN, TokenInfo::write("alice", "laptop"));
    hub.set_whoami_mode(WhoamiMode::Slow(Duration::from_millis(500)));
    let env = TestEnv::new();
    env.secret(TOKEN);
    env.secret(REVOKED);
    env.set_env("HF_TOKEN", token);
    env.set_env("HF_ENDPOINT", &hub.url());
    (env, hub)
}

fn command(env: &TestEnv, hub: &Hub, op: Op, token: &str) -> TestCmd {
    let origin = format!("protocol=http\nhost=127.0.0.1:{}\n", hub.port());
    let approved = |password: &str| format!("{origin}username=git\npassword={password}\n\n");
    match op {
        Op::Get => env
            .cmd(&["get"])
            .allow_password_line()
            .stdin(format!("{origin}\n")),
        Op::Store => env.cmd(&["store"]).stdin(approved(token)),
        Op::StoreForeign => env.cmd(&["store"]).stdin(approved("not-a-hub-token")),
        Op::Erase => env.cmd(&["erase"]).stdin(approved(token)),
    }
}

/// Starts all commands at once (behind a barrier) while a reader keeps parsing the cache
/// file; returns each command's output and how many reads of the cache were made.
fn run_at_once(env: &TestEnv, cmds: Vec<(Op, TestCmd)>) -> (Vec<(Op, Out)>, usize) {
    let barrier = Arc::new(Barrier::new(cmds.len() + 1));
    let done = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));
    let reader = {
        let (path, done, reads) = (env.path(CACHE), done.clone(), reads.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::SeqCst) {
                if let Ok(text) = std::fs::read_to_string(&path) {
                    serde_json::from_str::<Value>(&text)
                        .unwrap_or_else(|e| panic!("half-written cache: {e}"));
                    reads.fetch_add(1, Ordering::SeqCst);
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    let handles: Vec<_> = cmds
        .into_iter()
        .map(|(op, cmd)| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                (op, cmd.run())
            })
        })
        .collect();
    barrier.wait();
    let outs = handles.into_iter().map(|h| h.join().unwrap()).collect();
    done.store(true, Ordering::SeqCst);
    reader.join().expect("the cache was always whole");
    (outs, reads.load(Ordering::SeqCst))
}

/// The cache after the storm: whole, one entry, with this verdict, and no temp files.
fn assert_cache(env: &TestEnv, valid: bool) {
    let text = std::fs::read_to_string(env.path(CACHE)).unwrap();
    let json: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("corrupt cache: {e}\n{text}"));
    let Some(Value::Object(entries)) = json.get("entries") else {
        panic!("{text}")
    };
    assert_eq!(entries.len(), 1, "{text}");
    assert_eq!(
        entries.values().next().unwrap().get("valid"),
        Some(&Value::Bool(valid)),
        "{text}"
    );
    for entry in std::fs::read_dir(env.path(".cache/git-credential-hf")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.ends_with(".tmp"), "temp file left: {name}");
    }
}

fn batch(env: &TestEnv, hub: &Hub, token: &str, ops: impl Fn(usize) -> Op) -> Vec<(Op, Out)> {
    let cmds = (0..PROCESSES)
        .map(|i| (ops(i), command(env, hub, ops(i), token)))
        .collect();
    let (outs, reads) = run_at_once(env, cmds);
    eprintln!("  ({reads} reads of the cache during the batch, all whole)");
    for (op, out) in &outs {
        assert_eq!(out.code, 0, "{op:?}: {}", out.stderr);
        if *op == Op::Get {
            let expected = (token == TOKEN).then_some(TOKEN);
            assert_eq!(out.field("password").as_deref(), expected, "{}", out.stderr);
        }
    }
    outs
}

#[test]
fn sixty_four_gets_share_one_whoami() {
    let (env, hub) = setup(TOKEN);
    batch(&env, &hub, TOKEN, |_| Op::Get);
    let calls = hub.whoami_calls();
    eprintln!("64 concurrent gets: {calls} whoami call(s)");
    assert_eq!(calls, 1);
    assert_cache(&env, true);
}

#[test]
fn sixty_four_gets_of_a_revoked_token_share_one_whoami_and_all_refuse() {
    let (env, hub) = setup(REVOKED);
    let outs = batch(&env, &hub, REVOKED, |_| Op::Get);
    assert!(outs.iter().all(|(_, o)| o.stderr.contains("was rejected")));
    let calls = hub.whoami_calls();
    eprintln!("64 concurrent gets of a revoked token: {calls} whoami call(s)");
    assert_eq!(calls, 1);
    assert_cache(&env, false);
}

#[test]
fn gets_and_stores_mixed() {
    let (env, hub) = setup(TOKEN);
    // 40 gets, 12 stores of our token, 12 of a foreign password, interleaved.
    let op = |i: usize| match i % 16 {
        0..=9 => Op::Get,
        10..=12 => Op::Store,
        _ => Op::StoreForeign,
    };
    batch(&env, &hub, TOKEN, op);
    let calls = hub.whoami_calls();
    eprintln!("40 gets + 24 stores at once: {calls} whoami call(s)");
    // A store of our token may record "valid" before the first get asks: 0 or 1.
    assert!(calls <= 1, "{calls}");
    assert_cache(&env, true);
}

#[test]
fn gets_stores_and_erases_mixed() {
    let (env, hub) = setup(TOKEN);
    // 32 gets, 16 stores (half foreign), 16 erases, interleaved.
    let op = |i: usize| match i % 4 {
        0 | 1 => Op::Get,
        2 => match i % 8 {
            2 => Op::Store,
            _ => Op::StoreForeign,
        },
        _ => Op::Erase,
    };
    let outs = batch(&env, &hub, TOKEN, op);
    let erases = outs.iter().filter(|(op, _)| *op == Op::Erase).count();
    for (_, out) in outs.iter().filter(|(op, _)| *op == Op::Erase) {
        assert!(
            out.stderr.contains("the Hub says it is valid"),
            "{}",
            out.stderr
        );
    }
    let calls = hub.whoami_calls();
    let by_gets = calls - erases;
    eprintln!(
        "32 gets + 16 stores + {erases} erases at once: {calls} whoami calls, {by_gets} by gets"
    );
    assert!(by_gets <= 1, "{by_gets} whoami calls by gets");
    assert_cache(&env, true);
}
