"""The sharded format, judged by tensorstore (the reference writes zlib where the format says
gzip, so tensorstore is the judge): every sharded dataset nprec writes reads back with the same
values as the unsharded output, for each hash, gzip and raw, preshift 0 and more; and nprec
reads shards that tensorstore wrote."""
import json

import numpy as np
from check_pyramid import CASES, make
from harness import load_json, nprec, read_raw_scales, workdir

SPECS = [
    ("identity", "2,1,0", []),
    ("identity", "1,2,3", ["--no-gzip"]),
    ("murmurhash3_x86_128", "3,2,0", []),
    ("murmurhash3_x86_128", "0,3,1", ["--no-gzip"]),
    ("identity", "auto", []),
]


def ts_scales(root, count):
    import tensorstore as ts
    result = []
    for index in range(count):
        store = ts.open({"driver": "neuroglancer_precomputed",
                         "kvstore": {"driver": "file", "path": str(root) + "/"},
                         "scale_index": index}).result()
        result.append(np.transpose(np.asarray(store.read().result()), (3, 2, 1, 0)))
    return result


def sharded_pyramid(name, hash_name, bits, storage, uncompressed=False):
    work, path = make(name)
    if uncompressed:
        # An uncompressed .nii is read chunk by chunk in shard order (a .nii.gz in slabs).
        import gzip
        plain_path = path.with_name("v.nii")
        plain_path.write_bytes(gzip.decompress(path.read_bytes()))
        path = plain_path
    target = str(CASES[name][4])
    plain = work / "plain"
    nprec("pyramid", path, plain, "--target-chunk-size", target, *storage)
    expected = list(read_raw_scales(plain).values())
    sharded = work / "sharded"
    if hash_name == "identity":
        nprec("pyramid", path, sharded, "--target-chunk-size", target, "--sharding", bits, *storage)
    else:
        # Any info given by hand: the murmur hash set in info_fullres.json, then the steps.
        nprec("info", path, sharded, "--sharding", bits, *storage, expect=None)
        fullres = load_json(sharded / "info_fullres.json")
        fullres["scales"][0]["sharding"]["hash"] = hash_name
        fullres["data_type"] = CASES[name][2]
        (sharded / "info_fullres.json").write_text(json.dumps(fullres))
        nprec("scales", sharded / "info_fullres.json", sharded, "--target-chunk-size", target)
        nprec("convert", path, sharded, *storage)
        nprec("downscale", sharded, *storage)
    info = load_json(sharded / "info")
    assert all("sharding" in s for s in info["scales"]), info
    shards = list(sharded.rglob("*.shard"))
    assert shards and not list(sharded.rglob("*.gz")), "shard files, no chunk files"
    got = ts_scales(sharded, len(info["scales"]))
    for index, (a, b) in enumerate(zip(got, expected)):
        if not np.array_equal(a, b):
            raise AssertionError(f"scale {index}: tensorstore reads other values")
    stats = nprec("stats", sharded).stdout
    assert "Sharded" in stats and "shard files" in stats, stats
    # nprec reads its own shards back: reencode into an unsharded copy.
    copy = work / "copy"
    unsharded = dict(info)
    unsharded["scales"] = [{k: v for k, v in s.items() if k != "sharding"} for s in info["scales"]]
    copy.mkdir()
    (copy / "info").write_text(json.dumps(unsharded))
    nprec("reencode", sharded, copy, "--flat", "--no-gzip")
    for index, (a, b) in enumerate(zip(read_raw_scales(copy).values(), expected)):
        assert np.array_equal(a, b), f"scale {index} read back from shards differs"


def reads_tensorstore_shards(hash_name):
    import tensorstore as ts
    work = workdir("ts-shards-" + hash_name)
    rng = np.random.default_rng(5)
    data = rng.integers(0, 60000, (45, 37, 29, 1)).astype(np.uint16)
    spec = {
        "driver": "neuroglancer_precomputed",
        "kvstore": {"driver": "file", "path": str(work / "ts") + "/"},
        "multiscale_metadata": {"type": "image", "data_type": "uint16", "num_channels": 1},
        "scale_metadata": {"size": [45, 37, 29], "resolution": [1000, 1000, 1000], "encoding": "raw",
                           "chunk_size": [16, 16, 8],
                           "sharding": {"@type": "neuroglancer_uint64_sharded_v1", "preshift_bits": 1,
                                        "hash": hash_name, "minishard_bits": 2, "shard_bits": 2,
                                        "minishard_index_encoding": "gzip", "data_encoding": "gzip"}},
        "create": True,
    }
    store = ts.open(spec).result()
    store.write(data).result()
    info = load_json(work / "ts" / "info")
    plain = dict(info)
    plain["scales"] = [{k: v for k, v in s.items() if k != "sharding"} for s in info["scales"]]
    (work / "out").mkdir()
    (work / "out" / "info").write_text(json.dumps(plain))
    nprec("reencode", work / "ts", work / "out", "--flat", "--no-gzip")
    ours = list(read_raw_scales(work / "out").values())[0]
    assert np.array_equal(ours, np.transpose(data, (3, 2, 1, 0))), "values differ"


def encodings_in_shards(encoding):
    """compressed_segmentation, JPEG and PNG chunks inside shards, read by tensorstore."""
    name = "uint32_labels" if encoding == "compressed_segmentation" else "uint8_320x250x150"
    work, path = make(name)
    target = str(CASES[name][4])
    extra = ["--type", "segmentation"] if encoding == "compressed_segmentation" else []
    nprec("pyramid", path, work / "plain", "--target-chunk-size", target, "--encoding", encoding, *extra, "--flat", "--no-gzip")
    nprec("pyramid", path, work / "sharded", "--target-chunk-size", target, "--encoding", encoding, *extra,
          "--sharding", "2,2,1")
    info = load_json(work / "sharded" / "info")
    plain = ts_scales(work / "plain", len(info["scales"]))
    sharded = ts_scales(work / "sharded", len(info["scales"]))
    for index, (a, b) in enumerate(zip(sharded, plain)):
        assert np.array_equal(a, b), f"scale {index}"


def checks():
    for encoding in ("compressed_segmentation", "jpeg", "png"):
        yield f"sharded {encoding} chunks, read by tensorstore", lambda e=encoding: encodings_in_shards(e)
    for index, (hash_name, bits, storage) in enumerate(SPECS):
        name = ["uint8_320x250x150", "uint16_2ch_odd", "uint32_labels", "float32_aniso", "int16_odd"][index]
        yield (f"sharded {name} {hash_name} {bits} {' '.join(storage)}".strip(),
               lambda n=name, h=hash_name, b=bits, s=storage: sharded_pyramid(n, h, b, s))
    yield ("sharded from an uncompressed .nii, in shard order",
           lambda: sharded_pyramid("uint16_2ch_odd", "identity", "1,2,1", [], uncompressed=True))
    for hash_name in ("identity", "murmurhash3_x86_128"):
        yield f"nprec reads tensorstore's shards ({hash_name})", lambda h=hash_name: reads_tensorstore_shards(h)
