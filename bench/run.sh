#!/usr/bin/env bash
# Performance benchmark of git-credential-hf (see bench/README.md).
#
#   bench/run.sh           full run (a few minutes once the release binary is built)
#   bench/run.sh --quick   every measurement with few runs (CI: proves the bench still works)
#   BENCH_BIN=path bench/run.sh   measure that binary instead of building target/release
#
# Prints PASS/MISS per target. Exits 0 whenever the measurements ran, whatever the verdicts;
# non-zero only when the bench itself breaks (missing tool, failed build, wrong answers, a
# warm `get` that touches the network).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

QUICK=0
case "${1:-}" in
  --quick) QUICK=1 ;;
  "") ;;
  *) echo "usage: bench/run.sh [--quick]" >&2; exit 2 ;;
esac
if ((QUICK)); then
  WARM_RUNS=40 FILL_RUNS=30 XET_FILLS=30 PY_RUNS=3 COLD_RUNS=30 RSS_RUNS=5 PERF_RUNS=5
else
  WARM_RUNS=300 FILL_RUNS=150 XET_FILLS=200 PY_RUNS=30 COLD_RUNS=150 RSS_RUNS=30 PERF_RUNS=50
fi

die() { echo "bench: error: $*" >&2; exit 1; }
section() { printf '\n== %s\n' "$*"; }

