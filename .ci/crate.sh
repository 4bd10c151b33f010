#!/usr/bin/env bash
# CI for the crates.io package: `cargo package --locked` (which builds the packaged crate), a
# check that the .crate holds only what a user needs, the unit tests run from it, then
# `cargo install` from it into a temporary folder and the installed binary's --version.
# It reuses the cargo target dir: run it after `cargo test` and the benchmark's release build.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=.ci/packaging.sh
. .ci/packaging.sh
name=git-credential-hf-$version

# -p: the workspace's other member, the tests' Hub imitation, is dev-only (publish = false).
cargo package --locked -p git-credential-hf
crate=$target/package/$name.crate

# Only these may be packaged (the `include` list in Cargo.toml, plus what cargo adds itself).
tar -tzf "$crate" | sed "s|^$name/||" | sort >"$tmp/list"
unexpected=$(grep -Ev '^(\.cargo_vcs_info\.json|Cargo\.(toml|toml\.orig|lock)|build\.rs|LICENSE|README\.md|src/.+|tests/fixtures/.+)$' "$tmp/list" || true)
[[ -z $unexpected ]] || die "unexpected files in the package: $unexpected"
for required in Cargo.lock LICENSE README.md src/main.rs; do
  grep -qx "$required" "$tmp/list" || die "$required is not in the package"
done
# -m: the files dated now, not as packaged: else cargo, sharing the target dir with an earlier
# run of this script, finds the unit tests built then fresh and runs that binary, whose
# CARGO_MANIFEST_DIR (where it reads tests/fixtures) is the earlier, deleted, folder.
tar -xzmf "$crate" -C "$tmp"
cmp -s LICENSE "$tmp/$name/LICENSE" || die "the packaged LICENSE differs from ./LICENSE"
echo "crate.sh: $name.crate: $(wc -l <"$tmp/list") files, $(du -k "$crate" | cut -f1) KiB"

# The unit tests read tests/fixtures: they must run from the package alone, as distributions
# run them. --offline: the dependencies are Cargo.lock's, already in cargo's cache; the shared
# target dir saves compiling them again.
(cd "$tmp/$name" && cargo test --lib --locked --offline --quiet --target-dir "$target")
# As a user would from crates.io, but from the .crate file, into a temporary root.
cargo install --locked --offline --quiet --path "$tmp/$name" --root "$tmp/root" --target-dir "$target"
got=$("$tmp/root/bin/git-credential-hf" --version)
[[ $got == "git-credential-hf $version" ]] || die "installed --version says: $got"
echo "crate.sh: installed from $name.crate: $got ($((SECONDS - start)) s)"
