"""make bench: nprec and neuroglancer-scripts 1.2.0 side by side in one run, same options and
gzip level; both outputs must decode to the same values. The two pyramids also run through
igneous (igneous-pipeline, `image create` then `image downsample`, as its users run it; its
gzip level is cloud-files' fixed 9), checked against nprec's values. Prints wall time, CPU time
and peak memory (/usr/bin/time -v, the pyramids best of two) and nprec's ratios; then nprec's
single-core stage throughputs beside the C++ anchors measured here (tinybrain,
compressed-segmentation, zlib)."""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import nibabel as nib
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "conformance"))
from harness import read_scales  # noqa: E402
NPREC = os.environ.get("NPREC_BIN") or str(ROOT / ".build/release/nprec")
BENCH = os.environ.get("NPREC_BENCH_BIN") or str(ROOT / ".build/release/nprec-bench")
VENV = pathlib.Path(sys.executable).parent
ANCHORS = os.environ.get("ANCHOR_PYTHON")
IGNEOUS = os.environ.get("IGNEOUS_BIN") or str(ROOT / ".venv-igneous/bin/igneous")
WORK = pathlib.Path(tempfile.mkdtemp(prefix="nprec-bench-"))
QUICK = os.environ.get("NPREC_BENCH_QUICK")  # smaller inputs, for a smoke run


def timed(argv):
    """Runs argv under /usr/bin/time -v: (wall s, cpu s, peak MiB)."""
    result = subprocess.run(["/usr/bin/time", "-v", *map(str, argv)], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv))} failed:\n{result.stderr[-3000:]}")
    return timed_text(result.stderr)


def timed_text(text):
    """(wall s, cpu s, peak MiB) from what /usr/bin/time -v printed."""
    wall = text.split("Elapsed (wall clock) time (h:mm:ss or m:ss): ")[1].split("\n")[0]
    parts = [float(p) for p in wall.split(":")]
    seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    user = float(re.search(r"User time \(seconds\): ([\d.]+)", text).group(1))
    system = float(re.search(r"System time \(seconds\): ([\d.]+)", text).group(1))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) / 1024
    return seconds, user + system, rss


def same(a_root, b_root, tolerance=0, count=None):
    a, b = read_scales(a_root, count), read_scales(b_root, count)
    assert list(a) == list(b), (list(a), list(b))
    for key in a:
        if tolerance:
            assert np.abs(a[key].astype(float) - b[key].astype(float)).max() <= tolerance, key
        else:
            assert np.array_equal(a[key], b[key]), f"scale {key} differs"
    return "same values"


def best_of_two(run, outputs):
    """The faster of two runs of `run()` (wall s, CPU s, peak MiB), `outputs` removed before each."""
    results = []
    for _ in range(2):
        for out in outputs:
            shutil.rmtree(out, ignore_errors=True)
        results.append(run())
    return min(results)


def igneous_pyramid(source, out, mips, labels):
    """igneous as its users run it: `image create` from the NIfTI file (one process), then
    `image downsample` executed locally (no --queue) by one process per core. --memory makes
    each task's shape 64 * 2^mips voxels a side, so one task computes all `mips` levels of its
    region (as many levels as nprec's pyramid has) and the volume splits into several tasks.
    Returns the total (wall s, CPU s, peak MiB) of both commands."""
    itemsize = 4 if labels else 1
    memory = int(itemsize * 64 ** 3 * 8 ** mips * 8 / 7 * 2)  # igneous's num_mips_from_memory_target
    kind = ["--seg", "--encoding", "compressed_segmentation"] if labels else []
    create = timed([IGNEOUS, "image", "create", source, f"file://{out}", "--resolution", "1000000,1000000,1000000",
                    "--compress", "gzip", "--chunk-size", "64,64,64", *kind])
    if mips == 0:
        return create
    down = timed([IGNEOUS, "-p", os.cpu_count(), "image", "downsample", f"file://{out}", "--volumetric",
                  "--method", "mode" if labels else "avg", "--compress", "gzip", "--num-mips", mips,
                  "--memory", memory])
    return create[0] + down[0], create[1] + down[1], max(create[2], down[2])


def scale_count(root):
    return len(json.loads((root / "info").read_text())["scales"])


