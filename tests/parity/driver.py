"""Python side of tests/it/parity.rs: what does huggingface_hub.get_token() return for each case?

Usage:
    driver.py run CASES_JSON RESULTS_JSON   evaluate every case, write one result per case
    driver.py one                            evaluate the single case read from stdin (JSON),
                                             print the result as one JSON line on stdout

A case is {"id", "root", "cwd", "home", "env", "file", "spawn_check"}:
- env is the complete environment of the case (the Rust test gives our binary the same one);
- file says what the token file must be, at whatever path huggingface_hub resolves:
  {"kind": "absent" | "bytes" | "unreadable" | "symlink" | "dir" | "dangling", "hex": "<content>"}
  ("symlink": a symlink to a sibling file holding the content).

The token file is put in place by this script *after* huggingface_hub has resolved
HF_TOKEN_PATH, so it always sits exactly where Python looks. The Rust side also plants decoy
files with other tokens at the places a wrong path resolution would look; those the real path
coincides with are overwritten (or removed) here.

huggingface_hub computes its paths when `huggingface_hub.constants` is first imported, so every
case needs an interpreter in which huggingface_hub has never been imported. Starting one Python
per case costs ~0.2 s of CPU (too slow for hundreds of cases on 2 cores). Instead `run` imports
huggingface_hub once (to load its third-party dependencies), removes every huggingface_hub
module from sys.modules, and forks one child per case: the child sets the case's environment
and cwd, then imports huggingface_hub afresh (~10 ms). Cases with "spawn_check" are also run in a
brand-new interpreter (`driver.py one`) and both answers must match: that keeps the fork
shortcut honest.
"""

import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import traceback

# Parallel children: the work is CPU bound (imports), a few more than the cores hides I/O waits.
WORKERS = max(4, 2 * (os.cpu_count() or 2))


def is_within(path, folder):
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def remove_any(path):
    """Remove whatever is at `path` (file, symlink or folder); nothing there is fine."""
    if os.path.islink(path) or os.path.isfile(path):
        os.unlink(path)
    elif os.path.isdir(path):
        shutil.rmtree(path)


def setup_token_file(token_path, case):
    """Make the token file at `token_path` (relative to the cwd) what the case asks for.

    Idempotent: the spawn check runs it a second time. Returns a note for the failure report.
    """
    absolute = os.path.abspath(token_path)
    # Never write outside the case's own folder (the real home folder must stay untouched).
    if not is_within(absolute, case["root"]):
        raise RuntimeError(f"token path {absolute!r} is outside the case folder {case['root']!r}")
    # An empty HF_TOKEN_PATH makes Python read Path("") == "." (the cwd): it is already a folder,
    # and it must not be replaced.
    if absolute in (case["root"], case["cwd"], case["home"]):
        return f"token path {absolute} is a case folder: left as is"

    # pathlib drops a trailing slash ("~/t/" reads "~/t"): set up the file pathlib reads.
    target = str(pathlib.Path(token_path))
    kind = case["file"]["kind"]
    content = bytes.fromhex(case["file"].get("hex", ""))
    # Start from nothing (a decoy, or the first run's file), then build what the case asks for.
    remove_any(target)
    if kind == "absent":
        return f"nothing at {absolute}"
    parent = os.path.dirname(target)
    if parent:
        os.makedirs(parent, exist_ok=True)
    if kind in ("bytes", "unreadable"):
        with open(target, "wb") as f:
            f.write(content)
        if kind == "unreadable":
            # PermissionError in Python, unless running as root (then both read it).
            os.chmod(target, 0)
    elif kind == "symlink":
        with open(target + ".real", "wb") as f:
            f.write(content)
        os.symlink(os.path.basename(target) + ".real", target)
    elif kind == "dir":
        os.makedirs(target)
    elif kind == "dangling":
        os.symlink("no-such-target-parity", target)
    else:
        raise RuntimeError(f"unknown file kind {kind!r}")
    return f"{kind} at {absolute}"


