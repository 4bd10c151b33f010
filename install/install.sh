#!/bin/sh
# Installs git-credential-hf, its man page and its bash/zsh/fish completions under a prefix, then
# points git at it (`git-credential-hf setup`, global config). Re-running it is harmless;
# `--uninstall` takes out all of it again. POSIX sh, so it runs wherever git does.
set -eu

NAME=git-credential-hf

usage() {
    cat <<EOF
usage: install/install.sh [--prefix DIR] [--binary PATH] [--no-setup] [--uninstall]

Builds $NAME (cargo build --release --locked) and installs it to DIR/bin, its man page
to DIR/share/man/man1 and its bash, zsh and fish completions under DIR/share, then runs
\`$NAME setup\` so git asks it for the Hub's URLs (global git config).

  --prefix DIR    where to install (default: \$PREFIX, else \$HOME/.local)
  --binary PATH   install this already built binary instead of building one
  --no-setup      do not change the git config (with --uninstall: leave it alone)
  --uninstall     run \`$NAME setup --remove\` and remove everything this script installs
  -h, --help      show this help
EOF
}

say() { printf 'install.sh: %s\n' "$*"; }
warn() { printf 'install.sh: warning: %s\n' "$*" >&2; }
die() {
    printf 'install.sh: error: %s\n' "$*" >&2
    exit 1
}
usage_error() {
    printf 'install.sh: error: %s\n' "$*" >&2
    usage >&2
    exit 2
}

prefix=
binary=
setup=1
uninstall=0
while [ $# -gt 0 ]; do
    case $1 in
        --prefix)
            [ $# -ge 2 ] || usage_error "--prefix needs a folder"
            prefix=$2
            shift
            ;;
        --prefix=*) prefix=${1#--prefix=} ;;
        --binary)
            [ $# -ge 2 ] || usage_error "--binary needs a path"
            binary=$2
            shift
            ;;
        --binary=*) binary=${1#--binary=} ;;
        --no-setup) setup=0 ;;
        --uninstall) uninstall=1 ;;
        -h | --help)
            usage
            exit 0
            ;;
        *) usage_error "unknown argument: $1" ;;
    esac
    shift
done
[ -n "$prefix" ] || prefix=${PREFIX:-${HOME:?HOME is not set: pass --prefix DIR}/.local}
case $prefix in
    /*) ;;
    *) prefix=$(pwd)/$prefix ;;
esac

repo=$(cd "$(dirname "$0")/.." && pwd)
bin_dir=$prefix/bin
bin=$bin_dir/$NAME
man_page=$prefix/share/man/man1/$NAME.1
bash_completion=$prefix/share/bash-completion/completions/$NAME
zsh_completion=$prefix/share/zsh/site-functions/_$NAME
fish_completion=$prefix/share/fish/vendor_completions.d/$NAME.fish

# put DEST MODE COMMAND...: writes the output of COMMAND to DEST through a temporary file in
# the same folder, so a reader (or a running binary) never sees half a file, and a failing
# COMMAND leaves DEST as it was.
put() {
    dest=$1
    mode=$2
    shift 2
    mkdir -p "$(dirname "$dest")"
    tmp=$dest.tmp.$$
    trap 'rm -f "$tmp"' EXIT
    "$@" >"$tmp"
    chmod "$mode" "$tmp"
    mv -f "$tmp" "$dest"
    trap - EXIT
    say "installed $dest"
}

if [ "$uninstall" = 1 ]; then
    if [ "$setup" = 1 ]; then
        if [ -x "$bin" ]; then
            "$bin" setup --remove
        else
            warn "$bin is not there, so the git config is left as it is; if git still names $NAME, run \`git config --global --get-regexp '^credential\\.'\` and remove those entries"
        fi
    fi
    for f in "$bin" "$man_page" "$bash_completion" "$zsh_completion" "$fish_completion"; do
        if [ -e "$f" ] || [ -L "$f" ]; then
            rm -f "$f"
            say "removed $f"
        fi
    done
    # The folders this script may have created, deepest first, while they are empty.
    for d in "$prefix/share/man/man1" "$prefix/share/man" \
        "$prefix/share/bash-completion/completions" "$prefix/share/bash-completion" \
        "$prefix/share/zsh/site-functions" "$prefix/share/zsh" \
        "$prefix/share/fish/vendor_completions.d" "$prefix/share/fish" \
        "$prefix/share" "$bin_dir"; do
        rmdir "$d" 2>/dev/null || true
    done
    say "$NAME is uninstalled from $prefix"
    exit 0
fi

if [ -z "$binary" ]; then
    command -v cargo >/dev/null 2>&1 ||
        die "cargo is not on PATH: install Rust (rustup), or pass --binary PATH to install a built binary"
    say "building $NAME (cargo build --release --locked)"
    (cd "$repo" && cargo build --release --locked)
    binary=${CARGO_TARGET_DIR:-$repo/target}/release/$NAME
fi
{ [ -f "$binary" ] && [ -x "$binary" ]; } || die "$binary is not an executable file: pass --binary PATH to a built $NAME"
[ -f "$repo/man/$NAME.1" ] || die "$repo/man/$NAME.1 is missing: run this script from a checkout of $NAME"

put "$bin" 755 cat "$binary"
"$bin" --version >/dev/null || die "$bin does not run: rebuild it (cargo build --release --locked)"
put "$man_page" 644 cat "$repo/man/$NAME.1"
put "$bash_completion" 644 "$bin" completions bash
put "$zsh_completion" 644 "$bin" completions zsh
put "$fish_completion" 644 "$bin" completions fish

if [ "$setup" = 1 ]; then
    "$bin" setup
else
    say "git config left as it is (--no-setup); run \`$NAME setup\` to point git at the helper"
fi

case ":${PATH:-}:" in
    *":$bin_dir:"*)
        found=$(command -v "$NAME" || true)
        if [ -n "$found" ] && [ "$found" != "$bin" ]; then
            warn "$found comes before $bin on PATH: remove it, or put $bin_dir first in PATH"
        fi
        ;;
    *) warn "$bin_dir is not on PATH: add \`export PATH=\"$bin_dir:\$PATH\"\` to your shell's profile to run $NAME by name" ;;
esac
