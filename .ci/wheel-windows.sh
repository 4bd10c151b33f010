#!/usr/bin/env bash
# The Windows wheel: maturin drives Debian's cargo (build-std, mingw-w64: the toolchain that
# .ci/windows.sh installs and uses) for x86_64-pc-windows-gnu. The wheel's contents and tag are
# checked, and the exe taken out of it runs under Wine. No Windows pip installs it here: that
# step, and Git for Windows running the helper, are for a real Windows.
#
# Usage: .ci/wheel-windows.sh   (after .ci/windows.sh and .ci/wheel.sh, whose tools it reuses)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=.ci/packaging.sh
. .ci/packaging.sh

[[ -x /usr/bin/cargo && -x /usr/lib/wine/wine64 ]] || die "run .ci/windows.sh first (Debian's cargo, mingw-w64, wine64)"
tools=$target/wheel-tools
[[ -x $tools/bin/python ]] || python3 -m venv "$tools"
"$tools/bin/pip" install -q --disable-pip-version-check maturin==1.16.0

out=$target/wheels-windows
rm -rf "$out"
# Debian's cargo first on PATH (rustup's has no Windows std), std built from Debian's sources.
(
  export RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO=/usr/bin/cargo \
    CARGO_UNSTABLE_BUILD_STD=std,panic_abort CARGO_TARGET_DIR=$target/ci-windows-wheel
  PATH=$tools/bin:/usr/bin:$PATH maturin build --release --locked \
    --target x86_64-pc-windows-gnu --out "$out"
)
wheel=$out/git_credential_hf-$version-py3-none-win_amd64.whl
[[ -f $wheel ]] || die "expected $wheel, got: $(ls "$out")"

dist=git_credential_hf-$version.dist-info
"$tools/bin/python" -c 'import sys, zipfile; print("\n".join(sorted(zipfile.ZipFile(sys.argv[1]).namelist())))' \
  "$wheel" >"$tmp/contents"
diff -u - "$tmp/contents" <<EOF || die "unexpected wheel contents"
git_credential_hf-$version.data/scripts/git-credential-hf.exe
$dist/METADATA
$dist/RECORD
$dist/WHEEL
$dist/licenses/LICENSE
EOF
unzip_member() { "$tools/bin/python" -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' "$wheel" "$1"; }
[[ $(unzip_member "$dist/WHEEL" | grep '^Tag: ') == "Tag: py3-none-win_amd64" ]] || die "unexpected tag"
cmp -s LICENSE <(unzip_member "$dist/licenses/LICENSE") || die "the wheel's LICENSE differs from ./LICENSE"

# What the exe needs from Windows: system DLLs only, none of mingw's (a user has no mingw).
exe=$tmp/git-credential-hf.exe
unzip_member "git_credential_hf-$version.data/scripts/git-credential-hf.exe" >"$exe"
x86_64-w64-mingw32-objdump -p "$exe" | sed -n 's/^\tDLL Name: //p' | sort -fu >"$tmp/dlls"
if grep -viE '^(kernel32|advapi32|ntdll|userenv|ws2_32|bcrypt|bcryptprimitives|combase|crypt32|secur32|ole32|oleaut32|shell32|user32|msvcrt|api-ms-win-[a-z0-9-]+)\.dll$' "$tmp/dlls"; then
  die "the exe needs a DLL Windows does not have (above)"
fi

# The exe from the wheel runs: under Wine, in the prefix .ci/windows.sh made.
prefix=${WINDOWS_CI_DIR:-target/ci-windows}/wine
[[ -d $prefix ]] || die "no Wine prefix at $prefix: run .ci/windows.sh first"
wine() {
  WINEPREFIX=$(cd "$prefix" && pwd) WINEDEBUG=-all WINEDLLOVERRIDES="winemenubuilder.exe,mscoree,mshtml=d" \
    /usr/lib/wine/wine64 "$exe" "$@" | tr -d '\r'
}
got=$(wine --version)
[[ $got == "git-credential-hf $version" ]] || die "--version under Wine printed: $got"
# And answers git, offline, with a token from the environment (a made-up one).
token=hf_WheelCiFakeToken-not-a-real-one
got=$(printf 'protocol=https\nhost=huggingface.co\n\n' | HF_TOKEN=$token HF_HUB_OFFLINE=1 wine get)
[[ $got == $'username=git\npassword='$token ]] || die "get under Wine answered: ${got//$token/<token>}"
echo "wheel-windows.sh: $(basename "$wheel"), $(du -k "$wheel" | cut -f1) KiB, DLLs: $(paste -sd' ' "$tmp/dlls"); --version and get under Wine ok ($((SECONDS - start)) s)"
