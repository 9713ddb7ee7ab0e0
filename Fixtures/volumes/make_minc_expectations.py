"""Copies nibabel's small MINC test files into Fixtures/volumes/minc/, writes two more MINC files
(a chunked, compressed, oblique MINC2 and a MINC1 scaled over two dimensions, made here with h5py
and scipy following the MINC layouts) and a few that nibabel refuses (errors.json: the word
nprec's message must contain), and records what nibabel reads from each in
expectations.json: shape, dtype, affine, and checksums (FNV-1a) and samples of the values in nprec's slab
order (x fastest, then y, z, channel; little-endian).

Run with the reference venv's Python (nibabel, h5py, scipy):
    .venv-reference/bin/python Fixtures/volumes/make_minc_expectations.py
The writers are also used by Tests/conformance/check_minc.py."""
import json
import pathlib
import shutil
import warnings

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent / "minc"

NIBABEL_FILES = [
    "minc1_1_scale.mnc", "minc1_4d.mnc", "minc1-no-att.mnc", "tiny.mnc", "small.mnc",
    "minc2_1_scale.mnc", "minc2_4d.mnc", "minc2-4d-d.mnc", "minc2-no-att.mnc", "minc2_baddim.mnc",
]

OBLIQUE = {"xspace": [0.9, 0.1, 0.05], "yspace": [-0.1, 0.95, 0.02], "zspace": [0.03, -0.04, 0.99]}


def write_minc2(path, data, dimnames, steps=None, starts=None, cosines=None, valid_range=None,
                image_max=None, image_min=None, scale_dims=(), chunks=None, compression="gzip"):
    """A MINC2 file as libminc lays it out: /minc-2.0/dimensions/<name> (scalar datasets with
    step, start, direction_cosines), /minc-2.0/image/0/image with its dimorder, image-max and
    image-min over `scale_dims` (the first dimensions) or scalars."""
    import h5py
    steps, starts, cosines = steps or {}, starts or {}, cosines or {}
    with h5py.File(path, "w") as f:
        root = f.create_group("minc-2.0")
        root.attrs["minc_version"] = np.bytes_("2.3.00")
        dims = root.create_group("dimensions")
        for axis, name in enumerate(dimnames):
            d = dims.create_dataset(name, data=np.int32(0), track_times=False)
            d.attrs["length"] = np.int32(data.shape[axis])
            d.attrs["spacing"] = np.bytes_("regular__")
            d.attrs["step"] = np.float64(steps.get(name, 1.0))
            d.attrs["start"] = np.float64(starts.get(name, 0.0))
            if name in cosines:
                d.attrs["direction_cosines"] = np.asarray(cosines[name], np.float64)
        group = root.create_group("image").create_group("0")
        image = group.create_dataset("image", data=data, chunks=chunks,
                                     compression=compression if chunks else None, track_times=False)
        image.attrs["dimorder"] = np.bytes_(",".join(dimnames))
        if valid_range is not None:
            image.attrs["valid_range"] = np.asarray(valid_range, np.float64)
        for name, values in (("image-max", image_max), ("image-min", image_min)):
            if values is None:
                continue
            ds = group.create_dataset(name, data=np.asarray(values, np.float64), track_times=False)
            if scale_dims:
                ds.attrs["dimorder"] = np.bytes_(",".join(scale_dims))
    return path


def write_minc1(path, data, dimnames, typecode, signtype, steps=None, starts=None, cosines=None,
                valid_range=None, image_max=None, image_min=None, scale_dims=()):
    """A MINC1 (netCDF classic) file: one int variable per dimension with step, start and
    direction_cosines; 'image' of netCDF type `typecode` ('b', 'h', 'i', 'f', 'd') with its
    signtype and valid_range; image-max and image-min over `scale_dims`."""
    from scipy.io import netcdf_file
    steps, starts, cosines = steps or {}, starts or {}, cosines or {}
    f = netcdf_file(str(path), "w", version=1)
    for name, length in zip(dimnames, data.shape):
        f.createDimension(name, length)
    for name in dimnames:
        v = f.createVariable(name, "i", ())
        v.spacing = b"regular__"
        v.step = np.float64(steps.get(name, 1.0))
        v.start = np.float64(starts.get(name, 0.0))
        if name in cosines:
            v.direction_cosines = np.asarray(cosines[name], np.float64)
    image = f.createVariable("image", typecode, tuple(dimnames))
    stored = {"b": np.int8, "h": np.int16, "i": np.int32, "f": np.float32, "d": np.float64}[typecode]
    image[:] = data.view(stored) if data.dtype.itemsize == np.dtype(stored).itemsize else data.astype(stored)
    if signtype is not None:
        image.signtype = signtype.encode()
    if valid_range is not None:
        image.valid_range = np.asarray(valid_range, np.float64)
    for name, values in (("image-max", image_max), ("image-min", image_min)):
        if values is None:
            continue
        v = f.createVariable(name, "d", tuple(scale_dims))
        if scale_dims:
            v[:] = np.asarray(values, np.float64)
        else:
            v.assignValue(float(values))
    f.close()
    return path


