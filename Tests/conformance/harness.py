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


def prepare_dataset(path, tool_dir, data_type, use_nprec, chunk="16", info_options=()):
    """info -> data_type -> scales (chunks of `chunk` voxels: several per axis), with nprec or
    the reference. data_type None keeps the info's, except the int types nprec keeps, which
    become float32 as the reference chooses."""
    if use_nprec:
        nprec("info", path, tool_dir, *info_options, expect=None)
    else:
        reference("volume-to-precomputed", "--generate-info", path, tool_dir, expect=None)
    fullres = tool_dir / "info_fullres.json"
    info = load_json(fullres)
    if data_type:
        info["data_type"] = data_type
    elif info["data_type"] in ("int8", "int16", "int32"):
        info["data_type"] = "float32"
    fullres.write_text(json.dumps(info))
    if use_nprec:
        nprec("scales", fullres, tool_dir, "--target-chunk-size", str(chunk))
    else:
        reference("generate-scales-info", fullres, tool_dir, "--target-chunk-size", str(chunk))


def same_voxels(ours, expected, whose=""):
    """Same dtype, shape and values (NaN equal to NaN); else the first difference, (c, z, y, x)."""
    import numpy as np
    assert ours.dtype == expected.dtype and ours.shape == expected.shape, (ours.dtype, expected.dtype,
                                                                           ours.shape, expected.shape)
    if not np.array_equal(ours, expected, equal_nan=True):
        diff = np.argwhere(ours != expected)
        raise AssertionError(f"{len(diff)} voxels differ{' from ' + whose if whose else ''}, first at "
                             f"(c,z,y,x)={diff[0].tolist()}: {ours[tuple(diff[0])]} vs {expected[tuple(diff[0])]}")


def same_transform(ours_dir, ref_dir):
    """transform.json of both tools, equal to rounding."""
    import numpy as np
    ours = np.array(load_json(ours_dir / "transform.json"))
    ref = np.array(load_json(ref_dir / "transform.json"))
    assert np.allclose(ours, ref, rtol=1e-12, atol=1e-6), (ours, ref)
