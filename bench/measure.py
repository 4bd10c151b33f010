#!/usr/bin/env python3
"""Measurement helpers for bench/run.sh (standard library only).

  measure.py time OUT.json --runs N [--warmup W] [--unlink NAME=PATH]... CASE...
      CASE is NAME=STDIN_FILE=COMMAND (NAME without `=`, COMMAND split with shlex), or
      NAME=@rtt=URL for one in-process HTTP GET on a fresh connection (Authorization from
      $BENCH_TOKEN).
      Runs the cases interleaved, one run of each per round, the order reversed every
      other round, so drift on a shared machine hits every case alike. Each run is a
      posix_spawn with stdin from the file and stdout/stderr to /dev/null, timed from
      spawn to wait4; a run that exits non-zero breaks the bench.
  measure.py ratio OUT.json A B (--at-most X | --at-least X | --info) LABEL
      median(A) / median(B) against a target (or none: INFO), plus the totals, the paired
      ratio (median of per-round A/B) and the ratio of the fastest runs, which are less
      sensitive to noise.
  measure.py cold OUT.json COLD WARM RTT LABEL
      What a cold get costs beyond a warm one and one loopback round trip, per round.
  measure.py check LABEL VALUE (--at-most X | --at-least X) UNIT
  measure.py callgrind-phases FILE
      Inclusive instruction counts of the warm path's phases from callgrind_annotate output.

Verdict lines go to stdout and are appended to $BENCH_VERDICTS when it is set.
"""

import argparse
import http.client
import json
import os
import re
import shlex
import shutil
import statistics
import sys
import time
import urllib.parse


# The commands under test see the caller's environment minus the bench's own variables.
CHILD_ENV = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_")}


def spawn_timed(argv, stdin_path):
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, stdin_path, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
    ]
    start = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, CHILD_ENV, file_actions=actions)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter_ns() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"measure.py: `{shlex.join(argv)}` exited with {status}: the bench is broken")
    return wall / 1e6, (usage.ru_utime + usage.ru_stime) * 1e3, usage.ru_maxrss


