#!/usr/bin/env bash
# Windows, on this Debian machine: the x86_64-pc-windows-gnu exe, linted (clippy), built and
# linked with mingw-w64 (Debian's rustc and std sources, `-Zbuild-std`, warnings as errors),
# then run under Wine in a private prefix: token resolution with Windows paths (C:\ and D:\,
# spaces, backslashes), `get`, `status --offline --json` (with Credential Manager entries
# planted the way GCM and wincred write them), `setup --file` (without git, then with a
# stand-in git.exe), `login --token-stdin` (offline, and against a loopback Hub), `list` (local
# dates), `switch`, `logout`. Every check asserts the exit code and the output; any mismatch
# fails the script.
#
# Usage: .ci/windows.sh        (WINDOWS_CI_DIR: where to build and keep the prefix)
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
start=$SECONDS

need=()
[[ -x /usr/bin/rustc && -x /usr/bin/cargo ]] || need+=(rustc-web cargo-web)
[[ -x /usr/bin/cargo-clippy ]] || need+=(rust-web-clippy)
[[ -d /usr/lib/rustlib/src/rust/library ]] || need+=(rust-web-src)
command -v x86_64-w64-mingw32-gcc >/dev/null || need+=(gcc-mingw-w64-x86-64)
[[ -x /usr/lib/wine/wine64 ]] || need+=(wine64)
command -v python3 >/dev/null || need+=(python3)
if ((${#need[@]})); then
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

dir=${WINDOWS_CI_DIR:-target/ci-windows}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
target=x86_64-pc-windows-gnu

# The lints of std and the dependencies are capped, as always: -D warnings is about this crate.
export RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO=/usr/bin/cargo CARGO_TARGET_DIR="$dir/target"
build_start=$SECONDS
echo "+ cargo clippy --lib --bins, and the unit tests, --target $target -- -D warnings"
# cargo-clippy itself, not `cargo clippy`: cargo would find rustup's in ~/.cargo/bin first. The
# integration tests are not for Windows (they drive Unix tools), nor their Hub imitation (-p).
for what in "--lib --bins" "--lib --profile test"; do
  # shellcheck disable=SC2086 # two words each
  /usr/bin/cargo-clippy clippy --locked -q -Zbuild-std=std,panic_abort --target "$target" \
    -p git-credential-hf $what -- -D warnings
done
echo "+ cargo build --target $target (Debian rustc, build-std, mingw-w64, -D warnings)"
RUSTFLAGS="-D warnings" CARGO_PROFILE_DEV_DEBUG=0 \
  /usr/bin/cargo build --locked -q -Zbuild-std=std,panic_abort --target "$target" --bin git-credential-hf
echo "  checked and built in $((SECONDS - build_start)) s"
built="$dir/target/$target/debug/git-credential-hf.exe"

tools="$dir/tools"
mkdir -p "$tools/git"
for tool in processprng cred git-stub; do
  src=".ci/windows/$tool.c"
  case $tool in
    processprng) out="$tools/bcryptprimitives.dll" flags=(-shared -ladvapi32) ;;
    cred) out="$tools/cred.exe" flags=(-municode -ladvapi32) ;;
    git-stub) out="$tools/git/git.exe" flags=() ;;
  esac
  [[ $out -nt $src ]] || x86_64-w64-mingw32-gcc -O2 -Wall -Werror -o "$out" "$src" "${flags[@]}"
done

# The prefix: private, no menus or desktop files written for the real user, no Mono/Gecko.
wine=/usr/lib/wine/wine64
export WINEPREFIX="$dir/wine" WINEDEBUG=-all WINEDLLOVERRIDES="winemenubuilder.exe,mscoree,mshtml=d"
wine_home="$dir/home"
mkdir -p "$wine_home"
base_env=(PATH=/usr/bin:/bin "HOME=$wine_home" "USER=${USER:-$(id -un)}" LANG=C.UTF-8
  "WINEPREFIX=$WINEPREFIX" WINEDEBUG=-all "WINEDLLOVERRIDES=$WINEDLLOVERRIDES")
wine_env() { env -i "${base_env[@]}" "$@"; }
if [[ ! -d $WINEPREFIX/drive_c/windows/system32 ]]; then
  echo "+ wineboot (a new prefix in $WINEPREFIX)"
  wine_env "$wine" wineboot -i >/dev/null 2>&1
