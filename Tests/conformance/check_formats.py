"""Every volume format through the whole pipeline, on real files written by the tools that
made them (nibabel's own test data: FreeSurfer MGZ, MINC1, MINC2, AFNI, PAR/REC):

- `nprec pyramid` writes scale 0 equal to nibabel's `img.dataobj` (cast to the info's data
  type as the reference casts it), and tensorstore, an independent reader, reads every scale
  as the files say;
- split over 3 tasks (`pyramid --task I/3`, then `downscale`), the dataset is byte-identical
  to one run, whatever the format;
- a large MGZ converts in memory bounded by the slabs in flight, not the volume.

The per-format differential checks against the reference live in check_<format>.py."""
import filecmp
import pathlib
import subprocess
import sys

import nibabel as nib
import numpy as np
from harness import NPREC, load_json, nprec, read_raw_scales, same_voxels, workdir

DATA = pathlib.Path(nib.__file__).parent / "tests" / "data"

# File, and what it is (for the check's name).
FILES = [
    ("test.mgz", "MGZ 4-D float32"),
    ("minc1_1_scale.mnc", "MINC1 scaled"),
    ("minc1_4d.mnc", "MINC1 4-D"),
    ("tiny.mnc", "MINC1"),
    ("small.mnc", "MINC2"),
    ("minc2_1_scale.mnc", "MINC2 scaled"),
    ("minc2_4d.mnc", "MINC2 4-D"),
    ("minc2-4d-d.mnc", "MINC2 4-D, time first"),
    ("example4d+orig.HEAD", "AFNI 4-D .BRIK.gz"),
    ("scaled+tlrc.HEAD", "AFNI scaled"),
    ("phantom_EPI_asc_CLEAR_2_1.PAR", "PAR/REC"),
    ("phantom_varscale.PAR", "PAR/REC varying scale"),
]


def expected_scale0(path, data_type):
    """nibabel's values as (C, Z, Y, X) in the info's data type."""
    data = np.asanyarray(nib.load(str(path)).dataobj)
    if data.ndim == 3:
        data = data[..., np.newaxis]
    data = data.reshape(data.shape[:3] + (-1,))
    return np.ascontiguousarray(data.transpose(3, 2, 1, 0)).astype(data_type)


def tensorstore_matches(root, scales):
    import tensorstore as ts
    for index, (key, expected) in enumerate(scales.items()):
        store = ts.open({"driver": "neuroglancer_precomputed",
                         "kvstore": {"driver": "file", "path": str(root) + "/"},
                         "scale_index": index}).result()
        ours = np.transpose(np.asarray(store.read().result()), (3, 2, 1, 0))
        if not np.array_equal(ours, expected, equal_nan=True):
            raise AssertionError(f"tensorstore reads scale {key} differently")


def whole_pipeline(name):
    work = workdir("formats-" + name.replace("+", "_"))
    path = DATA / name
    one = work / "one"
    result = nprec("pyramid", path, one, "--target-chunk-size", "8", "--flat", "--no-gzip", expect=None)
    assert result.returncode in (0, 4), result.stderr
    info = load_json(one / "info")
    scales = read_raw_scales(one)
    scale0 = next(iter(scales.values()))
    expected = expected_scale0(path, info["data_type"])
    same_voxels(scale0, expected, "nibabel's")
    tensorstore_matches(one, scales)
    # The same dataset from 3 tasks and a final downscale.
    split = work / "split"
    for task in range(3):
        result = nprec("pyramid", path, split, "--target-chunk-size", "8", "--flat", "--no-gzip",
                       "--task", f"{task}/3", expect=None)
        assert result.returncode in (0, 4), result.stderr
    nprec("downscale", split, "--flat", "--no-gzip")
    differences = tree_differences(one, split)
    assert not differences, f"split run differs: {differences[:5]}"


def tree_differences(a, b):
    files_a = sorted(str(p.relative_to(a)) for p in a.rglob("*") if p.is_file())
    files_b = sorted(str(p.relative_to(b)) for p in b.rglob("*") if p.is_file())
    if files_a != files_b:
        return sorted(set(files_a) ^ set(files_b))
    return [f for f in files_a if not filecmp.cmp(a / f, b / f, shallow=False)]


def bounded_memory():
    """A 512x512x640 uint8 MGZ (160 MiB of voxels, slabs of 16 MiB): `nprec convert` holds a few
    slabs, never the volume."""
    work = workdir("formats-memory")
    shape = (512, 512, 640)
    x, y = np.meshgrid(np.arange(shape[0]), np.arange(shape[1]), indexing="ij")
    data = np.empty(shape, dtype=np.uint8)
    for z in range(shape[2]):
        data[:, :, z] = (x + 2 * y + 3 * z) % 251
    path = work / "big.mgz"
    nib.save(nib.MGHImage(data, np.eye(4)), str(path))
    del data
    nprec("info", path, work / "out")
    nprec("scales", work / "out" / "info_fullres.json", work / "out")
    # Measured in a child of a fresh Python, so only nprec's peak is counted.
    probe = ("import resource, subprocess, sys; "
             "r = subprocess.run(sys.argv[1:]); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)")
    run = subprocess.run([sys.executable, "-c", probe, NPREC, "convert", str(path), str(work / "out"), "-j", "2"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    peak_mib = int(run.stdout.split()[-1]) / 1024
    volume_mib = shape[0] * shape[1] * shape[2] / 2**20
    assert peak_mib < volume_mib / 2, f"peak {peak_mib:.0f} MiB for a {volume_mib:.0f} MiB volume"
    print(f"     (peak {peak_mib:.0f} MiB for a {volume_mib:.0f} MiB MGZ)")


def checks():
    for name, what in FILES:
        yield f"formats {what} ({name}): pyramid = nibabel, tensorstore, 3 tasks = 1 run", \
            lambda n=name: whole_pipeline(n)
    yield "formats MGZ 160 MiB: convert in bounded memory", bounded_memory