def evaluate(case):
    """Evaluate one case in the current process (environment and cwd already set)."""
    import huggingface_hub
    import huggingface_hub.constants as constants

    token_path = constants.HF_TOKEN_PATH
    note = setup_token_file(token_path, case)

    from huggingface_hub import get_token

    result = {
        "id": case["id"],
        "token_path": token_path,
        "setup": note,
        "hf_version": huggingface_hub.__version__,
        "token": None,
        "error": None,
    }
    try:
        result["token"] = get_token()
    except Exception as exc:  # Python raising is the "both must fail" outcome
        result["error"] = f"{type(exc).__name__}: {exc}"
    return result


def enter_case(case):
    os.chdir(case["cwd"])
    os.environ.clear()
    os.environ.update(case["env"])


def evaluate_safely(case):
    try:
        enter_case(case)
        return evaluate(case)
    except BaseException:
        return {"id": case["id"], "harness_error": traceback.format_exc()}


def run_forked(cases, scratch):
    """Evaluate every case in its own forked child; returns {id: result}."""
    running = {}  # pid -> (case id, result file)
    results = {}

    def reap_one():
        pid, status = os.wait()
        case_id, result_file = running.pop(pid)
        try:
            with open(result_file, encoding="utf-8") as f:
                results[case_id] = json.load(f)
        except (OSError, ValueError):
            results[case_id] = {"id": case_id, "harness_error": f"child died (wait status {status})"}

    for case in cases:
        while len(running) >= WORKERS:
            reap_one()
        result_file = os.path.join(scratch, f"{case['id']}.json")
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                result = evaluate_safely(case)
                with open(result_file, "w", encoding="utf-8") as f:
                    json.dump(result, f)
            except BaseException:
                code = 70
            os._exit(code)
        running[pid] = (case["id"], result_file)
    while running:
        reap_one()
    return results


def run_spawned(case):
    """Evaluate one case in a brand-new interpreter with exactly the case's environment."""
    proc = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "one"],
        input=json.dumps(case),
        capture_output=True,
        text=True,
        env=case["env"],
        cwd=case["cwd"],
        timeout=120,
    )
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return {"id": case["id"], "harness_error": f"`one` failed ({proc.returncode}): {proc.stderr}"}


def comparable(result):
    return {key: result.get(key) for key in ("token_path", "token", "error", "harness_error")}


def main_run(cases_path, results_path):
    with open(cases_path, encoding="utf-8") as f:
        cases = json.load(f)

    # Load huggingface_hub's dependencies once, then forget huggingface_hub itself so that each
    # child imports it (and computes its constants) from scratch.
    import huggingface_hub.constants  # noqa: F401
    from huggingface_hub import get_token  # noqa: F401

    for name in [m for m in sys.modules if m == "huggingface_hub" or m.startswith("huggingface_hub.")]:
        del sys.modules[name]

    with tempfile.TemporaryDirectory(prefix="parity-results") as scratch:
        results = run_forked(cases, scratch)

    # Cross-check a sample in fresh interpreters, in parallel (threads only wait on processes).
    from concurrent.futures import ThreadPoolExecutor

    sampled = [case for case in cases if case.get("spawn_check")]
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for case, spawned in zip(sampled, pool.map(run_spawned, sampled)):
            forked = results[case["id"]]
            forked["spawn_checked"] = True
            if comparable(forked) != comparable(spawned):
                forked["harness_error"] = (
                    "forked and fresh interpreters disagree: "
                    f"forked={comparable(forked)!r} fresh={comparable(spawned)!r}"
                )

    with open(results_path, "w", encoding="utf-8") as f:
        json.dump([results[case["id"]] for case in cases], f)


def main_one():
    case = json.loads(sys.stdin.read())
    # `one` is started with the case's environment and cwd already; setting them again is a no-op
    # that keeps both paths through evaluate() identical.
    print(json.dumps(evaluate_safely(case)))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "run":
        main_run(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 2 and sys.argv[1] == "one":
        main_one()
    else:
        sys.exit(__doc__)
