"""Mutation testing: plant a learner's mistake in a copy of numpy_rnn and check that the tests catch it.

A test suite that passes proves little on its own: a test that checks nothing passes too. This script takes each
mistake listed in scripts/mutants.py, applies it to a fresh copy of the library, and runs the tests named for it.
If they still pass, the mistake "survived": no test would notice it, and a test is missing.

    python scripts/mutation.py --list               # the mutants, and a check that each one still applies
    python scripts/mutation.py --jobs 2             # the whole campaign, two mutants at a time
    python scripts/mutation.py --only optimizers    # the mutants whose file or description contains a word
    python scripts/mutation.py --json results.json  # the results, for a machine

Each run is ``pytest -x -q`` with CI=true (the derandomized Hypothesis profile, so a result can be reproduced) in a
temporary directory holding copies of numpy_rnn/, tests/, scripts/ (tests/test_scripts.py runs them) and the
pytest configuration. Outcomes:

    killed     a test failed (pytest exit 1) or the mutated code broke collection (exit 2)
    timeout    the tests ran longer than --timeout: also killed (an infinite loop is caught), counted apart
    survived   every test passed (exit 0): the mistake went unnoticed
    error      anything else (exit 3-5, e.g. no tests collected): a problem of the runner, not of the tests
    equivalent marked in the list as unable to change any result: not run, never a survivor

Before any mutant, the same tests run once on the unmutated copy; if they fail there, no result would mean anything.
The exit status is 0 only when every mutant that was run was killed and every listed text was found.
"""
import argparse
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# setup.cfg: pytest's configuration; README.md: the results table that tests/test_reproduce.py compares
COPIED = ("numpy_rnn", "tests", "scripts", "setup.cfg", "pyproject.toml", "README.md")


