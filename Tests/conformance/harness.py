"""Running nprec and the reference tool side by side."""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

VENV_BIN = pathlib.Path(sys.executable).parent
NPREC = os.environ.get("NPREC_BIN") or str(pathlib.Path(__file__).resolve().parents[2] / ".build/release/nprec")
_TMP = tempfile.mkdtemp(prefix="nprec-conformance-")


def workdir(name):
    path = pathlib.Path(_TMP) / name
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def cleanup():
    shutil.rmtree(_TMP, ignore_errors=True)


def run(argv, expect=0):
    result = subprocess.run([str(a) for a in argv], capture_output=True, text=True)
    if expect is not None and result.returncode != expect:
        raise AssertionError(f"{' '.join(map(str, argv))} exited {result.returncode}, expected {expect}:\n"
                             f"{result.stderr[-2000:]}")
    return result


def nprec(*args, expect=0):
    return run([NPREC, *args], expect=expect)


def reference(script, *args, expect=0):
    return run([VENV_BIN / script, *args], expect=expect)


def load_json(path):
    with open(path) as f:
        return json.load(f)


def same_json(a, b, path="$"):
    """Compares two JSON values; numbers by value (64 == 64.0)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            raise AssertionError(f"{path}: keys {sorted(set(a) ^ set(b))} differ")
        for key in a:
            same_json(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            raise AssertionError(f"{path}: lengths {len(a)} and {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            same_json(x, y, f"{path}[{i}]")
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        if a != b:
            raise AssertionError(f"{path}: {a} != {b}")
    elif a != b:
        raise AssertionError(f"{path}: {a!r} != {b!r}")


def read_scales(root, count=None):
    """The first `count` scales (all by default) of a dataset as (C, Z, Y, X) arrays, read with
    the reference's reader (any encoding it knows, either layout, plain or .gz)."""
    import numpy as np
    from neuroglancer_scripts import accessor, precomputed_io
    io = precomputed_io.get_IO_for_existing_dataset(accessor.get_accessor_for_url(str(root)))
    result = {}
    for scale in io.info["scales"][:count]:
        key, (cx, cy, cz), (sx, sy, sz) = scale["key"], scale["chunk_sizes"][0], scale["size"]
        out = np.zeros((io.info["num_channels"], sz, sy, sx), dtype=io.info["data_type"])
        for x in range(0, sx, cx):
            for y in range(0, sy, cy):
                for z in range(0, sz, cz):
                    c = (x, min(x + cx, sx), y, min(y + cy, sy), z, min(z + cz, sz))
                    out[:, c[4]:c[5], c[2]:c[3], c[0]:c[1]] = io.read_chunk(key, c)
        result[key] = out
    return result


def read_raw_scales(root, count=None):
    """Every scale of a raw-encoded dataset as (C, Z, Y, X) arrays, read directly from the
    chunk files (either layout, plain or .gz): for data types the reference cannot read."""
    import gzip
    import pathlib

    import numpy as np
    root = pathlib.Path(root)
    info = load_json(root / "info")
    result = {}
    for scale in info["scales"][:count]:
        assert scale["encoding"] == "raw"
        key, (cx, cy, cz), (sx, sy, sz) = scale["key"], scale["chunk_sizes"][0], scale["size"]
        dtype = np.dtype(info["data_type"]).newbyteorder("<")
        out = np.zeros((info["num_channels"], sz, sy, sx), dtype=dtype)
        for x in range(0, sx, cx):
            for y in range(0, sy, cy):
                for z in range(0, sz, cz):
                    x1, y1, z1 = min(x + cx, sx), min(y + cy, sy), min(z + cz, sz)
                    for name in (f"{x}-{x1}_{y}-{y1}_{z}-{z1}", f"{x}-{x1}/{y}-{y1}/{z}-{z1}"):
                        path = root / key / name
                        if path.is_file():
                            data = path.read_bytes()
                            break
                        if path.with_name(path.name + ".gz").is_file():
                            data = gzip.decompress(path.with_name(path.name + ".gz").read_bytes())
                            break
                    else:
                        raise AssertionError(f"missing chunk {key}/{name}")
                    chunk = np.frombuffer(data, dtype=dtype).reshape(info["num_channels"], z1 - z, y1 - y, x1 - x)
                    out[:, z:z1, y:y1, x:x1] = chunk
        result[key] = out
    return result
