"""Mutation fuzzing of the volume readers: takes the committed fixtures of every format
(Fixtures/volumes: MGH/MGZ, MINC1/2, Analyze, AFNI, PAR/REC, NRRD; Fixtures/nifti: .nii, .nii.gz,
.hdr/.img), corrupts their headers (random bytes, extreme integers, deleted runs, truncation, huge
NIfTI dimensions; gzip files are corrupted inside the stream, and sometimes cut short), and runs
`nprec info` (then `scales` and `convert` when info accepts the file). Any exit other than 0, 1
or 4, a crash report or a hang, is kept under the work directory and counted.

    python3 Tests/fuzz/fuzz_volumes.py [--seed N] [--runs N] [--only FORMAT]      (make fuzz-volumes)
"""
import argparse
import gzip
import os
import pathlib
import random
import shutil

from common import Campaign

ROOT = pathlib.Path(__file__).resolve().parents[2]
NPREC = os.environ.get("NPREC_BIN") or str(ROOT / ".build/release/nprec")
FIXTURES = ROOT / "Fixtures" / "volumes"
NIFTI = ROOT / "Fixtures" / "nifti"
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


def is_nifti(path):
    name = path.name.lower()
    return name.endswith((".nii", ".nii.gz")) or (path.parent == NIFTI and name.endswith(".hdr"))


def huge_dims(data, rng):
    """Sets NIfTI-1 dim[1...3] (int16s at byte 42) to large values, keeping the byte order."""
    if len(data) < 348 or data[:4] not in (b"\x5c\x01\0\0", b"\0\0\x01\x5c"):
        return data
    little = data[0] == 0x5c
    for axis in range(3):
        value = rng.choice([20000, 32767, 1000, rng.randrange(1, 32768)])
        data[42 + 2 * axis:44 + 2 * axis] = value.to_bytes(2, "little" if little else "big")
    return data


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--span", type=int, default=600, help="bytes of a binary file that may be corrupted")
    parser.add_argument("--only", default="", help="only fixtures under Fixtures/volumes/ONLY (minc, mgh, ...), "
                        "or nifti for Fixtures/nifti")
    parser.add_argument("--timeout", type=int, default=120, help="seconds before a run counts as hung")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    sources = sorted(p for p in FIXTURES.rglob("*")
                     if p.is_file() and p.suffix.lower() in HEADERS and p.stat().st_size < 400_000
                     and p.relative_to(FIXTURES).parts[0].startswith(args.only))
    if "nifti".startswith(args.only):
        sources += sorted(p for p in NIFTI.iterdir() if p.is_file() and is_nifti(p) and p.stat().st_size < 400_000)
    campaign = Campaign("volumes", NPREC, args.timeout, (0, 1, 4))
    for run in range(args.runs):
        source = rng.choice(sources)
        work = campaign.fresh_work()
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
        if is_nifti(source) and rng.random() < 0.3:
            data = huge_dims(data, rng)
        else:
            data = mutate(data, rng, source.suffix.lower() in TEXT, args.span)
        stored = gzip.compress(bytes(data)) if compressed else bytes(data)
        if compressed and rng.random() < 0.2:
            stored = stored[:rng.randrange(10, len(stored) + 1)]  # a stream that ends early
        target.write_bytes(stored)
        steps = [["info", target, work / "out"], ["scales", work / "out" / "info_fullres.json", work / "out"],
                 ["convert", target, work / "out", "-j", "2"]]
        for step in steps:
            result = campaign.run(step, f"{step[0]} on {source.name}")
            if result is None or result.returncode not in (0, 4):
                break
        else:
            campaign.accepted += 1
    return campaign.finish(args.runs, len(sources))

if __name__ == "__main__":
    raise SystemExit(main())
