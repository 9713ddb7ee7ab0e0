"""Mutation fuzzing of what nprec reads from a precomputed dataset: the info JSON (every value
of every key replaced by extreme, zero, negative, fractional, wrongly typed or missing values;
scales duplicated, dropped or swapped), chunks (raw, compressed_segmentation, JPEG, PNG: random
bytes, truncation, extension), shard files (shard index, minishard indexes, data) and the labels
CSV of `nprec mesh link`. The seed datasets are made from Fixtures/sample/brain.nii.gz by the
binary under test; each run copies one, mutates one thing, and runs the commands that read it
(`stats`, `scales`, `convert`, `downscale`, `reencode`, `mesh link`). Any exit other than 0, 1,
2 or 4, or a crash report on stderr, is kept under the work directory and counted; so are runs
that pass the time limit (reported apart). Each nprec process is limited to --memory GiB of
address space, so that an allocation sized by a bad value fails instead of exhausting the
machine.

    python3 Tests/fuzz/fuzz_info.py [--seed N] [--runs N] [--only info|chunk|shard|csv|fullres]   (make fuzz-info)
"""
import argparse
import gzip
import json
import math
import os
import pathlib
import random
import resource
import shutil
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
NPREC = os.environ.get("NPREC_BIN") or str(ROOT / ".build/release/nprec")
SAMPLE = ROOT / "Fixtures" / "sample" / "brain.nii.gz"

INTEGERS = [0, -1, 1, 2, 3, 7, 63, 64, 65, 255, 256, 511, 512, 4096, 65535, 65536, 2**24, 2**26 + 1, 2**31 - 1,
            2**31, 2**32, 2**32 + 1, 2**40, 2**53, 2**53 + 1, 2**62, 2**63 - 1, -2**31, -2**53, -2**63, 10**7,
            10**12]
OTHERS = [1e308, -1e308, 1e-308, 0.5, -0.0, 2.5, 1e19, "x", "", None, True, [], {}, [1, 2], [1, 2, 3, 4], [[]],
          "raw", "jpeg", "png", "compressed_segmentation", "gzip", "identity", "murmurhash3_x86_128", "uint64",
          "float32", "int8", "segmentation", "image"]