def blocks(volume):
    """(C, Z, Y, X) -> (Z/2, Y/2, X/2, 8): the 2x2x2 blocks, x fastest within a block."""
    _, z, y, x = volume.shape
    return volume[0].reshape(z // 2, 2, y // 2, 2, x // 2, 2).transpose(0, 2, 4, 1, 3, 5).reshape(z // 2, y // 2, x // 2, 8)


def against_igneous(ours_root, igneous_root, labels):
    """nprec's values against igneous's, scale by scale (igneous names its scales by resolution).
    Image: igneous floors each level's mean of the full-resolution voxels (tinybrain carries
    sums between levels) where nprec rounds, so nprec - igneous must be 0 or 1. Labels: equal at
    full resolution; below, both take the most frequent label of each 2x2x2 block, nprec the
    smallest label on a tie, igneous (tinybrain) the first in x-fastest order, so differences at
    the first downsampled scale must all be ties."""
    ours, theirs = list(read_scales(ours_root).values()), list(read_scales(igneous_root).values())
    assert len(ours) == len(theirs), (len(ours), len(theirs))
    assert np.array_equal(ours[0], theirs[0]), "full resolution differs from igneous"
    notes = []
    for level, (a, b) in enumerate(zip(ours[1:], theirs[1:]), start=1):
        assert a.shape == b.shape, (level, a.shape, b.shape)
        differ = np.count_nonzero(a != b)
        if not labels:
            delta = a.astype(np.int16) - b.astype(np.int16)
            assert delta.min() >= 0 and delta.max() <= 1, f"level {level}: nprec - igneous in [{delta.min()}, {delta.max()}]"
            notes.append(f"{100 * differ / a.size:.0f}%")
            continue
        if level == 1:
            cube, mask = blocks(ours[0]), a[0] != b[0]
            counts = (cube[..., None, :] == cube[..., :, None]).sum(-1).max(-1)
            ours_count = (cube == a[0][..., None]).sum(-1)
            theirs_count = (cube == b[0][..., None]).sum(-1)
            assert np.all(ours_count[mask] == counts[mask]) and np.all(theirs_count[mask] == counts[mask]), \
                "a label differs from igneous where the block has no tie"
        notes.append(f"{100 * (1 - differ / a.size):.1f}%")
    if not notes:
        return "igneous: same values (one scale)"
    if labels:
        return f"igneous: equal at full resolution; agree below on {', '.join(notes)} (the rest ties, broken differently)"
    return (f"igneous: equal at full resolution; {', '.join(notes)} of the voxels below are 1 under nprec's "
            "(igneous rounds averages down), none else differ")


def volume(name, shape, dtype, labels=False, gz=True):
    path = WORK / (name + (".nii.gz" if gz else ".nii"))
    rng = np.random.default_rng(0)
    if labels:
        x, y, z = np.meshgrid(*[np.arange(n) for n in shape], indexing="ij")
        data = ((x // 9 + (y // 7) * 3 + (z // 11) * 5) % 23).astype(dtype)
        noise = rng.random(shape) < 0.05
        data[noise] = rng.integers(0, 23, noise.sum())
    else:
        x, y, z = np.meshgrid(*[np.linspace(0, 1, n, dtype=np.float32) for n in shape], indexing="ij")
        data = (np.sin(x * 20) * np.cos(y * 15) + z) * 60 + 100 + rng.normal(0, 8, shape).astype(np.float32)
        data = np.clip(data, 0, 255).astype(dtype)
    nib.save(nib.Nifti1Image(data, np.eye(4)), str(path))
    return path


def atlas(name, n, regions=80):
    """An atlas-like labels volume (uint32, n^3): `regions` Voronoi cells of random seeds inside
    an ellipsoidal brain, their walls bent by smooth waves; background 0 outside."""
    from scipy.spatial import cKDTree
    path = WORK / f"{name}.nii.gz"
    rng = np.random.default_rng(2)
    seeds = rng.random((regions * 3, 3))
    seeds = seeds[(((seeds - 0.5) / [0.45, 0.4, 0.35]) ** 2).sum(1) <= 1][:regions]
    tree = cKDTree(seeds)
    data = np.zeros((n, n, n), np.uint32)
    g = (np.arange(n, dtype=np.float32) + 0.5) / n
    y, z = np.meshgrid(g, g, indexing="ij")
    for i, x in enumerate(g):
        wx = x + 0.04 * np.sin(2 * np.pi * (2 * y + z))
        wy = y + 0.04 * np.sin(2 * np.pi * (2 * z + x))
        wz = z + 0.04 * np.sin(2 * np.pi * (2 * x + y))
        _, nearest = tree.query(np.stack([wx, wy, wz], -1).reshape(-1, 3))
        inside = ((x - 0.5) / 0.45) ** 2 + ((y - 0.5) / 0.4) ** 2 + ((z - 0.5) / 0.35) ** 2 <= 1
        data[i] = np.where(inside, nearest.reshape(n, n) + 1, 0)
    nib.save(nib.Nifti1Image(data, np.eye(4)), str(path))
    return path, len(np.unique(data)) - 1


def mesh_case(scale, has_igneous):
    """Meshes of an atlas-like labels volume: `nprec mesh generate --sharding auto -j 2` against
    igneous `mesh forge --sharded` + `mesh merge-sharded` executed locally by 2 processes (no
    --queue), the same simplification error (half a voxel) and levels of detail (level 0 of 64^3
    voxels, to one fragment per label), best of two. Triangles at level 0: nprec prints them;
    igneous's are read by cloud-volume."""
    n = 256 // scale
    source, regions = atlas("atlas", n)
    ours_root, ig_root = WORK / "atlas-ours", WORK / "atlas-ig"
    subprocess.run([NPREC, "pyramid", source, ours_root, "--type", "segmentation", "--encoding",
                    "compressed_segmentation", "--max-scales", "1"], check=True, capture_output=True)
    lods = max(1, (n // 64).bit_length())  # 64, 128, ..., n voxels a side
    printed = {}

    def ours():
        result = subprocess.run(["/usr/bin/time", "-v", NPREC, "mesh", "generate", "--sharding", "auto", "-j", "2",
                                 ours_root], capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"nprec mesh generate failed:\n{result.stderr[-3000:]}")
        printed["out"] = result.stdout + result.stderr
        return timed_text(result.stderr)

    mine = best_of_two(ours, [ours_root / "mesh"])
    ours_bytes = sum(p.stat().st_size for p in (ours_root / "mesh").rglob("*.shard"))
    found = re.search(r"triangles LOD 0: (\d+)", printed["out"])
    ours_triangles = int(found.group(1).replace(",", "")) if found else None
    print(f"\n| meshes of a {n}^3 uint32 atlas ({regions} labels) | wall s | CPU s | peak MiB | .shard bytes | "
          "triangles at LOD 0 |")
    print("|---|---|---|---|---|---|")
    print(f"| nprec mesh generate --sharding auto -j 2 | {mine[0]:.1f} | {mine[1]:.1f} | {mine[2]:.0f} | "
          f"{ours_bytes} | {ours_triangles} |")
    sys.stdout.flush()
    if not has_igneous:
        return
    subprocess.run([IGNEOUS, "image", "create", source, f"file://{ig_root}", "--resolution", "1000000,1000000,1000000",
                    "--compress", "gzip", "--chunk-size", "64,64,64", "--seg", "--encoding", "compressed_segmentation"],
                   check=True, capture_output=True)

    def igneous():
        shape = f"{max(64, n // 2)},{max(64, n // 2)},{max(64, n // 2)}"
        forge = timed([IGNEOUS, "-p", 2, "mesh", "forge", f"file://{ig_root}", "--sharded", "--shape", shape,
                       "--max-error", 500000])
        merge = timed([IGNEOUS, "-p", 2, "mesh", "merge-sharded", f"file://{ig_root}", "--nlod", lods,
                       "--min-chunk-size", "64,64,64"])
        return forge[0] + merge[0], forge[1] + merge[1], max(forge[2], merge[2])

    def clear():
        """Removes igneous's mesh directory (named by the info's mesh key) and the key."""
        info_now = json.loads((ig_root / "info").read_text())
        if "mesh" in info_now:
            shutil.rmtree(ig_root / info_now.pop("mesh"), ignore_errors=True)
        (ig_root / "info").write_text(json.dumps(info_now))

    results = []
    for _ in range(2):
        clear()
        results.append(igneous())
    theirs = min(results)
    info = json.loads((ig_root / "info").read_text())
    mesh_dir = ig_root / info["mesh"]
    ig_bytes = sum(p.stat().st_size for p in mesh_dir.rglob("*.shard"))  # not forge's .frags, spatial index
    others = sorted({p.suffix or p.name for p in mesh_dir.rglob("*") if p.is_file() and p.suffix != ".shard"})
    script = ("import sys\nfrom cloudvolume import CloudVolume\n"
              "vol = CloudVolume('file://' + sys.argv[1], progress=False)\n"
              "labels = [int(a) for a in sys.argv[2:]]\n"
              "print(sum(len(m.faces) for m in vol.mesh.get(labels, lod=0).values()))\n")
    counted = subprocess.run([pathlib.Path(IGNEOUS).parent / "python", "-c", script, ig_root,
                              *map(str, range(1, regions + 1))], capture_output=True, text=True, check=True)
    ig_triangles = int(counted.stdout.split()[-1])
    print(f"| igneous 4.37 mesh forge --sharded + merge-sharded --nlod {lods}, -p 2 | {theirs[0]:.1f} | {theirs[1]:.1f} | "
          f"{theirs[2]:.0f} | {ig_bytes} | {ig_triangles} |")
    print(f"\nigneous's mesh directory also holds {', '.join(others)} files (forge's fragments, spatial index)")
    ratio = f"{ig_triangles / ours_triangles:.2f}x" if ours_triangles else "–"
    print(f"\nnprec against igneous: **{theirs[0] / mine[0]:.1f}x** wall, {theirs[1] / mine[1]:.1f}x CPU, "
          f".shard bytes {ours_bytes / ig_bytes:.2f}x igneous's, igneous has {ratio} nprec's triangles at LOD 0 "
          f"(load average {' '.join(f'{x:.2f}' for x in os.getloadavg())})")
    sys.stdout.flush()


def row(case, ours, ref, note, ign=None):
    ig = [f"{ign[0]:.1f}", f"**{ign[0] / ours[0]:.1f}x**", f"{ign[1]:.1f}", f"{ign[2]:.0f}"] if ign else ["–"] * 4
    print(f"| {case} | {ours[0]:.1f} | {ref[0]:.1f} | {ig[0]} | **{ref[0] / ours[0]:.1f}x** | {ig[1]} | "
          f"{ours[1]:.1f} | {ref[1]:.1f} | {ig[2]} | {ours[2]:.0f} | {ref[2]:.0f} | {ig[3]} | {note} |")
    sys.stdout.flush()


def ref(script):
    return VENV / script


def main():
    scale = 2 if QUICK else 1
    has_igneous = pathlib.Path(IGNEOUS).is_file()
    igneous_version = subprocess.run([IGNEOUS, "--version"], capture_output=True, text=True).stdout.strip() \
        if has_igneous else f"no igneous at {IGNEOUS}: its columns stay empty"
    print(f"nprec {NPREC}; {igneous_version}; machine: {os.cpu_count()} cores, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; inputs in {WORK}\n")
    print("| case | nprec wall s | reference wall s | igneous wall s | vs reference | vs igneous | nprec CPU s | "
          "ref CPU s | igneous CPU s | nprec peak MiB | ref peak MiB | igneous peak MiB | check |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")

    def pyramid_case(title, source, name, args, labels):
        """nprec, the reference and igneous on one pyramid, best of two each."""
        ours_root, ref_root, ig_root = WORK / f"{name}-ours", WORK / f"{name}-ref", WORK / f"{name}-ig"
        ours = best_of_two(lambda: timed([NPREC, "pyramid", source, ours_root, *args]), [ours_root])
        theirs = best_of_two(lambda: timed([ref("volume-to-precomputed-pyramid"), source, ref_root, *args]),
                             [ref_root])
        note, ign = same(ours_root, ref_root), None
        if has_igneous:
            mips = scale_count(ours_root) - 1
            ign = best_of_two(lambda: igneous_pyramid(source, ig_root, mips, labels=labels), [ig_root])
            note += "; " + against_igneous(ours_root, ig_root, labels=labels)
        row(title, ours, theirs, note, ign)

    # 1. Image pyramid, default options, gzip level 6 for nprec and the reference.
    image = volume("image", (512 // scale, 512 // scale, 384 // scale), np.uint8)
    pyramid_case(f"image pyramid {image.name} {512 // scale}x{512 // scale}x{384 // scale} uint8", image, "img",
                 ["--compresslevel", "6"], labels=False)

    # 2. Segmentation pyramid: compressed_segmentation + majority (igneous: mode).
    labels = volume("labels", (256 // scale,) * 3, np.uint32, labels=True)
    pyramid_case(f"segmentation pyramid {256 // scale}^3 uint32, cseg + majority", labels, "seg",
                 ["--encoding", "compressed_segmentation", "--downscaling-method", "majority", "--compresslevel", "6"],
                 labels=True)

    # Meshes of an atlas-like labels volume, nprec and igneous.
    mesh_case(scale, has_igneous)
    print("\n| case | nprec wall s | reference wall s | igneous wall s | vs reference | vs igneous | nprec CPU s | "
          "ref CPU s | igneous CPU s | nprec peak MiB | ref peak MiB | igneous peak MiB | check |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")

    # 3. convert of a large uncompressed volume: peak memory against the raw size.
    big_shape = (1024 // scale, 512 // scale, 512 // scale)
    big = volume("big", big_shape, np.uint8, gz=False)
    raw_mib = np.prod(big_shape) / 2 ** 20
    for root, tool in ((WORK / "big-ours", NPREC), (WORK / "big-ref", None)):
        subprocess.run([NPREC, "info", big, root], capture_output=True)
        subprocess.run([NPREC, "scales", root / "info_fullres.json", root], capture_output=True, check=True)
    ours = timed([NPREC, "convert", big, WORK / "big-ours", "--compresslevel", "6"])
    theirs = timed([ref("volume-to-precomputed"), big, WORK / "big-ref", "--compresslevel", "6"])
    row(f"convert {'x'.join(map(str, big_shape))} uint8 .nii ({raw_mib:.0f} MiB raw)", ours, theirs,
        f"{same(WORK / 'big-ours', WORK / 'big-ref', count=1)}; nprec peak = {ours[2] / raw_mib:.2f}x raw")

    # 4. JPEG reencode of the image pyramid.
    for out in ("jpg-ours", "jpg-ref"):
        subprocess.run([NPREC, "scales", "--encoding", "jpeg", WORK / "img-ours" / "info", WORK / out],
                       capture_output=True, check=True)
    ours = timed([NPREC, "reencode", WORK / "img-ours", WORK / "jpg-ours"])
    theirs = timed([ref("convert-chunks"), WORK / "img-ours", WORK / "jpg-ref"])
    identical = all((WORK / "jpg-ours" / p.relative_to(WORK / "jpg-ref")).read_bytes() == p.read_bytes()
                    for p in (WORK / "jpg-ref").rglob("*") if p.is_file() and p.name != "info")
    row("JPEG reencode of the image pyramid", ours, theirs, "byte-identical chunks" if identical else "DIFFER")

    # 5. Slice stack (PNG) conversion.
    from PIL import Image
    slices = WORK / "slices"
    slices.mkdir()
    data = np.asarray(nib.load(str(image)).dataobj)
    for s in range(data.shape[2]):
        Image.fromarray(np.ascontiguousarray(data[:, :, s].T)).save(slices / f"s{s:04d}.png")
    for root in ("sl-ours", "sl-ref"):
        subprocess.run([NPREC, "info", slices, WORK / root, "--resolution", "1000000,1000000,1000000"],
                       capture_output=True, check=True)
        subprocess.run([NPREC, "scales", WORK / root / "info_fullres.json", WORK / root], capture_output=True, check=True)
    ours = timed([NPREC, "convert", slices, WORK / "sl-ours", "--compresslevel", "6"])
    theirs = timed([ref("slices-to-precomputed"), slices, WORK / "sl-ref", "--compresslevel", "6"])
    row(f"slice stack {data.shape[2]} PNG slices of {data.shape[0]}x{data.shape[1]}", ours, theirs,
        same(WORK / "sl-ours", WORK / "sl-ref", count=1))

    # 6. Sharded convert: memory and time against the unsharded convert of the same input.
    print("\n| convert (nprec) | wall s | CPU s | peak MiB | peak / raw |")
    print("|---|---|---|---|---|")
    image_raw = image.with_name("image-raw.nii")
    nib.save(nib.load(str(image)), str(image_raw))
    image_mib = np.prod(nib.load(str(image)).shape) / 2 ** 20
    for source in (image, image_raw):
        for sharding in ([], ["--sharding", "auto"]):
            root = WORK / f"conv-{source.name}-{len(sharding)}"
            subprocess.run([NPREC, "info", source, root, *sharding], capture_output=True)
            subprocess.run([NPREC, "scales", root / "info_fullres.json", root], capture_output=True, check=True)
            wall, cpu, peak = timed([NPREC, "convert", source, root])
            print(f"| {source.name} {'sharded auto' if sharding else 'unsharded'} | {wall:.1f} | {cpu:.1f} | "
                  f"{peak:.0f} | {peak / image_mib:.2f}x |")
            shutil.rmtree(root)

    # 7. Split runs: N=2 processes of -j 1 against one process of -j 1, from the .nii (each task
    # reads its region only) and from the .nii.gz (each task decompresses the stream up to the end
    # of its region). Rounds alternate one run and a split run, and the speed-up is the median of
    # the rounds' ratios, so that the noise of a shared machine falls on both sides. Then a kill
    # at 50% and a resume, against the median single run.
    import statistics
    import time
    rounds = 5
    print(f"\n| distributed pyramid (nprec, -j 1 per process, {rounds} rounds) | one process s | 2 tasks + final s "
          "| speed-up (median of ratios) | check |")
    print("|---|---|---|---|---|")
    baseline = {}
    for source in (image_raw, image):
        ones, twos, identical = [], [], True
        for _ in range(rounds):
            for out in ("one", "two"):
                shutil.rmtree(WORK / out, ignore_errors=True)
            ones.append(timed([NPREC, "pyramid", source, WORK / "one", "-j", "1"])[0])
            start = time.monotonic()
            tasks = [subprocess.Popen([NPREC, "pyramid", "--task", f"{i}/2", source, WORK / "two", "-j", "1"],
                                      stderr=subprocess.DEVNULL) for i in range(2)]
            assert all(t.wait() == 0 for t in tasks)
            subprocess.run([NPREC, "downscale", WORK / "two"], check=True, capture_output=True)
            twos.append(time.monotonic() - start)
            identical &= subprocess.run(["diff", "-r", WORK / "one", WORK / "two"], capture_output=True).returncode == 0
        ratio = statistics.median(a / b for a, b in zip(ones, twos))
        baseline[source] = statistics.median(ones)
        print(f"| {source.name} | {statistics.median(ones):.1f} | {statistics.median(twos):.1f} | **{ratio:.2f}x** "
              f"(goal >= 1.8x; rounds {min(a / b for a, b in zip(ones, twos)):.2f}-"
              f"{max(a / b for a, b in zip(ones, twos)):.2f}) | {'byte-identical' if identical else 'DIFFER'} |")
        sys.stdout.flush()
    one = baseline[image_raw]
    start = time.monotonic()
    killed = subprocess.Popen([NPREC, "pyramid", image_raw, WORK / "killed", "-j", "1"], stderr=subprocess.DEVNULL)
    time.sleep(one / 2)
    killed.kill()
    killed.wait()
    subprocess.run([NPREC, "pyramid", "--resume", image_raw, WORK / "killed", "-j", "1"], check=True,
                   capture_output=True)
    total = time.monotonic() - start
    identical = subprocess.run(["diff", "-r", WORK / "one", WORK / "killed"], capture_output=True).returncode == 0
    print(f"\nSIGKILL at 50% of a {one:.1f} s pyramid ({image_raw.name}, -j 1), then --resume: {total:.1f} s in all, "
          f"{total - one:+.1f} s lost ({(total - one) / one * 100:+.0f}%), "
          f"{'byte-identical' if identical else 'DIFFERENT'} to the uninterrupted run")
    sys.stdout.flush()

    # Stage throughputs, one core.
    print("\n| stage (nprec, one core) | throughput | anchor measured here |")
    print("|---|---|---|")
    anchors = {}
    if ANCHORS:
        out = subprocess.run([ANCHORS, str(pathlib.Path(__file__).with_name("anchors.py"))], capture_output=True, text=True)
        for line in out.stdout.splitlines():
            item = json.loads(line)
            anchors[item["stage"]] = item
    stages = subprocess.run(["taskset", "-c", "0", BENCH, big, image], capture_output=True, text=True, check=True)
    for line in stages.stdout.splitlines():
        item = json.loads(line)
        anchor = anchors.get(item["stage"])
        text = f"{anchor['value']:.0f} {anchor['unit']} ({anchor['name']}; nprec = {item['value'] / anchor['value']:.2f}x)" if anchor else "–"
        print(f"| {item['stage']} | {item['value']:.0f} {item['unit']} | {text} |")
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
