#!/usr/bin/env bash
# macOS, type-checked on this Debian machine (no macOS SDK, nothing can be linked): clippy
# (`cargo check` with the lints) of the crate and its tests for aarch64-apple-darwin and
# x86_64-apple-darwin, warnings as errors, with Debian's rustc, clippy and std sources
# (`-Zbuild-std`; the lints of std and the dependencies are capped, as always). ring's build
# script compiles C for the target, which needs the SDK: a stand-in compiler and archiver
# only create the files they are asked for, which a check never links.
#
# Usage: .ci/macos-check.sh [TARGET...]   (default: both; MACOS_CHECK_DIR: where to build)
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

if [[ ! -x /usr/bin/rustc || ! -x /usr/bin/cargo-clippy || ! -d /usr/lib/rustlib/src/rust/library ]]; then
  apt-get update -qq
  apt-get install -y -qq rustc-web cargo-web rust-web-src rust-web-clippy >/dev/null
fi

targets=("$@")
((${#targets[@]})) || targets=(aarch64-apple-darwin x86_64-apple-darwin)
dir=${MACOS_CHECK_DIR:-target/ci-macos}
mkdir -p "$dir/bin"
dir=$(cd "$dir" && pwd)

# The stand-ins: `cc ... -o FILE` creates FILE (empty), `ar FLAGS LIB.a ...` creates an empty
# archive; `-E` (cc-rs asking which compiler this is) prints nothing.
cat >"$dir/bin/cc" <<'EOF'
#!/bin/sh
out=
while [ $# -gt 0 ]; do
  case $1 in
    -o) shift; out=$1 ;;
    -o*) out=${1#-o} ;;
  esac
  shift
done
[ -n "$out" ] && : >"$out"
exit 0
EOF
cat >"$dir/bin/ar" <<'EOF'
#!/bin/sh
for a in "$@"; do
  case $a in
    *.a) [ -s "$a" ] || printf '!<arch>\n' >"$a"; exit 0 ;;
  esac
done
exit 0
EOF
chmod +x "$dir/bin/cc" "$dir/bin/ar"

for target in "${targets[@]}"; do
  var=${target//-/_}
  echo "+ cargo clippy --lib --bins --tests --target $target -- -D warnings (Debian rustc, build-std, stand-in CC/AR)"
  start=$SECONDS
  # cargo-clippy itself, not `cargo clippy`: cargo would find rustup's in ~/.cargo/bin first.
  env "CC_$var=$dir/bin/cc" "AR_$var=$dir/bin/ar" \
    CARGO=/usr/bin/cargo RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$dir/target" \
    /usr/bin/cargo-clippy clippy --locked -q -Zbuild-std=std,panic_abort --target "$target" \
    -p git-credential-hf --lib --bins --tests -- -D warnings
  echo "  ok ($((SECONDS - start)) s)"
done
