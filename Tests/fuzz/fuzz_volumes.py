"""Mutation fuzzing of the volume readers: takes the committed fixtures of every format
(Fixtures/volumes: MGH/MGZ, MINC1/2, Analyze, AFNI, PAR/REC, NRRD), corrupts their headers
(random bytes, extreme integers, deleted runs, truncation; gzip files are corrupted inside the
stream), and runs `nprec info` (then `scales` and `convert` when info accepts the file). Any exit
other than 0, 1 or 4, or a crash report, is kept under the work directory and counted.

    python3 Tests/fuzz/fuzz_volumes.py [--seed N] [--runs N] [--only FORMAT]      (make fuzz-volumes)
"""
import argparse
import gzip
import os
import pathlib
import random
import shutil
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
NPREC = os.environ.get("NPREC_BIN") or str(ROOT / ".build/release/nprec")
FIXTURES = ROOT / "Fixtures" / "volumes"
HEADERS = (".mgz", ".mgh", ".mnc", ".head", ".par", ".nrrd", ".nhdr", ".hdr")
TEXT = (".par", ".head", ".nhdr", ".nrrd")


def companions(source):
    """The files of the same dataset (pairs, detached data)."""
    stem = source.name.split(".")[0].split("+")[0]
    return [p for p in source.parent.iterdir() if p.is_file() and p.name.split(".")[0].split("+")[0] == stem]


def mutate(data, rng, text, span):
    limit = min(len(data), 4000 if text else span)
    for _ in range(rng.randint(1, 8)):
        if not data:
            break
        k = rng.randrange(max(1, min(limit, len(data))))
        op = rng.random()
        if op < 0.6:
            data[k] = rng.randrange(256)
        elif op < 0.8:
            data[k:k + 4] = rng.choice([b"\xff\xff\xff\x7f", b"\0\0\0\0", b"\xff\xff\xff\xff", b"9999", b"-1 "])
        else:
            del data[k:k + rng.randint(1, 50)]
    if rng.random() < 0.2:
        data = data[:rng.randrange(len(data) + 1)]
    return data


def failed(result):
    return result.returncode not in (0, 1, 4) or "crashed" in result.stderr or "Fatal error" in result.stderr


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--span", type=int, default=600, help="bytes of a binary file that may be corrupted")
    parser.add_argument("--only", default="", help="only fixtures under Fixtures/volumes/ONLY (minc, mgh, ...)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    sources = sorted(p for p in FIXTURES.rglob("*")
                     if p.is_file() and p.suffix.lower() in HEADERS and p.stat().st_size < 400_000
                     and p.relative_to(FIXTURES).parts[0].startswith(args.only))
    base = pathlib.Path(tempfile.mkdtemp(prefix="nprec-fuzz-"))
    crashes = accepted = 0
    for run in range(args.runs):
        source = rng.choice(sources)
        work = base / "work"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        for file in companions(source):
            shutil.copy(file, work / file.name)
        target = work / source.name
        data = bytearray(target.read_bytes())
        compressed = data[:2] == b"\x1f\x8b"
        if compressed:
            try:
                data = bytearray(gzip.decompress(bytes(data)))
            except (OSError, EOFError):
                continue
        data = mutate(data, rng, source.suffix.lower() in TEXT, args.span)
        target.write_bytes(gzip.compress(bytes(data)) if compressed else bytes(data))
        steps = [["info", target, work / "out"], ["scales", work / "out" / "info_fullres.json", work / "out"],
                 ["convert", target, work / "out", "-j", "2"]]
        for step in steps:
            result = subprocess.run([NPREC, *map(str, step)], capture_output=True, text=True, timeout=300)
            if failed(result):
                crashes += 1
                keep = base / f"crash{crashes}"
                shutil.copytree(work, keep)
                print(f"CRASH {step[0]} on {source.name} (kept in {keep}): exit {result.returncode}: "
                      + result.stderr[:400].replace("\n", " | "))
                break
            if result.returncode not in (0, 4):
                break
        else:
            accepted += 1
    print(f"{args.runs} mutated files from {len(sources)} fixtures: {accepted} converted, "
          f"the others refused with exit 1; {crashes} crashes")
    if not crashes:
        shutil.rmtree(base, ignore_errors=True)
    return 1 if crashes else 0


if __name__ == "__main__":
    raise SystemExit(main())