def interesting(rng, old):
    if rng.random() < 0.08:
        return rng.choice([math.nan, math.inf, -math.inf])
    if isinstance(old, (int, float)) and not isinstance(old, bool) and rng.random() < 0.3:
        return rng.choice([old + 1, old - 1, old * 2, -old, old * 1000003, old // 2, old + 2**62])
    if rng.random() < 0.65:
        return rng.choice(INTEGERS)
    return rng.choice(OTHERS)


def paths(value, prefix=()):
    """Every path into a JSON value, containers included."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, prefix + (index,))


def mutate_json(info, rng):
    for _ in range(rng.randint(1, 3)):
        choice = rng.random()
        if choice < 0.12 and info.get("scales"):
            scales = info["scales"]
            op = rng.randrange(4)
            if op == 0:
                scales.append(json.loads(json.dumps(rng.choice(scales))))
            elif op == 1 and len(scales) > 1:
                del scales[rng.randrange(len(scales))]
            elif op == 2 and len(scales) > 1:
                i, j = rng.randrange(len(scales)), rng.randrange(len(scales))
                scales[i], scales[j] = scales[j], scales[i]
            else:
                scale = rng.choice(scales)
                scale["sharding"] = {"@type": "neuroglancer_uint64_sharded_v1", "hash": rng.choice(
                    ["identity", "murmurhash3_x86_128"]), "preshift_bits": rng.choice([0, 1, 3, 40, 64, 65]),
                    "minishard_bits": rng.choice([0, 1, 6, 27, 33, 64]),
                    "shard_bits": rng.choice([0, 1, 2, 30, 64]),
                    "minishard_index_encoding": "gzip", "data_encoding": rng.choice(["gzip", "raw"])}
            continue
        candidates = [p for p in paths(info) if p]
        path = rng.choice(candidates)
        parent = info
        for key in path[:-1]:
            parent = parent[key]
        last = path[-1]
        if choice < 0.2:
            if isinstance(parent, dict):
                del parent[last]
            else:
                del parent[last]
        else:
            parent[last] = interesting(rng, parent[last])
    return info


def mutate_bytes(data, rng):
    data = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        if not data:
            break
        k = rng.randrange(len(data))
        op = rng.random()
        if op < 0.5:
            data[k] = rng.randrange(256)
        elif op < 0.7:
            data[k:k + 4] = rng.choice([b"\xff\xff\xff\x7f", b"\0\0\0\0", b"\xff\xff\xff\xff", b"\0\0\0\x20",
                                        b"\x01\0\0\0"])
        elif op < 0.85:
            data[k:k + 8] = rng.choice([b"\xff" * 8, b"\0" * 8, b"\xff\xff\xff\xff\xff\xff\xff\x7f",
                                        (1 << 40).to_bytes(8, "little")])
        else:
            del data[k:k + rng.randint(1, 64)]
    if rng.random() < 0.15:
        data = data[:rng.randrange(len(data) + 1)]
    elif rng.random() < 0.05:
        data += bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    return bytes(data)


def mutate_shard_index(data, rng, info, target):
    """Replaces one uint64 of the shard index (the start or end of a minishard index, relative
    to the end of the shard index) by a value of random magnitude."""
    key = target.parent.name
    scale = next((s for s in info["scales"] if s.get("key") == key), None)
    bits = scale.get("sharding", {}).get("minishard_bits", 0) if scale else 0
    words = min(2 << bits, len(data) // 8)
    if words == 0:
        return data
    data = bytearray(data)
    k = rng.randrange(words)
    value = rng.choice([0, len(data), len(data) + 1, rng.getrandbits(rng.randrange(1, 65))])
    data[8 * k:8 * k + 8] = value.to_bytes(8, "little")
    return bytes(data)


def limit_memory(gib):
    def apply():
        size = gib << 30
        resource.setrlimit(resource.RLIMIT_AS, (size, size))
    return apply


class Runner:
    def __init__(self, args, base):
        self.args = args
        self.base = base
        self.crashes = 0
        self.timeouts = 0
        self.commands = 0
        self.refused = 0

    def run(self, arguments, work, label):
        self.commands += 1
        try:
            result = subprocess.run([NPREC, *map(str, arguments)], capture_output=True, text=True,
                                    timeout=self.args.timeout, cwd=work, preexec_fn=limit_memory(self.args.memory))
        except subprocess.TimeoutExpired:
            self.timeouts += 1
            keep = self.base / f"timeout{self.timeouts}"
            shutil.copytree(work, keep, ignore=shutil.ignore_patterns("out*"))
            print(f"TIMEOUT {label}: {' '.join(map(str, arguments))} (kept in {keep})", flush=True)
            return None
        stderr = result.stderr
        if result.returncode not in (0, 1, 2, 4) or "Fatal error" in stderr or "crashed" in stderr \
                or "Backtrac" in stderr or "runtime failure" in stderr:
            self.crashes += 1
            keep = self.base / f"crash{self.crashes}"
            shutil.copytree(work, keep, ignore=shutil.ignore_patterns("out*"))
            lines = [line for line in stderr.splitlines() if line.strip() and not line.startswith(("0x", "at "))]
            print(f"CRASH {label}: {' '.join(map(str, arguments))} (kept in {keep}): exit {result.returncode}: "
                  + " | ".join(lines[:6])[:500], flush=True)
        elif result.returncode == 1:
            self.refused += 1
        return result


def make_seeds(base, runner):
    """The seed datasets: (name, directory, volume used to convert it)."""
    seeds = base / "seeds"
    seeds.mkdir()
    made = []
    cseg = ["--encoding", "compressed_segmentation", "--type", "segmentation"]
    specs = [
        ("raw", [], [], []),
        ("cseg", [], cseg, []),
        ("jpeg", [], ["--encoding", "jpeg"], []),
        ("png", [], ["--encoding", "png"], ["--no-gzip"]),
        ("sharded", ["--sharding", "2,1,1"], [], []),
        ("sharded_cseg", ["--sharding", "auto"], cseg, []),
    ]
    for name, info_options, scale_options, storage in specs:
        dest = seeds / name
        steps = [["info", SAMPLE, dest, *info_options],
                 ["scales", dest / "info_fullres.json", dest, "--target-chunk-size", "16", *scale_options],
                 ["convert", SAMPLE, dest, *storage], ["downscale", dest, *storage]]
        for step in steps:
            result = subprocess.run([NPREC, *map(str, step)], capture_output=True, text=True)
            if result.returncode not in (0, 4):
                raise SystemExit(f"cannot make seed {name}: {' '.join(map(str, step))}: {result.stderr}")
        made.append((name, dest, storage))
    return made


def chunk_files(dataset):
    return sorted(p for p in dataset.rglob("*") if p.is_file() and p.parent != dataset and "mesh" not in p.parts)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--only", default="", help="info, fullres, chunk, shard or csv")
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--memory", type=int, default=6, help="GiB of address space per nprec process")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    base = pathlib.Path(tempfile.mkdtemp(prefix="nprec-fuzz-info-"))
    runner = Runner(args, base)
    seeds = make_seeds(base, runner)
    kinds = [args.only] if args.only else ["info", "info", "info", "fullres", "chunk", "chunk", "shard", "csv"]
    counts = {}
    for run in range(args.runs):
        kind = rng.choice(kinds)
        counts[kind] = counts.get(kind, 0) + 1
        name, seed, storage = rng.choice(
            [s for s in seeds if kind not in ("chunk", "shard") or ("sharded" in s[0]) == (kind == "shard")])
        work = base / "work"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        dest = work / "d"
        shutil.copytree(seed, dest)
        label = f"run {run} {kind} on {name}"
        if kind in ("info", "fullres"):
            target = dest / ("info" if kind == "info" else "info_fullres.json")
            info = mutate_json(json.loads(target.read_text()), rng)
            target.write_text(json.dumps(info))
        elif kind == "chunk" or kind == "shard":
            files = [p for p in chunk_files(dest) if (p.suffix == ".shard") == (kind == "shard")]
            target = rng.choice(files)
            data = target.read_bytes()
            zipped = data[:2] == b"\x1f\x8b"
            if zipped:
                data = gzip.decompress(data)
            if kind == "shard" and rng.random() < 0.5:
                data = mutate_shard_index(data, rng, json.loads((dest / "info").read_text()), target)
            else:
                data = mutate_bytes(data, rng)
            target.write_bytes(gzip.compress(data) if zipped and rng.random() < 0.9 else data)
        else:
            lines = ["1,a", "2,b,c", '3,"d,e"']
            text = "\n".join(lines) + "\n"
            data = mutate_bytes(text.encode(), rng)
            (work / "links.csv").write_bytes(data)
        if kind == "fullres":
            commands = [["scales", dest / "info_fullres.json", work / "out"],
                        ["scales", dest / "info_fullres.json", work / "out2", "--target-chunk-size", "8"]]
        elif kind == "csv":
            info = json.loads((dest / "info").read_text())
            info["mesh"] = "mesh"
            (dest / "info").write_text(json.dumps(info))
            (dest / "mesh").mkdir(exist_ok=True)
            for fragment in "abcde":
                (dest / "mesh" / fragment).write_bytes(b"\0\0\0\0")
            commands = [["mesh", "link", work / "links.csv", dest]]
        else:
            commands = [["stats", dest], ["downscale", dest, *storage, "-j", "2"],
                        ["reencode", dest, work / "out", "--copy-info", "--flat", "-j", "2"]]
            if kind == "info":
                commands.insert(1, ["convert", SAMPLE, dest, *storage, "-j", "2"])
        for command in commands:
            runner.run(command, work, label)
    print(f"{args.runs} mutated inputs ({', '.join(f'{k}: {v}' for k, v in sorted(counts.items()))}), "
          f"{runner.commands} nprec runs, {runner.refused} refused with exit 1: {runner.crashes} crashes, "
          f"{runner.timeouts} timeouts")
    if not runner.crashes and not runner.timeouts:
        shutil.rmtree(base, ignore_errors=True)
    else:
        print(f"kept in {base}")
    return 1 if runner.crashes else 0


if __name__ == "__main__":
    raise SystemExit(main())
