#!/usr/bin/env bash
# CI for the Python wheel: build it from the checkout with maturin, check its contents and its
# platform tag, install it into a fresh venv with no Rust on PATH, and drive git through the
# installed binary in a temporary HOME, offline. The real home folder is never read or written.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=.ci/packaging.sh
. .ci/packaging.sh

# The build tools, pinned so that a new release cannot change the wheel under us. zig links
# against glibc 2.17's symbol versions: the wheel then runs on every manylinux2014 system
# (a plain build on Debian 12 is manylinux_2_34: too new for RHEL 8, Ubuntu 20.04, ...).
tools=$target/wheel-tools
[[ -x $tools/bin/python ]] || python3 -m venv "$tools"
"$tools/bin/pip" install -q --disable-pip-version-check maturin==1.16.0 ziglang==0.17.1 auditwheel==6.8.2

out=$target/wheels
rm -rf "$out"
# `--auditwheel check`: fail rather than bundle a shared library into the wheel.
PATH=$tools/bin:$PATH maturin build --release --locked --zig --compatibility manylinux_2_17 \
  --auditwheel check --out "$out"
tag=py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64
wheel=$out/git_credential_hf-$version-$tag.whl
[[ -f $wheel ]] || die "expected $wheel, got: $(ls "$out")"

# Exactly the binary, the metadata and the licence.
dist=git_credential_hf-$version.dist-info
"$tools/bin/python" -c 'import sys, zipfile; print("\n".join(sorted(zipfile.ZipFile(sys.argv[1]).namelist())))' \
  "$wheel" >"$tmp/contents"
diff -u - "$tmp/contents" <<EOF || die "unexpected wheel contents"
git_credential_hf-$version.data/scripts/git-credential-hf
$dist/METADATA
$dist/RECORD
$dist/WHEEL
$dist/licenses/LICENSE
EOF
unzip_member() { "$tools/bin/python" -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' "$wheel" "$1"; }
cmp -s LICENSE <(unzip_member "$dist/licenses/LICENSE") || die "the wheel's LICENSE differs from ./LICENSE"
unzip_member "$dist/METADATA" >"$tmp/METADATA"
for line in "Name: git-credential-hf" "Version: $version" "License-Expression: Apache-2.0" \
  "License-File: LICENSE" "Description-Content-Type: text/markdown; charset=UTF-8; variant=GFM"; do
  grep -qxF "$line" "$tmp/METADATA" || die "METADATA lacks: $line"
done
grep -qxF "# git-credential-hf" "$tmp/METADATA" || die "METADATA does not carry the README"
diff -u <(printf 'Tag: %s\n' py3-none-manylinux2014_x86_64 py3-none-manylinux_2_17_x86_64) \
  <(unzip_member "$dist/WHEEL" | grep '^Tag: ') || die "unexpected tags in WHEEL"
# An auditor independent of maturin's own check reads the binary's glibc symbol versions.
"$tools/bin/auditwheel" show "$wheel" >"$tmp/audit"
grep -q 'consistent with the following platform tag: "manylinux_2_17_x86_64"' <(tr -s '\n ' ' ' <"$tmp/audit") ||
  die "auditwheel disagrees with the tag: $(cat "$tmp/audit")"
echo "wheel.sh: $(basename "$wheel"), $(du -k "$wheel" | cut -f1) KiB"

# A user's machine without Rust: PATH holds the venv's scripts and a folder with only git and sh
# (the helper runs git; git runs helpers through sh), so nothing can reach cargo or rustc.
venv=$tmp/venv
home=$tmp/home
mkdir "$tmp/bin" "$home"
for program in git sh; do
  ln -s "$(command -v "$program")" "$tmp/bin/$program"
done
python=$(python3 -c 'import sys; print(sys.executable)')

# Every command runs in the temporary HOME (not in this clone, whose .git/config git would read)
# with only these variables: no system git config, no prompt, and huggingface_hub's offline
# switch so that the helper sends the token unchecked.
user() {
  (cd "$home" && env -i HOME="$home" PATH="$venv/bin:$tmp/bin" LANG=C.UTF-8 GIT_CONFIG_NOSYSTEM=1 \
    GIT_TERMINAL_PROMPT=0 HF_HUB_OFFLINE=1 "$@")
}
user "$python" -m venv "$venv"
user pip install -q --disable-pip-version-check --no-cache-dir --no-index "$wheel"
[[ $(user sh -c 'command -v git-credential-hf') == "$venv/bin/git-credential-hf" ]] ||
  die "git-credential-hf on PATH is not the installed one"
[[ $(user git-credential-hf --version) == "git-credential-hf $version" ]] || die "--version"

user git-credential-hf setup
for url in https://huggingface.co https://hf.co; do
  # The name, since the installed binary is the one on PATH: an upgrade or a moved venv keeps
  # working.
  [[ $(user git config --global --get-all "credential.$url.helper") == $'\n!git-credential-hf' ]] ||
    die "setup did not write the empty helper then \`!git-credential-hf\` for $url"
done

token=hf_WheelCiFakeToken-not-a-real-one
mkdir -p "$home/.cache/huggingface"
printf '%s' "$token" >"$home/.cache/huggingface/token"
answer=$(printf 'protocol=https\nhost=huggingface.co\n\n' | user git credential fill)
grep -qxF "password=$token" <<<"$answer" || die "git credential fill did not get the token"
grep -qxF "username=git" <<<"$answer" || die "git credential fill did not get username=git"

user git-credential-hf setup --remove
if user git config --global --get-regexp '^credential\.' >"$tmp/left"; then
  die "setup --remove left: $(cat "$tmp/left")"
fi
echo "wheel.sh: installed wheel passed --version, setup, git credential fill, setup --remove ($((SECONDS - start)) s)"
