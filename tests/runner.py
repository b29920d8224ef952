#!/usr/bin/env python3
"""Run every geoha test suite and print one closing line.

Suites, in order:
  lint                     tools/lint.sh (TAP)
  unit                     build/tests/unit/test_*        (cmocka, TAP)
  unit-asan                build-asan/tests/unit/test_*   (ASan + UBSan)
  metadata                 tests/metadata/run
  every other tests/**/run (sorted; tests/cluster/ last)

Each suite prints TAP ("ok N - ...", "not ok N - ..."). A suite that exits
non-zero without reporting a failure counts as one failure, and so does a
plan ("1..N") that was not fulfilled. Output of each suite is kept in
build/test-logs/. The last line is "N passed, N failed" (", N skipped").

Usage: tests/runner.py [SUITE-SUBSTRING ...]   (run only matching suites)
"""
import os
import re
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(TOP, os.environ.get("BUILD", "build"))
LOGS = os.path.join(BUILD, "test-logs")

OK = re.compile(r"^ok\b")
NOT_OK = re.compile(r"^not ok\b")
SKIP = re.compile(r"#\s*skip", re.I)
PLAN = re.compile(r"^1\.\.(\d+)")


def suites():
    out = [("lint", [os.path.join(TOP, "tools/lint.sh")], {})]
    for build, name in ((BUILD, "unit"), (os.path.join(TOP, "build-asan"),
                                          "unit-asan")):
        d = os.path.join(build, "tests/unit")
        if os.path.isdir(d):
            for f in sorted(os.listdir(d)):
                p = os.path.join(d, f)
                if f.startswith("test_") and os.access(p, os.X_OK) \
                        and not f.endswith((".o", ".d")):
                    env = {"CMOCKA_MESSAGE_OUTPUT": "TAP"}
                    if name == "unit-asan":
                        env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0"
                        env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
                    out.append((f"{name}/{f}", [p], env))
    runs = []
    for root, dirs, files in os.walk(os.path.join(TOP, "tests")):
        dirs.sort()
        if "run" in files and os.access(os.path.join(root, "run"), os.X_OK):
            rel = os.path.relpath(root, os.path.join(TOP, "tests"))
            if rel in ("bench",):
                continue
            runs.append(rel)
    runs.sort(key=lambda r: (r.startswith("cluster"), r != "metadata", r))
    for rel in runs:
        out.append((rel, [os.path.join(TOP, "tests", rel, "run")], {}))
    return out


def run_suite(name, argv, extra_env):
    env = dict(os.environ)
    env.update(extra_env)
    env["GEOHA_TOP"] = TOP
    env["GEOHA_BUILD"] = BUILD
    os.makedirs(LOGS, exist_ok=True)
    log = os.path.join(LOGS, name.replace("/", "_") + ".log")
    passed = failed = skipped = 0
    plan = None
    start = time.time()
    with open(log, "w") as lf:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, env=env,
                                cwd=TOP, stdin=subprocess.DEVNULL)
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace")
            lf.write(line)
            lf.flush()
            s = line.rstrip("\n")
            if NOT_OK.match(s):
                if SKIP.search(s):
                    skipped += 1
                else:
                    failed += 1
                print(f"  [{name}] {s}", flush=True)
            elif OK.match(s):
                if SKIP.search(s):
                    skipped += 1
                else:
                    passed += 1
            elif PLAN.match(s) and plan is None:
                plan = int(PLAN.match(s).group(1))
        rc = proc.wait()
    seen = passed + failed + skipped
    if plan is not None and seen < plan:
        failed += plan - seen
        print(f"  [{name}] plan was 1..{plan} but only {seen} results",
              flush=True)
    if rc != 0 and failed == 0:
        failed += 1
        print(f"  [{name}] exited {rc} without reporting a failure", flush=True)
    took = time.time() - start
    print(f"{name}: {passed} passed, {failed} failed, {skipped} skipped "
          f"({took:.1f} s; log {os.path.relpath(log, TOP)})", flush=True)
    return passed, failed, skipped


def main():
    want = sys.argv[1:]
    tp = tf = ts = 0
    for name, argv, env in suites():
        if want and not any(w in name for w in want):
            continue
        p, f, s = run_suite(name, argv, env)
        tp, tf, ts = tp + p, tf + f, ts + s
    print(f"{tp} passed, {tf} failed" + (f", {ts} skipped" if ts else ""))
    return 1 if tf or tp == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
