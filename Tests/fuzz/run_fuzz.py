"""make fuzz: runs libFuzzer on every target of `nprec-fuzz` (built with -sanitize=fuzzer,address)
for a fixed budget each: FUZZ_INPUTS inputs (default 10^5) or FUZZ_SECONDS (default 300),
whichever comes first; FUZZ_TARGETS (space-separated) picks some. Each target starts from its
committed seeds (Fixtures/fuzz/TARGET/) and the corpus it grew before (.fuzz/corpus/TARGET/, not
committed), with the libFuzzer dictionary Fixtures/fuzz/TARGET.dict if there is one. A crash, a
timeout (10 s) or an allocation over 1 GiB stops libFuzzer (leaks are not looked for: libhdf5
and Foundation leak on their error paths): the input is copied to
Fixtures/fuzz/TARGET/KIND-SHA1 (the tests replay it from then on) and the target resumes for the
rest of its budget. Prints one line per target and a total."""
import hashlib
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
FUZZER = ROOT / ".build-fuzz/release/nprec-fuzz"
RUNS = int(os.environ.get("FUZZ_INPUTS") or 100000)
SECONDS = int(os.environ.get("FUZZ_SECONDS") or 300)
# A malloc too big to serve returns NULL, as it does without ASan: libhdf5 asks for terabytes on
# some corrupt files and handles the NULL; a Swift allocation that fails still traps and is
# reported.
ASAN_OPTIONS = "detect_leaks=0:allocator_may_return_null=1"


def targets():
    usage = subprocess.run([str(FUZZER)], capture_output=True, text=True,
                           env={**os.environ, "ASAN_OPTIONS": ASAN_OPTIONS,
                 "SWIFT_BACKTRACE": "enable=no"}).stderr
    names = usage.split("targets:", 1)[1].splitlines()[0].strip().split(", ")
    chosen = os.environ.get("FUZZ_TARGETS", "").split()
    return [n for n in names if not chosen or n in chosen]


def fuzz(target):
    corpus = ROOT / ".fuzz/corpus" / target
    artifacts = ROOT / ".fuzz/artifacts" / target
    seeds = ROOT / "Fixtures/fuzz" / target
    for d in (corpus, artifacts):
        d.mkdir(parents=True, exist_ok=True)
    scratch = ROOT / ".fuzz/scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    runs, crashes, coverage, started = 0, [], 0, time.monotonic()
    while runs < RUNS:
        left = SECONDS - (time.monotonic() - started)
        if left < 1 or len(crashes) >= 10:
            break
        before = set(artifacts.iterdir())
        dictionary = ROOT / "Fixtures/fuzz" / f"{target}.dict"
        result = subprocess.run(
            [str(FUZZER), target, *([f"-dict={dictionary}"] if dictionary.exists() else []), f"-runs={RUNS - runs}", f"-max_total_time={int(left)}", "-timeout=10",
             "-rss_limit_mb=2048", "-malloc_limit_mb=1024", "-detect_leaks=0", "-print_final_stats=1",
             f"-artifact_prefix={artifacts}/", str(corpus), str(seeds)],
            capture_output=True, text=True,
            env={**os.environ, "NPREC_FUZZ_SCRATCH": str(scratch), "ASAN_OPTIONS": ASAN_OPTIONS,
                 "SWIFT_BACKTRACE": "enable=no"})
        log = result.stderr
        done = re.findall(r"stat::number_of_executed_units:\s*(\d+)", log)
        runs += int(done[-1]) if done else 0
        found = re.findall(r"cov: (\d+)", log)
        coverage = max([coverage] + [int(c) for c in found])
        new = sorted(set(artifacts.iterdir()) - before)
        if result.returncode == 0 and not new:
            break
        if not new:
            print(f"{target}: libFuzzer exited {result.returncode} with no artifact:\n{log[-3000:]}", file=sys.stderr)
            break
        for artifact in new:
            data = artifact.read_bytes()
            kind = artifact.name.split("-", 1)[0]
            name = f"{kind}-{hashlib.sha1(data).hexdigest()}"
            shutil.copy(artifact, seeds / name)
            summary = next((l for l in log.splitlines() if "SUMMARY" in l or "ERROR:" in l), "").strip()
            crashes.append((name, summary))
    return runs, coverage, crashes, time.monotonic() - started


def main():
    if not FUZZER.exists():
        sys.exit(f"no {FUZZER}: run make fuzz")
    total_runs, total_crashes = 0, 0
    print(f"libFuzzer, up to {RUNS} inputs or {SECONDS} s per target")
    for target in targets():
        runs, coverage, crashes, seconds = fuzz(target)
        total_runs += runs
        total_crashes += len(crashes)
        print(f"{target:24} {runs:8} inputs in {seconds:5.0f} s, coverage {coverage:6}, crashes {len(crashes)}")
        for name, summary in crashes:
            print(f"    Fixtures/fuzz/{target}/{name}: {summary}")
        sys.stdout.flush()
    print(f"total: {total_runs} inputs, {total_crashes} crashes (each saved under Fixtures/fuzz/TARGET/)")
    sys.exit(1 if total_crashes else 0)


if __name__ == "__main__":
    main()
