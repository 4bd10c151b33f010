//! The floor under a warm `get`: a dependency-free Rust program doing the same I/O (read the
//! request up to its blank line, read the token file and the cache file, print two lines).
//! bench/run.sh builds it with `rustc -O` to show what any Rust helper pays before its own work.
//! Usage: floor TOKEN_FILE CACHE_FILE < request

use std::io::{BufRead, Write};

fn main() {
    let mut args = std::env::args_os().skip(1);
    let (token_file, cache_file) = (args.next().unwrap(), args.next().unwrap());
    let mut line = String::new();
    let mut input = std::io::stdin().lock();
    while input.read_line(&mut line).unwrap() > 0 && !line.ends_with("\n\n") {}
    let token = std::fs::read_to_string(token_file).unwrap();
    let cache = std::fs::read(cache_file).unwrap();
    let mut out = std::io::stdout().lock();
    writeln!(out, "username=git\npassword={}", token.trim()).unwrap();
    std::hint::black_box(cache);
}
