"""Mutation fuzzing of the mesh readers: takes the committed mesh fixtures (Fixtures/mesh: GIfTI in
every encoding, OBJ, PLY ASCII and binary, STL ASCII and binary, OFF), corrupts them (random bytes,
extreme numbers in place of numbers, deleted runs, truncation; gzip files are corrupted inside the
stream, GIfTI GZipBase64Binary data is corrupted inside the base64), and runs `nprec mesh convert`
into a small segmentation dataset. Any exit other than 0 or 1, a crash report or a hang, is kept
under the work directory and counted.

    python3 Tests/fuzz/fuzz_meshes.py [--seed N] [--runs N] [--only SUFFIX]      (make fuzz-meshes)
"""
import argparse
import base64
import gzip
import os
import pathlib
import random
import re
import shutil
import zlib

from common import Campaign

ROOT = pathlib.Path(__file__).resolve().parents[2]
NPREC = os.environ.get("NPREC_BIN") or str(ROOT / ".build/release/nprec")
FIXTURES = ROOT / "Fixtures" / "mesh"
SUFFIXES = (".gii", ".obj", ".ply", ".stl", ".off", ".gz")
INFO = ('{"type": "segmentation", "data_type": "uint32", "num_channels": 1, "scales": [{"key": "1mm", '
        '"size": [64, 64, 64], "resolution": [1000000, 1000000, 1000000], "voxel_offset": [0, 0, 0], '
        '"chunk_sizes": [[64, 64, 64]], "encoding": "raw"}]}')
NUMBERS = [b"2000000000", b"-1", b"0", b"4294967295", b"9223372036854775807", b"99999999999999999999",
           b"-2147483648", b"1e308", b"nan", b"3"]


def mutate(data, rng):
    """Corrupts `data` (a bytearray) a few times; numbers are the favourite target."""
    for _ in range(rng.randint(1, 6)):
        if not data:
            break
        op = rng.random()
        if op < 0.35:
            numbers = [m.span() for m in re.finditer(rb"-?\d+", bytes(data[:200_000]))]
            if numbers:
                start, end = rng.choice(numbers)
                data[start:end] = rng.choice(NUMBERS)
                continue
        k = rng.randrange(len(data))
        if op < 0.7:
            data[k] = rng.randrange(256)
        elif op < 0.8:
            data[k:k + 4] = rng.choice([b"\xff\xff\xff\x7f", b"\0\0\0\0", b"\xff\xff\xff\xff", b"<", b"&", b"\""])
        else:
            del data[k:k + rng.randint(1, 50)]
    if rng.random() < 0.15:
        data = data[:rng.randrange(len(data) + 1)]
    return data


def mutate_gifti_gzip(data, rng):
    """Corrupts the decompressed bytes of one GZipBase64Binary <Data> element, or its base64."""
    spans = [m.span(1) for m in re.finditer(rb"<Data>([^<]*)</Data>", bytes(data))]
    if not spans or b"GZipBase64Binary" not in data:
        return None
    start, end = rng.choice(spans)
    try:
        raw = bytearray(zlib.decompress(base64.b64decode(bytes(data[start:end]))))
    except Exception:
        return None
    raw = mutate(raw, rng)
    data[start:end] = base64.b64encode(zlib.compress(bytes(raw)))
    return data


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--only", default="", help="only fixtures whose name ends in ONLY (.gii, .ply, ...)")
    parser.add_argument("--timeout", type=int, default=60, help="seconds before a run counts as hung")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    sources = sorted(p for p in FIXTURES.rglob("*")
                     if p.is_file() and p.name.lower().endswith(SUFFIXES) and p.stat().st_size < 2_000_000
                     and p.name.endswith(args.only))
    campaign = Campaign("meshes", NPREC, args.timeout, (0, 1))
    for run in range(args.runs):
        source = rng.choice(sources)
        work = campaign.fresh_work()
        (work / "seg").mkdir()
        (work / "seg" / "info").write_text(INFO)
        for file in source.parent.glob("*.dat"):  # external GIfTI data
            shutil.copy(file, work / file.name)
        target = work / source.name
        data = bytearray(source.read_bytes())
        compressed = data[:2] == b"\x1f\x8b"
        if compressed:
            data = bytearray(gzip.decompress(bytes(data)))
        mutated = mutate_gifti_gzip(data, rng) if rng.random() < 0.3 else None
        data = mutated if mutated is not None else mutate(data, rng)
        target.write_bytes(gzip.compress(bytes(data)) if compressed else bytes(data))
        result = campaign.run(["mesh", "convert", target, work / "seg"], f"mesh convert on {source.name}")
        if result is not None and result.returncode == 0:
            campaign.accepted += 1
    return campaign.finish(args.runs, len(sources))

if __name__ == "__main__":
    raise SystemExit(main())