fi
# One wineserver for the whole run: left to itself it exits when idle for a moment, and a wine
# started just then fails with "wine client error: recvmsg: Connection reset by peer" (seen once
# in CI on a loaded machine). Stopped at the end (the trap below). `-p` exits 2 while another
# server holds the prefix (wineboot's lingers for 3 s), so wait for that one to end first.
wine_env /usr/lib/wine/wineserver64 -w
wine_env /usr/lib/wine/wineserver64 -p
# Wine 8 has no bcryptprimitives.dll; a Wine that has one keeps its own.
sys32="$WINEPREFIX/drive_c/windows/system32"
if ! grep -qs "Wine builtin DLL" "$sys32/bcryptprimitives.dll"; then
  cp "$tools/bcryptprimitives.dll" "$sys32/"
fi
# D: is a folder of ours.
mkdir -p "$dir/d"
ln -sfn "$dir/d" "$WINEPREFIX/dosdevices/d:"

profile_win=$(wine_env "$wine" cmd /c echo %USERPROFILE% | tr -d '\r\n')
profile=$(wine_env "$wine" winepath -u "$profile_win" | tr -d '\r\n')
profile=${profile%/}
ddrive="$dir/d"
# The exe where an installer would put it: a path with spaces.
install_win='C:\Program Files\Hugging Face'
install="$WINEPREFIX/drive_c/Program Files/Hugging Face"
mkdir -p "$install"
cp "$built" "$install/git-credential-hf.exe"
exe="$install_win\\git-credential-hf.exe"
echo "  profile $profile_win ($profile), exe $exe"

# The loopback Hub for `login`.
hub_port_file="$dir/hub.port"
python3 .ci/windows/hub.py >"$hub_port_file" &
hub_pid=$!
trap 'kill "$hub_pid" 2>/dev/null || true; wine_env /usr/lib/wine/wineserver64 -k 2>/dev/null || true' EXIT
for _ in $(seq 50); do [[ -s $hub_port_file ]] && break; sleep 0.1; done
hub="http://127.0.0.1:$(cat "$hub_port_file")"