# --- tools -----------------------------------------------------------------------------------
missing=()
for tool in hyperfine valgrind callgrind_annotate strace git cargo rustc python3; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
[[ -x /usr/bin/time ]] || missing+=(/usr/bin/time)
if ((${#missing[@]})); then
  echo "bench: error: missing ${missing[*]};" \
    "on Debian: apt-get install -y hyperfine valgrind strace time python3 git" >&2
  exit 2
fi
# The interpreter itself, not a version-manager shim that would need the real HOME.
PY=$(python3 -c 'import sys; print(sys.executable)')
PY_HF=""
for candidate in "$PY" "$ROOT/target/parity-venv/bin/python"; do
  if [[ -x $candidate ]] && "$candidate" -c 'import huggingface_hub' 2>/dev/null; then
    PY_HF=$candidate
    break
  fi
done

# --- build -----------------------------------------------------------------------------------
section "build"
started=$SECONDS
if [[ -n ${BENCH_BIN:-} ]]; then
  BIN=$(realpath "$BENCH_BIN") # a binary built elsewhere, e.g. to compare two builds
else
  cargo build --release --quiet || die "cargo build --release failed"
  BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/git-credential-hf
fi
echo "binary: $BIN ($(stat -c %s "$BIN") bytes, ready in $((SECONDS - started)) s)"
bench_started=$SECONDS

# --- a temporary HOME with a token, a one-line ~/.git-credentials and a warm cache ----------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hf-bench.XXXXXX")
SERVER_PID=""
cleanup() {
  if [[ -n $SERVER_PID ]]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
H=$WORK/home
mkdir -p "$H/.cache/huggingface" "$WORK/bin"
TOKEN=$("$PY" -c 'import random, string; print("hf_" + "".join(random.choices(string.ascii_letters, k=34)))')
(umask 077
 printf '%s' "$TOKEN" >"$H/.cache/huggingface/token"
 printf 'https://hf_user:%s@huggingface.co\n' "$TOKEN" >"$H/.git-credentials")
CACHE_FILE=$H/.cache/git-credential-hf/whoami.json
BENCH_VERDICTS=$WORK/verdicts # measure.py appends its PASS/MISS lines here
: >"$BENCH_VERDICTS"

# Everything under test runs with this environment only: no HF_*, GIT_* or XDG_* from the caller.
# HTTPS_PROXY points at a closed port so that nothing here can ever reach https://huggingface.co,
# even if the cache were cold (the warm path never builds an HTTP client, so it costs nothing).
# The binary's folder comes first on PATH, as for an installed binary, so `setup` writes what it
# writes for users.
ENV=(env -i "PATH=$(dirname "$BIN"):$PATH" "HOME=$H" LC_ALL=C GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
     HTTPS_PROXY=http://127.0.0.1:9 "BENCH_VERDICTS=$BENCH_VERDICTS")
run() { "${ENV[@]}" "$@"; }
# measure.py drops BENCH_* from what the measured commands see; they get HF_ENDPOINT only when
# MEASURE_ENDPOINT is set (never the caller's own HF_ENDPOINT).
MEASURE_ENDPOINT=""
measure() {
  run "BENCH_TOKEN=$TOKEN" ${MEASURE_ENDPOINT:+"HF_ENDPOINT=$MEASURE_ENDPOINT"} \
    "$PY" "$ROOT/bench/measure.py" "$@"
}

REQ_HUB=$WORK/req-hub
printf 'protocol=https\nhost=huggingface.co\n\n' >"$REQ_HUB"
# What git-xet sends, once per uploaded file: the origin as `url=` alone.
REQ_XET=$WORK/req-xet
printf 'url=https://huggingface.co\n' >"$REQ_XET"

# The configuration `setup` writes, and the same entries with `store` in our place: git reads
# either through include.path, so both fills pay the same config parsing.
SETUP_CONFIG=$WORK/setup.gitconfig STORE_CONFIG=$WORK/store.gitconfig
run "$BIN" setup --file "$SETUP_CONFIG" >/dev/null || die "setup --file failed"
WRITTEN=$(run git config --file "$SETUP_CONFIG" --get-all credential.https://huggingface.co.helper | tail -1)
[[ -n $WRITTEN ]] || die "setup wrote no helper for https://huggingface.co"
for url in $(run git config --file "$SETUP_CONFIG" --name-only --get-regexp '^credential\..*\.helper$' |
  sed 's/^credential\.//; s/\.helper$//' | sort -u); do
  run git config --file "$STORE_CONFIG" --add "credential.$url.helper" ""
  run git config --file "$STORE_CONFIG" --add "credential.$url.helper" store
done

# The script a user would otherwise write: ask huggingface_hub for its token.
PYHELPER=$WORK/bin/git-credential-pyhf
cat >"$PYHELPER" <<EOF
#!/bin/sh
test "\$1" = get || exit 0
exec ${PY_HF:-python3} -c 'from huggingface_hub import get_token
token = get_token()
if token: print(f"username=git\npassword={token}")'
EOF
chmod +x "$PYHELPER"

FLOOR=$WORK/floor
rustc --edition 2021 -C opt-level=3 -C strip=debuginfo -o "$FLOOR" "$ROOT/bench/floor.rs" ||
  die "cannot build bench/floor.rs"

# The loopback whoami server for the cold case.
"${ENV[@]}" "BENCH_TOKEN=$TOKEN" "$PY" "$ROOT/bench/whoami_server.py" "$WORK/port" </dev/null >/dev/null &
SERVER_PID=$! # env execs python: this is the server's pid
for _ in $(seq 100); do [[ -s $WORK/port ]] && break; sleep 0.05; done
[[ -s $WORK/port ]] || die "the whoami server did not start"
PORT=$(cat "$WORK/port")
LOCAL=http://127.0.0.1:$PORT
REQ_LOCAL=$WORK/req-local
printf 'protocol=http\nhost=127.0.0.1:%s\n\n' "$PORT" >"$REQ_LOCAL"
calls() {
  run "$PY" -c "import urllib.request as u; print(u.urlopen('$LOCAL/_calls').read().decode())"
}
# Reads the whole answer (no early exit under pipefail) and keeps the token out of any argv.
answers_token() {
  local out
  out=$(cat)
  [[ $'\n'$out$'\n' == *$'\npassword='"$TOKEN"$'\n'* ]]
}

# Warm the cache the way it gets warm in use: a cold get through the loopback endpoint (an
# entry with whoami details), then git's approve through the helper for huggingface.co
# (`store` records the token valid without any network).
run "HF_ENDPOINT=$LOCAL" "$BIN" get <"$REQ_LOCAL" | answers_token || die "cold get did not answer the token"
[[ $(calls) == 1 ]] || die "a cold get made $(calls) whoami calls, expected 1"
printf 'protocol=https\nhost=huggingface.co\nusername=git\npassword=%s\n\n' "$TOKEN" |
  run git -c credential.helper= -c "credential.helper=$BIN" credential approve
[[ -s $CACHE_FILE ]] || die "no cache file after approve"

# A warm get must not touch the network (no socket at all), nor read system files beyond the
# loader's: no CA store, no git config, no time zone (the local clock is for -v only).
check_warm() {
  run strace -f -qq -e trace=%network -o "$WORK/net.txt" "$BIN" get <"$REQ_HUB" | answers_token ||
    die "warm get did not answer the token"
  [[ ! -s $WORK/net.txt ]] || die "the warm get made network calls: $(head -3 "$WORK/net.txt")"
  run strace -f -qq -e trace=openat -o "$WORK/etc.txt" "$BIN" get <"$REQ_HUB" >/dev/null
  grep -v '"/etc/ld\.so\.' "$WORK/etc.txt" | grep '"/etc/' >"$WORK/etc-read.txt" || true
  [[ ! -s $WORK/etc-read.txt ]] ||
    die "the warm get read what it does not need: $(head -3 "$WORK/etc-read.txt")"
}
check_warm
run "HF_ENDPOINT=$LOCAL" "$BIN" get <"$REQ_LOCAL" | answers_token || die "warm local get failed"
[[ $(calls) == 1 ]] || die "a warm get asked whoami"
# The others answer the same request with the same token.
run git credential-store get <"$REQ_HUB" | answers_token || die "credential-store get failed"
for config in "$SETUP_CONFIG" "$STORE_CONFIG"; do
  for req in "$REQ_HUB" "$REQ_XET"; do
    run git -c "include.path=$config" credential fill <"$req" | answers_token ||
      die "git credential fill with $config failed for $(head -1 "$req")"
  done
done
# The helper strings setup has written in its time, each started by git its own way.
FORMS=("hf" "$BIN" "!git-credential-hf")
for form in "${FORMS[@]}"; do
  run git -c credential.helper= -c "credential.helper=$form" credential fill <"$REQ_HUB" |
    answers_token || die "git credential fill through \`$form\` failed"
done
if [[ -n $PY_HF ]]; then
  run "$PYHELPER" get <"$REQ_HUB" | answers_token || die "the get_token() helper failed"
fi

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
echo "machine: $(nproc) CPUs, $cpu, $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "git $(git --version | cut -d' ' -f3), $(hyperfine --version), $(valgrind --version)," \
  "$(rustc --version | cut -d' ' -f1-2), $("$PY" --version)"

# --- timings -----------------------------------------------------------------------------------
section "warm get vs git credential-store get (whole processes, interleaved, $WARM_RUNS rounds)"
measure time "$WORK/warm.json" --runs "$WARM_RUNS" \
  "git-credential-hf get=$REQ_HUB=$BIN get" \
  "git credential-store get=$REQ_HUB=git credential-store get" \
  "rust floor (bench/floor.rs)=$REQ_HUB=$FLOOR $H/.cache/huggingface/token $CACHE_FILE" \
  "/bin/true=$REQ_HUB=/bin/true"
measure ratio "$WORK/warm.json" "git-credential-hf get" "git credential-store get" --at-most 1.2 \
  "warm get vs git credential-store get"

section "git credential fill with the config setup writes (\`$WRITTEN\`) vs store ($FILL_RUNS rounds)"
measure time "$WORK/fill.json" --runs "$FILL_RUNS" \
  "fill, setup's config=$REQ_HUB=git -c include.path=$SETUP_CONFIG credential fill" \
  "fill, store=$REQ_HUB=git -c include.path=$STORE_CONFIG credential fill"
measure ratio "$WORK/fill.json" "fill, setup's config" "fill, store" --at-most 1.1 \
  "git credential fill with the config setup writes vs the same with store"

section "each helper string setup has written, vs store ($FILL_RUNS rounds)"
form_cases=()
for form in "${FORMS[@]}"; do
  form_cases+=("fill via ${form/$BIN/\/abs\/path\/git-credential-hf}=$REQ_HUB=git -c credential.helper= -c credential.helper=$form credential fill")
done
measure time "$WORK/forms.json" --runs "$FILL_RUNS" "${form_cases[@]}" \
  "fill via store=$REQ_HUB=git -c credential.helper= -c credential.helper=store credential fill"
for form in "${FORMS[@]}"; do
  measure ratio "$WORK/forms.json" "fill via ${form/$BIN/\/abs\/path\/git-credential-hf}" "fill via store" \
    --info "helper string ${form/$BIN/\/abs\/path\/git-credential-hf} vs store"
done

section "$XET_FILLS consecutive git-xet fills (url= alone) with setup's config vs store"
measure time "$WORK/xet.json" --runs "$XET_FILLS" --warmup 3 \
  "git-xet fill, setup's config=$REQ_XET=git -c include.path=$SETUP_CONFIG credential fill" \
  "git-xet fill, store=$REQ_XET=git -c include.path=$STORE_CONFIG credential fill"
measure ratio "$WORK/xet.json" "git-xet fill, setup's config" "git-xet fill, store" --at-most 1.1 \
  "$XET_FILLS git-xet fills with the config setup writes vs with store"

section "vs a helper asking huggingface_hub's get_token() ($PY_RUNS rounds)"
if [[ -n $PY_HF ]]; then
  echo "python: $PY_HF (huggingface_hub $("$PY_HF" -c 'import huggingface_hub as h; print(h.__version__)'))"
  measure time "$WORK/py.json" --runs "$PY_RUNS" --warmup 1 \
    "get_token() helper=$REQ_HUB=$PYHELPER get" \
    "git-credential-hf get=$REQ_HUB=$BIN get"
  measure ratio "$WORK/py.json" "get_token() helper" "git-credential-hf get" --at-least 50 \
    "get_token() helper time / warm get time"
  # Second opinion from hyperfine. Debian's hyperfine 1.15 has no --input, so stdin needs its
  # shell, whose start-up it subtracts as an estimate good to a few ms on a loaded machine:
  # fine for this ~0.4 s command, useless for the ~2 ms ones, which measure.py times instead.
  run hyperfine --style none --warmup 1 --runs "$PY_RUNS" --export-json "$WORK/hyperfine.json" \
    "$PYHELPER get < $REQ_HUB" >/dev/null || die "hyperfine failed"
  "$PY" - "$WORK/hyperfine.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"hyperfine: get_token() helper median {r['median'] * 1000:.1f} ms over {len(r['times'])} runs")
EOF
else
  echo "SKIP  no python with huggingface_hub (pip install huggingface_hub, or run .ci/run once)" |
    tee -a "$BENCH_VERDICTS"
fi

section "peak RSS of a warm get (/usr/bin/time -f %M, max of $RSS_RUNS runs)"
peak() {
  local max=0 kib
  for _ in $(seq "$RSS_RUNS"); do
    run /usr/bin/time -f %M -o "$WORK/rss" "$@" <"$REQ_HUB" >/dev/null
    kib=$(tail -1 "$WORK/rss")
    ((kib > max)) && max=$kib
  done
  echo "$max"
}
rss_hf=$(peak "$BIN" get)
rss_store=$(peak git credential-store get)
echo "git-credential-hf get: $rss_hf KiB; git credential-store get: $rss_store KiB"
measure check "peak RSS of a warm get" "$(awk "BEGIN { printf \"%.2f\", $rss_hf / 1024 }")" \
  --at-most 8 MiB

# --- where the time goes -----------------------------------------------------------------------
check_warm
section "profile of the warm get: syscalls (strace -c -f)"
run strace -c -f -o "$WORK/strace-hf.txt" "$BIN" get <"$REQ_HUB" >/dev/null
run strace -c -f -o "$WORK/strace-store.txt" git credential-store get <"$REQ_HUB" >/dev/null
sed 's/^/  /' "$WORK/strace-hf.txt"
total_calls() { awk '/total$/ {print $4}' "$1"; }
echo "  syscalls: git-credential-hf get $(total_calls "$WORK/strace-hf.txt")," \
  "git credential-store get $(total_calls "$WORK/strace-store.txt")"
run strace -f -qq -e trace=%file,%network,%process -o "$WORK/files.txt" "$BIN" get <"$REQ_HUB" >/dev/null
echo "  files and processes touched:"
sed -E 's/^[0-9]+ +//; s/, \[.*//' "$WORK/files.txt" | cut -c1-110 | sed 's/^/    /'

section "profile: perf stat (software counters, $PERF_RUNS runs)"
if run perf stat -e task-clock true >/dev/null 2>&1; then
  for cmd in "$BIN get" "git credential-store get"; do
    # shellcheck disable=SC2086 # the command is split on purpose
    run perf stat -r "$PERF_RUNS" -e task-clock,page-faults,context-switches,cpu-migrations \
      $cmd <"$REQ_HUB" 2>&1 >/dev/null | grep -E 'task-clock|page-faults|context|migrations|elapsed' |
      sed "s|^|  ${cmd/$BIN/git-credential-hf}: |; s/  */ /g" || echo "  perf stat failed"
  done
else
  echo "  perf stat: not supported here"
fi

section "profile: instructions (valgrind --tool=callgrind; stable from run to run)"
cg() {
  local out=$1; shift
  run valgrind --tool=callgrind --callgrind-out-file="$out" "$@" <"$REQ_HUB" >/dev/null 2>"$out.log" ||
    die "valgrind failed: $(tail -3 "$out.log")"
  callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
}
ir_hf=$(cg "$WORK/cg.hf" "$BIN" get)
ir_store=$(cg "$WORK/cg.store" git credential-store get)
ir_floor=$(cg "$WORK/cg.floor" "$FLOOR" "$H/.cache/huggingface/token" "$CACHE_FILE")
ir_true=$(cg "$WORK/cg.true" /bin/true)
printf '  %-34s %10s Ir\n' "git-credential-hf get" "$ir_hf" "git credential-store get" "$ir_store" \
  "rust floor (bench/floor.rs)" "$ir_floor" "/bin/true" "$ir_true"
echo "  git-credential-hf get by phase (inclusive):"
callgrind_annotate --inclusive=yes --threshold=100 "$WORK/cg.hf" >"$WORK/cg.hf.incl" 2>/dev/null
measure callgrind-phases "$WORK/cg.hf.incl" | sed 's/^/  /'
echo "  top functions (exclusive):"
callgrind_annotate --threshold=100 "$WORK/cg.hf" 2>/dev/null |
  awk '/file:function/ {on=1; next} on && NF && $1 ~ /^[0-9,]+$/ && n++ < 15' |
  sed -E 's/ \[[^]]*\]$//; s/^/    /' | cut -c1-120

# --- last, as it empties the cache -------------------------------------------------------------
section "cold get: one whoami round trip on loopback ($COLD_RUNS rounds)"
# Each cold run starts without a cache file; the warm run of the same round reuses the cache the
# cold one wrote; the round trip is an in-process HTTP GET on a fresh connection to the same server.
before=$(calls)
MEASURE_ENDPOINT=$LOCAL
measure time "$WORK/cold.json" --runs "$COLD_RUNS" --warmup 2 \
  --unlink "cold get=$CACHE_FILE" \
  "cold get=$REQ_LOCAL=$BIN get" \
  "warm get=$REQ_LOCAL=$BIN get" \
  "whoami round trip=@rtt=$LOCAL/api/whoami-v2"
MEASURE_ENDPOINT=""
n=$((COLD_RUNS + 2)) # cold gets, and as many round trips
made=$(($(calls) - before - n))
((made >= n)) || die "$n cold gets made $made whoami calls: the cold case is not cold"
measure check "whoami calls per cold get (warm gets in the same rounds: none)" \
  "$(awk "BEGIN { print $made / $n }")" --at-most 1 calls
measure cold "$WORK/cold.json" "cold get" "warm get" "whoami round trip" \
  "cold get: one whoami round trip and nothing measurable on top"
echo "git-lfs clone of a 20-file repo: <= 1 whoami call is asserted by tests/it/lfs_e2e.rs" \
  "(clone_with_20_lfs_files_costs_one_whoami; \`cargo test --test it lfs_e2e:: -- --nocapture\` prints the counts)"

# --- verdicts ----------------------------------------------------------------------------------
mode=full
((QUICK)) && mode="quick (few runs: the verdicts are indicative only)"
section "summary, $mode run, $((SECONDS - bench_started)) s after the build"
cat "$BENCH_VERDICTS"