def rtt_timed(url, token):
    parts = urllib.parse.urlsplit(url)
    start = time.perf_counter_ns()
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    conn.request("GET", parts.path, headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    response.read()
    conn.close()
    wall = time.perf_counter_ns() - start
    if response.status != 200:
        sys.exit(f"measure.py: {url} answered {response.status}: the bench is broken")
    return wall / 1e6, 0.0, 0


def parse_case(text):
    name, stdin, command = text.split("=", 2)
    if stdin == "@rtt":
        token = os.environ.get("BENCH_TOKEN", "")
        return name, lambda: rtt_timed(command, token)
    argv = shlex.split(command)
    exe = shutil.which(argv[0], path=CHILD_ENV.get("PATH"))
    if exe is None:
        sys.exit(f"measure.py: {argv[0]} not found")
    argv[0] = exe
    return name, lambda: spawn_timed(argv, stdin)


def cmd_time(args):
    cases = [parse_case(c) for c in args.cases]
    unlink = dict(u.split("=", 1) for u in args.unlink)
    results = {name: {"wall_ms": [], "cpu_ms": [], "maxrss_kib": []} for name, _ in cases}
    for round_no in range(args.warmup + args.runs):
        order = cases if round_no % 2 == 0 else cases[::-1]
        for name, run in order:
            if name in unlink:
                try:
                    os.unlink(unlink[name])
                except FileNotFoundError:
                    pass
            wall, cpu, rss = run()
            if round_no >= args.warmup:
                r = results[name]
                r["wall_ms"].append(wall)
                r["cpu_ms"].append(cpu)
                r["maxrss_kib"].append(rss)
    with open(args.out, "w") as f:
        json.dump(results, f)
    width = max(len(n) for n in results)
    print(f"  {'':{width}}  {'median':>9} {'p10':>9} {'p90':>9} {'fastest':>9} {'cpu med':>9}  runs")
    for name, r in results.items():
        w = sorted(r["wall_ms"])
        p10, p90 = w[len(w) // 10], w[(len(w) * 9) // 10]
        print(
            f"  {name:{width}}  {statistics.median(w):7.3f}ms {p10:7.3f}ms {p90:7.3f}ms"
            f" {w[0]:7.3f}ms {statistics.median(r['cpu_ms']):7.3f}ms  {len(w)}"
        )


def verdict(label, ok, detail):
    """ok: True (PASS), False (MISS) or None (INFO: a figure without a target)."""
    word = {True: "PASS", False: "MISS", None: "INFO"}[ok]
    line = f"{word}  {label}: {detail}"
    print(line)
    path = os.environ.get("BENCH_VERDICTS")
    if path:
        with open(path, "a") as f:
            f.write(line + "\n")


def against(value, args):
    if args.at_most is not None:
        return value <= args.at_most, f"target <= {args.at_most:g}"
    return value >= args.at_least, f"target >= {args.at_least:g}"


def cmd_ratio(args):
    data = json.load(open(args.out))
    a, b = data[args.a]["wall_ms"], data[args.b]["wall_ms"]
    ratio = statistics.median(a) / statistics.median(b)
    paired = statistics.median(x / y for x, y in zip(a, b))
    fastest = min(a) / min(b)
    detail = (
        f"medians {statistics.median(a):.3f} / {statistics.median(b):.3f} ms, {len(a)} runs each"
        f" (in all {sum(a):.0f} / {sum(b):.0f} ms); paired {paired:.2f}x, fastest {fastest:.2f}x"
    )
    if args.info:
        verdict(args.label, None, f"{ratio:.2f}x ({detail})")
        return
    ok, target = against(ratio, args)
    verdict(args.label, ok, f"{ratio:.2f}x ({target}; {detail})")


def cmd_cold(args):
    data = json.load(open(args.out))
    cold, warm, rtt = (data[k]["wall_ms"] for k in (args.cold, args.warm, args.rtt))
    # Per round (the three ran back to back): what the cold get cost beyond a warm one and
    # one round trip. "Nothing measurable on top": the median of that is not above 0.5 ms
    # by more than its own 95% uncertainty.
    over = sorted(c - w - r for c, w, r in zip(cold, warm, rtt))
    n = len(over)
    iqr = over[(3 * n) // 4] - over[n // 4]
    half = 1.96 * 1.2533 * (iqr / 1.349) / n**0.5
    med = statistics.median(over)
    cpu = statistics.median(data[args.cold]["cpu_ms"]) - statistics.median(data[args.warm]["cpu_ms"])
    verdict(
        args.label,
        med - half <= 0.5,
        f"{med:+.3f} ms (95% +-{half:.3f}) on top of one loopback whoami (target <= 0.5 ms); "
        f"medians: cold {statistics.median(cold):.3f}, warm {statistics.median(warm):.3f}, "
        f"round trip {statistics.median(rtt):.3f} ms; extra CPU time {cpu:.3f} ms",
    )


def cmd_check(args):
    ok, target = against(args.value, args)
    verdict(args.label, ok, f"{args.value:g} {args.unit} ({target} {args.unit})")


# The warm path's phases: the inclusive cost of a function (the outermost of the regex's matches),
# minus that of another it calls. A function the optimiser inlined has no row of its own.
PHASES = [
    ("whole process", r"PROGRAM TOTALS", None),
    ("dynamic loading + relocation (ld.so, before any code runs)", r"rtld\.c:_dl_start ", None),
    ("  of which symbol lookups (BIND_NOW)", r"dl-lookup\.c:_dl_lookup_symbol_x ", None),
    ("libc + Rust runtime start and exit, outside main", r"libc-start\.c:__libc_start_main",
     r"git_credential_hf::main "),
    ("  of which main-thread stack guard (glibc pthread_getattr_np)", r"pthread_getattr_np", None),
    ("clap (build the command, parse argv, drop it)", r"git_credential_hf::main ",
     r"git_credential_hf::run "),
    ("  build the command", r"as clap_builder::derive::CommandFactory>::command ", None),
    ("  parse argv", r"clap_builder::builder::command::Command::_do_parse ", None),
    ("run (everything after clap)", r"git_credential_hf::run ", None),
    ("  env snapshot", r"git_credential_hf::env::Env::from_process ", None),
    ("  settings (endpoint, token paths)", r"git_credential_hf::settings::Settings::load ", None),
    ("  read the request", r"git_credential_hf::git::protocol::read_request ", None),
    ("  origin check", r"git_credential_hf::commands::Ctx::target ", None),
    ("  resolve the token (token file, stored_tokens)",
     r"git_credential_hf::commands::Ctx::resolve |git_credential_hf::hf::resolve::resolve ", None),
    ("  verdict from the cache", r"git_credential_hf::hub::verdict::Checker::cached ", None),
    ("    cache key (SHA-256 + hex)", r"git_credential_hf::hub::store::key ", None),
    ("      of which hex", r"git_credential_hf::token::hex ", None),
    ("    cache file read + JSON parse", r"git_credential_hf::hub::store::Store::entries", None),
    ("  write the answer", r"git_credential_hf::git::protocol::write_fields ", None),
]


def cmd_callgrind_phases(args):
    counts = {}
    for line in open(args.file):
        m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)", line)
        if m:
            counts.setdefault(m.group(2) + " ", int(m.group(1).replace(",", "")))

    def cost(pattern):
        hits = [v for k, v in counts.items() if re.search(pattern, k)]
        return max(hits) if hits else None

    total = cost(r"^PROGRAM TOTALS")
    if not total:
        sys.exit("measure.py: no PROGRAM TOTALS in the callgrind annotation")
    for label, pattern, minus in PHASES:
        v = cost(pattern)
        if v is not None and minus is not None:
            v = None if cost(minus) is None else v - cost(minus)
        if v is None:
            print(f"  {label:<62} {'(inlined)':>13}")
        else:
            print(f"  {label:<62} {v:>10,} Ir {100 * v / total:5.1f}%")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    t = sub.add_parser("time")
    t.add_argument("out")
    t.add_argument("--runs", type=int, required=True)
    t.add_argument("--warmup", type=int, default=3)
    t.add_argument("--unlink", action="append", default=[])
    t.add_argument("cases", nargs="+")

    def target(q, info=False):
        g = q.add_mutually_exclusive_group(required=True)
        g.add_argument("--at-most", type=float)
        g.add_argument("--at-least", type=float)
        if info:
            g.add_argument("--info", action="store_true", help="report the ratio, no target")

    r = sub.add_parser("ratio")
    r.add_argument("out")
    r.add_argument("a")
    r.add_argument("b")
    target(r, info=True)
    r.add_argument("label")

    c = sub.add_parser("cold")
    for name in ("out", "cold", "warm", "rtt", "label"):
        c.add_argument(name)

    k = sub.add_parser("check")
    k.add_argument("label")
    k.add_argument("value", type=float)
    target(k)
    k.add_argument("unit")

    g = sub.add_parser("callgrind-phases")
    g.add_argument("file")

    args = p.parse_args()
    {
        "time": cmd_time,
        "ratio": cmd_ratio,
        "cold": cmd_cold,
        "check": cmd_check,
        "callgrind-phases": cmd_callgrind_phases,
    }[args.cmd](args)


if __name__ == "__main__":
    main()