def make_generated(directory):
    """The generated fixtures: name -> path."""
    rng = np.random.default_rng(13)
    made = {}
    # MINC2: int16, several chunks per axis (none aligned with the shape), oblique, image-max and
    # image-min per zspace slice.
    shape = (12, 9, 20)
    data = rng.integers(-3000, 3000, shape, dtype=np.int16)
    made["minc2_chunked.mnc"] = write_minc2(
        directory / "minc2_chunked.mnc", data, ["zspace", "yspace", "xspace"],
        steps={"xspace": 0.5, "yspace": -0.75, "zspace": 1.25},
        starts={"xspace": -10.0, "yspace": 20.5, "zspace": -3.0}, cosines=OBLIQUE,
        valid_range=[-3000, 3000], image_max=rng.uniform(50, 100, 12), image_min=rng.uniform(-10, 0, 12),
        scale_dims=("zspace",), chunks=(5, 4, 6))
    # MINC1: unsigned shorts (stored as netCDF shorts), x first, scaling over two dimensions.
    shape = (7, 6, 11)
    data = rng.integers(0, 65535, shape, dtype=np.uint16)
    made["minc1_2d_scale.mnc"] = write_minc1(
        directory / "minc1_2d_scale.mnc", data, ["xspace", "zspace", "yspace"], "h", "unsigned",
        steps={"xspace": 2.0, "yspace": 3.0, "zspace": -1.5}, starts={"zspace": 40.0},
        valid_range=[100, 60000], image_max=rng.uniform(500, 900, (7, 6)),
        image_min=rng.uniform(-50, 10, (7, 6)), scale_dims=("xspace", "zspace"))
    return made


def make_broken(directory):
    """Files nibabel refuses (and nprec with it): name -> a word nprec's message must contain."""
    import h5py
    data = np.arange(4 * 5 * 6, dtype=np.uint8).reshape(4, 5, 6)
    with h5py.File(directory / "minc2_no_image.mnc", "w") as f:
        f.create_group("minc-2.0").create_group("dimensions")
    write_minc2(directory / "minc2_2space.mnc", data, ["time", "yspace", "xspace"], image_max=1.0, image_min=0.0)
    write_minc2(directory / "minc2_badrange.mnc", data, ["zspace", "yspace", "xspace"], valid_range=[-5, 300],
                image_max=1.0, image_min=0.0)
    path = write_minc2(directory / "minc2_irregular.mnc", data, ["zspace", "yspace", "xspace"],
                       image_max=1.0, image_min=0.0)
    with h5py.File(path, "r+") as f:
        f["minc-2.0/dimensions/yspace"].attrs["spacing"] = np.bytes_("irregular")
    write_minc2(directory / "minc2_scale_3d.mnc", data, ["zspace", "yspace", "xspace"],
                image_max=np.ones((4, 5, 6)), image_min=np.zeros((4, 5, 6)),
                scale_dims=("zspace", "yspace", "xspace"))
    write_minc1(directory / "minc1_no_scale.mnc", data.astype(np.int16), ["zspace", "yspace", "xspace"], "h",
                "signed__")
    return {
        "minc2_no_image.mnc": "/minc-2.0/image/0/image",
        "minc2_2space.mnc": "spatial dimensions",
        "minc2_badrange.mnc": "valid range",
        "minc2_irregular.mnc": "irregular",
        "minc2_scale_3d.mnc": "at most 2",
        "minc1_no_scale.mnc": "image-max",
    }


def slab_order(array):
    """nibabel's array (axes x, y, z, channels...) as nprec's slab bytes: x fastest, then y, z,
    channel; little-endian."""
    shape = array.shape
    channels = int(np.prod(shape[3:])) if len(shape) > 3 else 1
    four = array.reshape(shape[:3] + (channels,))
    ordered = np.ascontiguousarray(four.transpose(3, 2, 1, 0))
    return ordered.astype(ordered.dtype.newbyteorder("<")).tobytes()


def fnv1a(data):
    """64-bit FNV-1a of `data` (the Swift tests compute the same, without a hashing library)."""
    h = 0xcbf29ce484222325
    for byte in data:
        h = ((h ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def stored_values(img):
    minc_file = img.dataobj.minc_file
    if type(img).__name__ == "Minc1Image":
        return np.asarray(minc_file._image.data).view(minc_file.get_data_dtype())
    return np.asarray(minc_file._image)


def expectation(path):
    import nibabel as nib
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        img = nib.load(str(path))
        scaled = np.asanyarray(img.dataobj)
        first = img.dataobj[(0,) * len(img.shape)]
    stored = stored_values(img)
    shape = list(img.shape)
    channels = int(np.prod(shape[3:])) if len(shape) > 3 else 1
    rng = np.random.default_rng(len(path.name))
    samples = []
    flat_scaled = scaled.reshape(shape[:3] + [channels])
    flat_stored = stored.reshape(shape[:3] + [channels])
    for _ in range(8):
        x, y, z, c = (int(rng.integers(0, n)) for n in shape[:3] + [channels])
        samples.append([x, y, z, c, float(flat_scaled[x, y, z, c]), float(flat_stored[x, y, z, c])])
    return {
        "version": 1 if type(img).__name__ == "Minc1Image" else 2,
        "shape": shape,
        "size": shape[:3],
        "channels": channels,
        "dtype": first.dtype.name,
        "stored_dtype": stored.dtype.name,
        "affine": img.affine.tolist(),
        "scaled_fnv1a": fnv1a(slab_order(scaled)),
        "stored_fnv1a": fnv1a(slab_order(stored)),
        "samples": samples,
    }


def main():
    import nibabel
    HERE.mkdir(parents=True, exist_ok=True)
    source = pathlib.Path(nibabel.__file__).parent / "tests" / "data"
    for name in NIBABEL_FILES:
        shutil.copyfile(source / name, HERE / name)
    make_generated(HERE)
    (HERE / "errors.json").write_text(json.dumps(make_broken(HERE), indent=1) + "\n")
    names = NIBABEL_FILES + ["minc2_chunked.mnc", "minc1_2d_scale.mnc"]
    table = {name: expectation(HERE / name) for name in names}
    (HERE / "expectations.json").write_text(json.dumps(table, indent=1) + "\n")


if __name__ == "__main__":
    main()
