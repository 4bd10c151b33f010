# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are for the scripts that source this
# Sourced by crate.sh, wheel.sh and wheel-windows.sh (from the repository's root): when the
# script started, the cargo target folder, our package's version, a temporary folder removed on
# exit, and `die`, which names the script.
start=$SECONDS
target=${CARGO_TARGET_DIR:-$PWD/target}
version=$(cargo metadata --no-deps --format-version 1 --locked |
  python3 -c 'import json, sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "git-credential-hf"))')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

die() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}