# The current folder of every run: relative paths land here, not in the checkout.
scratch="$dir/cwd"
rm -rf "$scratch"
mkdir -p "$scratch"
passed=0 failed=0
failures=()
input=''
# run [VAR=VALUE...] -- ARGS...: the exe under Wine with only those variables (and Wine's
# own), stdin from $input; sets $code, $out, $err.
run() {
  local vars=()
  while [[ $1 != -- ]]; do
    vars+=("$1")
    shift
  done
  shift
  printf '  + %s%sgit-credential-hf.exe %s\n' "${vars[*]}" "${vars:+ }" "$*"
  code=0
  out=$(cd "$scratch" && printf '%s' "$input" | wine_env "${vars[@]}" "$wine" "$exe" "$@" 2>"$dir/stderr") || code=$?
  err=$(<"$dir/stderr")
  input=''
}
misses=()
miss() { misses+=("$1"); }
# check NAME: starts a check.
check() {
  name=$1 misses=()
  echo "check: $name"
}
code_is() { [[ $code == "$1" ]] || miss "exit code $code, expected $1"; }
out_is() { [[ $out == "$1" ]] || miss "stdout $(printf %q "$out"), expected $(printf %q "$1")"; }
out_has() { [[ $out == *"$1"* ]] || miss "stdout lacks $(printf %q "$1"): $(printf %q "$out")"; }
err_has() { [[ $err == *"$1"* ]] || miss "stderr lacks $(printf %q "$1"): $(printf %q "$err")"; }
err_one_line() {
  [[ $err == *$'\n'* || -z $err ]] && miss "stderr is not one line: $(printf %q "$err")"
  return 0
}
none_has() {
  [[ $out$err == *"$1"* ]] && miss "the output shows $1"
  return 0
}
file_is() { [[ -f $1 && $(<"$1") == "$2" ]] || miss "$1 is not $(printf %q "$2")"; }
file_has() { [[ -f $1 && $(<"$1") == *"$2"* ]] || miss "$1 lacks $(printf %q "$2")"; }
file_absent() { [[ ! -e $1 ]] || miss "$1 exists"; }
done_() {
  if ((${#misses[@]} == 0)); then
    passed=$((passed + 1))
    echo "  ok"
  else
    failed=$((failed + 1))
    failures+=("$name")
    printf '  FAILED: %s\n' "${misses[@]}"
    printf '  stdout: %s\n  stderr: %s\n' "$out" "$err"
  fi
}
reset_files() {
  rm -rf "$profile/.cache" "$profile/hf home" "$profile/hf login" "${ddrive:?}"/* "$profile"/*.gitconfig
}

T_ENV=hf_WineEnvTokenEEEEEEEEEEEEEEEEEEEEEEEEE
T_FILE=hf_WineFileTokenFFFFFFFFFFFFFFFFFFFFFFFF
T_D=hf_WineDDriveTokenDDDDDDDDDDDDDDDDDDDDDDD
T_A=hf_WineLoginTokenAAAAAAAAAAAAAAAAAAAAAAAA
T_B=hf_WineLoginTokenBBBBBBBBBBBBBBBBBBBBBBBB
T_KEY=hf_WineKeychainTokenKKKKKKKKKKKKKKKKKKKKK
reset_files

echo "== the exe runs"
check "--version"
run -- --version
code_is 0
out_is "git-credential-hf $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
done_

echo "== which token, with Windows paths"
check "token: none anywhere"
run -- token
code_is 1
err_has "no Hugging Face token found"
err_one_line
done_

check "token: HF_TOKEN"
run "HF_TOKEN=$T_ENV" -- token
code_is 0
out_is "$T_ENV"
done_

mkdir -p "$profile/.cache/huggingface"
printf '%s\n' "$T_FILE" >"$profile/.cache/huggingface/token"
check "token: the default file under %USERPROFILE%\\.cache\\huggingface"
run -- token
code_is 0
out_is "$T_FILE"
done_

mkdir -p "$profile/hf home"
printf '%s' "$T_D" >"$profile/hf home/token"
check "token: HF_HOME with backslashes and a space"
run "HF_HOME=$profile_win\\hf home" -- token
code_is 0
out_is "$T_D"
done_

mkdir -p "$ddrive/secrets" "$ddrive/xdg/huggingface"
printf '%s\r\n' "$T_D" >"$ddrive/secrets/token"
check "token: HF_TOKEN_PATH on another drive (CRLF file)"
run 'HF_TOKEN_PATH=D:\secrets\token' -- token
code_is 0
out_is "$T_D"
done_

printf '%s\n' "$T_D" >"$ddrive/xdg/huggingface/token"
check "token: XDG_CACHE_HOME=D:\\xdg"
run 'XDG_CACHE_HOME=D:\xdg' -- token
code_is 0
out_is "$T_D"
done_

check "token: a lower-case hf_token (environment names are case-insensitive)"
run "hf_token=$T_ENV" -- token
code_is 0
out_is "$T_ENV"
done_

check "token: HF_HOME=%USERPROFILE%\\hf home (ntpath.expandvars)"
run 'HF_HOME=%USERPROFILE%\hf home' -- token
code_is 0
out_is "$T_D"
done_

check "token: HF_HOME=~\\hf home (ntpath.expanduser)"
run 'HF_HOME=~\hf home' -- token
code_is 0
out_is "$T_D"
done_

echo "== get, as git for Windows runs it"
check "get: huggingface.co, offline"
input=$'protocol=https\nhost=huggingface.co\n\n'
run HF_HUB_OFFLINE=1 -- get
code_is 0
out_is $'username=git\npassword='"$T_FILE"
done_

check "get: CRLF input"
input=$'protocol=https\r\nhost=hf.co\r\n\r\n'
run HF_HUB_OFFLINE=1 -- get
code_is 0
out_is $'username=git\npassword='"$T_FILE"
done_

check "get: another host gets nothing"
input=$'protocol=https\nhost=example.com\n\n'
run HF_HUB_OFFLINE=1 -- get
code_is 0
out_is ""
done_

echo "== status, with Credential Manager entries as GCM and wincred write them"
wine_env "$wine" "$tools/cred.exe" write 'git:https://huggingface.co' alice "$T_KEY\\noauth_refresh_token=r"
wine_env "$wine" "$tools/cred.exe" write 'git:https://hf_user@hf.co' hf_user "$T_FILE"
check "status --offline --json"
run HF_HUB_OFFLINE=1 -- status --offline --json
# An error-level problem: git is not installed in the prefix, so no helper is configured.
code_is 1
none_has "$T_FILE"
none_has "$T_KEY"
if ! verdict=$(python3 -c '
import json, sys
j = json.loads(sys.argv[1])
src = {s["source"]: s for s in j["sources"]}
fix = {p["code"]: p["fix"] for p in j["problems"]}
file = [s for s in j["sources"] if s["source"].startswith("file:") and s["present"]]
assert file and file[0]["masked"] == "hf_****FFFF", file
k = src["keyring:git:https://huggingface.co"]
assert (k["masked"], k["detail"]) == ("hf_****KKKK", "user alice"), k
w = src["keyring:git:https://hf_user@hf.co"]
assert (w["masked"], w["detail"]) == ("hf_****FFFF", "user hf_user"), w
assert fix["keychain-entry-differs"] == "cmdkey /delete:LegacyGeneric:target=git:https://huggingface.co", fix
assert "helper-not-configured" in fix, fix
assert "cannot run git" in src["git-helper"]["detail"], src["git-helper"]
print("ok")
' "$out" 2>&1); then
  miss "the JSON: $verdict"
fi
done_
wine_env "$wine" "$tools/cred.exe" delete 'git:https://huggingface.co'
wine_env "$wine" "$tools/cred.exe" delete 'git:https://hf_user@hf.co'

echo "== setup"
check "setup --file without git: one line, exit 1"
run -- setup --file "$profile_win\\test.gitconfig"
code_is 1
err_has "cannot run git"
err_one_line
done_

# A stand-in git.exe on PATH (WINEPATH), which keeps the values and logs the calls.
stub_env=("WINEPATH=$(wine_env "$wine" winepath -w "$tools/git" | tr -d '\r\n')" "GIT_STUB_LOG=$dir/git.log")
value='C:/Program\ Files/Hugging\ Face/git-credential-hf.exe'
store="$profile/test.gitconfig"
rm -f "$dir/git.log"
check "setup --file: the helper value git for Windows' sh runs"
run "${stub_env[@]}" -- setup --file "$profile_win\\test.gitconfig"
code_is 0
out_has "credential.https://huggingface.co.helper (file $profile_win\\test.gitconfig): set"
out_has "credential.https://hf.co.helper (file $profile_win\\test.gitconfig): set"
file_is "$store" "credential.https://huggingface.co.helper	
credential.https://huggingface.co.helper	$value
credential.https://hf.co.helper	
credential.https://hf.co.helper	$value"
file_has "$dir/git.log" "config"$'\x1f'"--file"$'\x1f'"$profile_win\\test.gitconfig"$'\x1f'"--add"
done_

check "setup --file again: already set"
run "${stub_env[@]}" -- setup --file "$profile_win\\test.gitconfig"
code_is 0
out_has "credential.https://huggingface.co.helper (file $profile_win\\test.gitconfig): already set"
done_

check "setup --remove: every entry of ours"
run "${stub_env[@]}" -- setup --remove --file "$profile_win\\test.gitconfig"
code_is 0
out_has "credential.https://hf.co.helper (file $profile_win\\test.gitconfig): removed"
file_is "$store" ""
done_

check "setup: the exe on PATH is written as \`!git-credential-hf\`"
run "WINEPATH=$(wine_env "$wine" winepath -w "$tools/git" | tr -d '\r\n');$install_win" \
  "GIT_STUB_LOG=$dir/git.log" -- setup --file "$profile_win\\test.gitconfig"
code_is 0
file_has "$store" "credential.https://huggingface.co.helper	!git-credential-hf"
out_has "git now asks \`!git-credential-hf\`"
done_

echo "== login, list, switch, logout (files in the prefix, a loopback Hub)"
login_env=("HF_HOME=$profile_win\\hf login" "HF_ENDPOINT=$hub")
logged="$profile/hf login"
check "login --token-stdin, offline"
input="$T_A"
run HF_HUB_OFFLINE=1 "${login_env[@]}" -- login --token-stdin
code_is 1
err_has "HF_HUB_OFFLINE is set, so the token cannot be checked: unset it to log in"
err_one_line
file_absent "$logged/token"
done_

check "login without a console to prompt on"
run "${login_env[@]}" -- login
code_is 1
err_has "there is no terminal to ask for the token on: pipe it in with --token-stdin"
done_

check "login: a token the Hub rejects"
input=hf_WineRejectedTokenRRRRRRRRRRRRRRRRRRRRRR
run "${login_env[@]}" -- login --token-stdin
code_is 1
err_has "the Hub rejected this token (401)"
file_absent "$logged/stored_tokens"
done_

check "login --token-stdin: stored under its Hub name and made active"
input="$T_A"$'\r\n'
run "${login_env[@]}" -- login --token-stdin
code_is 0
err_has "Token is valid (permission: write)."
err_has "Login successful."
err_has "The current active token is: \`laptop\`"
file_is "$logged/token" "$T_A"
file_is "$logged/stored_tokens" "[laptop]
hf_token = $T_A"
none_has "$T_A"
done_

check "login --name: a second token"
input="$T_B"
run "${login_env[@]}" -- login --token-stdin --name ci-bot
code_is 0
file_is "$logged/token" "$T_B"
file_has "$logged/stored_tokens" "[ci-bot]
hf_token = $T_B"
done_

check "list: both, the active one starred"
run "${login_env[@]}" -- list
code_is 0
out_has "laptop"
out_has "hf_****AAAA"
if ! grep -qE '^\*[[:space:]]+ci-bot[[:space:]]+hf_\*\*\*\*BBBB' <<<"$out"; then miss "ci-bot is not starred: $out"; fi
none_has "$T_A"
done_

check "switch laptop"
run "${login_env[@]}" -- switch laptop
code_is 0
file_is "$logged/token" "$T_A"
done_

check "switch to a name that is not stored"
run "${login_env[@]}" -- switch nope
code_is 1
err_has "no token named \`nope\`"
done_

check "logout ci-bot: not the active one, the token file stays"
run "${login_env[@]}" -- logout ci-bot
code_is 0
file_is "$logged/token" "$T_A"
[[ $(<"$logged/stored_tokens") == *ci-bot* ]] && miss "ci-bot is still stored"
done_

check "logout: both files go"
run "${login_env[@]}" -- logout
code_is 0
file_absent "$logged/token"
file_absent "$logged/stored_tokens"
done_

echo "== list shows local dates, as datetime.fromtimestamp on Windows"
mkdir -p "$logged"
# 2030-06-01 11:00 UTC, and one long past.
printf '[a-past]\nhf_token = %s\nrefresh_token = r\nexpires_at = 1000000000\n\n[oauth-alice]\nhf_token = %s\nrefresh_token = r\nexpires_at = 1906542000\n' \
  "$T_B" "$T_A" >"$logged/stored_tokens"
# POSIX zones, which the CRT (Python on Windows) and jiff read alike: UTC+14, UTC-12, UTC-9.
for zone in "UTC0 2030-06-01" "LINT-14 2030-06-02" "BIT12 2030-05-31" "AKST9 2030-06-01"; do
  check "list: TZ=${zone% *}"
  run "${login_env[@]}" "TZ=${zone% *}" -- list
  code_is 0
  out_has "${zone#* }"
  out_has "2001-09-0"
  out_has "(expired)"
  done_
done
check "list: the date in the system's time zone without TZ"
run "${login_env[@]}" -- list
code_is 0
out_has "2030-0"
done_
rm -rf "$logged"

echo "== stored_tokens beside a backslashed HF_TOKEN_PATH"
check "login with HF_TOKEN_PATH=D:\\secrets\\token writes D:\\secrets\\stored_tokens"
input="$T_A"
run 'HF_TOKEN_PATH=D:\secrets\token' "HF_ENDPOINT=$hub" -- login --token-stdin
code_is 0
file_is "$ddrive/secrets/token" "$T_A"
file_has "$ddrive/secrets/stored_tokens" "[laptop]"
done_

echo "== completions"
check "completions powershell"
run -- completions powershell
code_is 0
out_has "Register-ArgumentCompleter"
done_

echo "== the unit tests, built for Windows and run under Wine"
# Not yet Windows-aware, in code outside these checks: places/netrc.rs expects `.netrc` (curl
# on Windows reads %HOME%\.netrc, else %HOME%\_netrc).
skips=(places::netrc::tests::netrc_variable_wins)
check "cargo test --lib (skipping ${skips[*]})"
unit=$(RUSTFLAGS="-D warnings" CARGO_PROFILE_DEV_DEBUG=0 /usr/bin/cargo test --locked -q \
  -Zbuild-std=std,panic_abort --target "$target" -p git-credential-hf --lib --no-run --message-format=json-render-diagnostics |
  python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["kind"] == ["lib"]:
        print(m["executable"])')
skip_args=()
for s in "${skips[@]}"; do skip_args+=(--skip "$s"); done
echo "  + $(basename "$unit") --test-threads=1 ${skip_args[*]}"
code=0
out=$(wine_env "$wine" "$unit" --test-threads=1 "${skip_args[@]}" 2>&1) || code=$?
err=''
code_is 0
out_has "test result: ok."
[[ $out == *"test result: ok."* ]] && echo "  $(grep -o 'test result: ok. [0-9]* passed' <<<"$out")"
done_

reset_files
total=$((passed + failed))
echo "windows: $passed passed, $failed failed ($total checks, $((SECONDS - start)) s)"
if ((failed)); then
  printf 'failed: %s\n' "${failures[@]}"
  exit 1
fi
