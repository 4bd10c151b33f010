//! The Linux executable is linked without PIE. git starts us for every request (git-lfs once
//! per batch, git-xet once per file), and as a PIE the loader patches about 9,600 relative
//! relocations at each start: a quarter of a warm `get`'s instructions, which made a fill
//! through git cost more than one through `credential-store` (issue 20). ASLR still moves the
//! stack, the heap and the shared libraries; git-lfs, the program git runs next to us, is
//! linked the same way. `--features pie` keeps PIE (for distributions whose policy wants it).
fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    if linux && std::env::var_os("CARGO_FEATURE_PIE").is_none() {
        println!("cargo::rustc-link-arg-bins=-no-pie");
    }
}