def load_mutants():
    # scripts/ is not a package: load the list by path, so this works from any working directory.
    spec = importlib.util.spec_from_file_location("mutants", os.path.join(ROOT, "scripts", "mutants.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.MUTANTS


def problems_of(mutant, root=ROOT):
    """What would stop ``mutant`` from being applied or run, as a list of messages (empty: none)."""
    problems = []
    path = os.path.join(root, mutant.file)
    if not os.path.isfile(path):
        return [f"{mutant.file} does not exist"]
    with open(path, encoding="utf-8") as f:
        count = f.read().count(mutant.original)
    if count != 1:
        problems.append(f"original text found {count} times, not once: {mutant.original!r}")
    if mutant.replacement == mutant.original:
        problems.append("the replacement is the original text")
    if not mutant.tests:
        problems.append("no tests named")
    for test in mutant.tests:
        if not os.path.isfile(os.path.join(root, test.split("::")[0])):
            problems.append(f"test file of {test} does not exist")
    return problems


def copy_sources(dest):
    for name in COPIED:
        src = os.path.join(ROOT, name)
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(dest, name),
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis"))
        elif os.path.exists(src):
            shutil.copy2(src, dest)


def apply(mutant, dest):
    path = os.path.join(dest, mutant.file)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(mutant.original, mutant.replacement, 1))


_running = set()  # the pytest processes under way, so that Ctrl-C can stop them too
_running_lock = threading.Lock()


def run_tests(tests, timeout, mutant=None):
    """Run ``tests`` in a fresh copy (with ``mutant`` applied); returns (status, exit code, seconds, output)."""
    with tempfile.TemporaryDirectory(prefix="numpy_rnn-mutant-") as workdir:
        copy_sources(workdir)
        if mutant is not None:
            apply(mutant, workdir)
        env = dict(os.environ, CI="true", PYTHONPATH=workdir, PYTHONDONTWRITEBYTECODE="1")
        env.pop("HYPOTHESIS_PROFILE", None)  # it would override the CI profile
        command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
        start = time.monotonic()
        # A session of its own: on a timeout the whole process group is killed, including anything pytest started.
        process = subprocess.Popen(command, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True, start_new_session=True)
        with _running_lock:
            _running.add(process)
        try:
            output, _ = process.communicate(timeout=timeout)
            code = process.returncode
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
            code = None
        finally:
            with _running_lock:
                _running.discard(process)
        seconds = time.monotonic() - start
    if code is None:
        status = "timeout"
    else:
        status = {0: "survived", 1: "killed", 2: "killed"}.get(code, "error")
    return status, code, seconds, output


def union_of_tests(mutants):
    """Every test named by ``mutants``, once, in order; a node id is dropped when its whole file is listed."""
    tests = list(dict.fromkeys(t for m in mutants for t in m.tests))  # a dict keeps the first of each, in order
    return [t for t in tests if "::" not in t or t.split("::")[0] not in tests]


def tail(text, lines=30):
    return "\n".join(text.rstrip().splitlines()[-lines:])


def print_list(mutants):
    """Print the mutants by file with any problem found; returns the number of problems."""
    total = 0
    current = None
    for i, m in enumerate(mutants, 1):
        if m.file != current:
            current = m.file
            print(f"\n{current}")
        problems = problems_of(m)
        total += len(problems)
        mark = "equivalent" if m.equivalent else "mutant"
        print(f"  {i:3d} {mark:<10} {m.description}")
        print(f"      tests: {' '.join(m.tests)}")
        if m.equivalent:
            print(f"      why equivalent: {m.equivalent}")
        for problem in problems:
            print(f"      PROBLEM: {problem}")
    print(f"\n{len(mutants)} mutants, {sum(1 for m in mutants if m.equivalent)} marked equivalent, "
          f"{total} problem{'' if total == 1 else 's'}")
    return total


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at the same time (default 1)")
    parser.add_argument("--only", metavar="SUBSTRING", help="only mutants whose file or description contains it")
    parser.add_argument("--list", action="store_true", help="print the mutants and check that each applies; run none")
    parser.add_argument("--json", metavar="PATH", help="write the results to this file")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds per pytest run, the unmutated one included (default 300)")
    args = parser.parse_args(argv)

    mutants = load_mutants()
    if args.only:
        word = args.only.lower()
        mutants = [m for m in mutants if word in m.file.lower() or word in m.description.lower()]
    if not mutants:
        print("no mutant matches")
        return 2
    if args.list:
        return 1 if print_list(mutants) else 0

    broken = []
    for i, m in enumerate(mutants):
        problems = problems_of(m)
        if problems:
            broken.append(i)
            print(f"cannot apply: {m.file}: {m.description}: {'; '.join(problems)}")
    to_run = [i for i, m in enumerate(mutants) if not m.equivalent and i not in broken]

    if to_run:  # with no tests named, pytest would run the whole suite
        tests = union_of_tests(mutants[i] for i in to_run)
        print(f"unmutated baseline: {' '.join(tests)}", flush=True)
        status, code, seconds, output = run_tests(tests, args.timeout)
        if status != "survived":  # "survived" here means: every test passed
            print(tail(output))
            trouble = "ran out of time" if status == "timeout" else f"fail (pytest exit {code})"
            print(f"the unmutated tests {trouble} after {seconds:.0f} s: nothing a mutant does would mean anything")
            return 2
        print(f"passed in {seconds:.1f} s\n", flush=True)

    results = {}
    start = time.monotonic()
    width = max(len(m.file) for m in mutants)
    try:
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = {pool.submit(run_tests, mutants[i].tests, args.timeout, mutants[i]): i for i in to_run}
            for i, m in enumerate(mutants):
                if m.equivalent:
                    results[i] = ("equivalent", None, 0.0, "")
                    print(f"{'equivalent':<10} {'':>7}  {m.file:<{width}}  {m.description}", flush=True)
            for future in as_completed(futures):
                i = futures[future]
                m = mutants[i]
                results[i] = future.result()
                status, code, seconds, output = results[i]
                print(f"{status:<10} {seconds:6.1f}s  {m.file:<{width}}  {m.description}", flush=True)
                if status == "error":
                    print(tail(output, 10))
    except KeyboardInterrupt:
        with _running_lock:
            for process in _running:
                os.killpg(process.pid, signal.SIGKILL)
        raise
    elapsed = time.monotonic() - start

    count = {s: sum(1 for r in results.values() if r[0] == s)
             for s in ("killed", "timeout", "survived", "equivalent", "error")}
    print(f"\n{len(mutants)} mutants: {count['killed'] + count['timeout']} killed ({count['timeout']} by timeout), "
          f"{count['survived']} survived, {count['equivalent']} equivalent"
          + (f", {count['error']} runner errors" if count["error"] else "")
          + (f", {len(broken)} not applied" if broken else "")
          + f" ({elapsed:.0f} s, {args.jobs} jobs)")
    survivors = [mutants[i] for i in sorted(results) if results[i][0] == "survived"]
    if survivors:
        print("survivors (no test noticed these mistakes):")
        for m in survivors:
            print(f"  {m.file}: {m.description}  [{' '.join(m.tests)}]")

    if args.json:
        rows = []
        for i, m in enumerate(mutants):
            status, code, seconds, output = results.get(i, ("not applied", None, 0.0, ""))
            rows.append({"file": m.file, "description": m.description, "original": m.original,
                         "replacement": m.replacement, "tests": list(m.tests), "equivalent": m.equivalent,
                         "status": status, "exit_code": code, "seconds": round(seconds, 2),
                         "output_tail": tail(output) if status in ("survived", "error") else ""})
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"summary": dict(count, total=len(mutants), not_applied=len(broken),
                                       seconds=round(elapsed, 1)), "mutants": rows}, f, indent=2)
    return 1 if survivors or broken or count["error"] else 0


if __name__ == "__main__":
    sys.exit(main())
