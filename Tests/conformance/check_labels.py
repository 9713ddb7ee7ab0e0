"""`nprec labels`: segment properties checked against the format's rules (segment_properties.md and
json_schema/segment_properties.yml of Neuroglancer, as Neuroglancer's parseInlinePropertyMap reads
them) by a checker written here from the spec; voxel counts checked against numpy on datasets that
tensorstore writes (raw and compressed_segmentation, sharded and not, labels beyond 2^32); the info
still opened by tensorstore afterwards, and `nprec verify` passing. Python has no reader of segment
properties (cloud-volume is not in the reference venv; the neuroglancer package parses them only
in its JavaScript client, which the viewer check drives)."""
import json

import numpy as np
from harness import nprec, workdir

NUMBER_TYPES = {"uint8": (0, 255), "int8": (-128, 127), "uint16": (0, 65535), "int16": (-32768, 32767),
                "uint32": (0, 2**32 - 1), "int32": (-2**31, 2**31 - 1), "float32": None}


def check_properties(doc):
    """The rules of the format, each as an assertion; returns {property id: (ids -> value)}."""
    assert doc["@type"] == "neuroglancer_segment_properties", doc.get("@type")
    inline = doc["inline"]
    ids = inline["ids"]
    assert all(isinstance(i, str) and i.isdigit() and int(i) < 2**64 for i in ids), "ids: decimal uint64 strings"
    assert len(set(int(i) for i in ids)) == len(ids), "ids: each once"
    seen, kinds, result = set(), [], {}
    for prop in inline["properties"]:
        pid, kind, values = prop["id"], prop["type"], prop["values"]
        assert isinstance(pid, str) and pid not in seen, f"property id {pid!r}: a string, once"
        seen.add(pid)
        kinds.append(kind)
        assert len(values) == len(ids), f"{pid}: {len(values)} values for {len(ids)} ids"
        if kind in ("label", "description", "string"):
            assert all(isinstance(v, str) for v in values), f"{pid}: strings"
        elif kind == "tags":
            tags = prop["tags"]
            assert all(isinstance(t, str) for t in tags) and len(set(tags)) == len(tags), f"{pid}: tags"
            for v in values:
                assert all(isinstance(i, int) and 0 <= i < len(tags) for i in v), f"{pid}: tag indices"
                assert v == sorted(set(v)), f"{pid}: ascending indices"
        elif kind == "number":
            limits = NUMBER_TYPES[prop["data_type"]]
            for v in values:
                assert isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v), f"{pid}: {v}"
                if limits:
                    assert isinstance(v, int) and limits[0] <= v <= limits[1], f"{pid}: {v} not {prop['data_type']}"
        else:
            raise AssertionError(f"{pid}: type {kind!r}")
        result[pid] = dict(zip((int(i) for i in ids), values))
    assert kinds.count("label") <= 1 and kinds.count("description") <= 1 and kinds.count("tags") <= 1
    return result


def tensorstore_labels(root, data, encoding, sharded, resolution):
    import tensorstore as ts
    scale = {"size": list(data.shape[:3]), "resolution": resolution, "encoding": encoding,
             "chunk_size": [16, 16, 8]}
    if encoding == "compressed_segmentation":
        scale["compressed_segmentation_block_size"] = [8, 8, 8]
    if sharded:
        scale["sharding"] = {"@type": "neuroglancer_uint64_sharded_v1", "preshift_bits": 1,
                             "hash": "murmurhash3_x86_128", "minishard_bits": 2, "shard_bits": 2,
                             "minishard_index_encoding": "gzip", "data_encoding": "gzip"}
    store = ts.open({
        "driver": "neuroglancer_precomputed", "kvstore": {"driver": "file", "path": str(root) + "/"},
        "multiscale_metadata": {"type": "segmentation", "data_type": str(data.dtype), "num_channels": 1},
        "scale_metadata": scale, "create": True,
    }).result()
    store.write(data).result()


def labelled(encoding, sharded):
    import tensorstore as ts
    work = workdir(f"labels-{encoding}-{'sharded' if sharded else 'plain'}")
    rng = np.random.default_rng(5)
    big = 2**40 + 7
    palette = np.array([1, 2, 3, 17, 1001, big], np.uint64)
    # Blocks of labels (runs along x), and a few scattered voxels of label 3.
    data = palette[(np.arange(45)[:, None, None] // 7 + np.arange(37)[None, :, None] // 9
                    + np.arange(29)[None, None, :] // 5) % len(palette)]
    data[rng.integers(0, 45, 50), rng.integers(0, 37, 50), rng.integers(0, 29, 50)] = 3
    data = data[..., None]
    root = work / "seg"
    resolution = [800, 1200, 2500]
    tensorstore_labels(root, data, encoding, sharded, resolution)
    (work / "lut.txt").write_text(
        "#$Id: FreeSurferColorLUT.txt $\n#No. Label Name: R G B A\n"
        "1 Left-Cerebral-Exterior 70 130 180 0\n2 \"Left Cerebral White Matter\" 245 245 245 0\n"
        "17 Left-Hippocampus 220 216 20 0\n1001 ctx-lh-bankssts 25 100 40 0\n55 Nowhere 1 2 3 0\n")
    result = nprec("labels", "--counts", "-j", "2", work / "lut.txt", root)
    assert "1 of the table's 5 labels are absent from the volume: 55" in result.stderr, result.stderr
    assert f"2 labels of the volume are absent from the table: 3, {big}" in result.stderr, result.stderr
    props = check_properties(json.loads((root / "segment_properties" / "info").read_text()))
    assert props["label"][2] == "Left Cerebral White Matter", props["label"]
    counts = dict(zip(*np.unique(data, return_counts=True)))
    for label in (1, 2, 17, 1001, 55):
        assert props["voxels"][label] == counts.get(label, 0), (label, props["voxels"][label], counts.get(label))
        expected = counts.get(label, 0) * np.prod(np.array(resolution) / 1e6)
        assert np.float32(props["volume_mm3"][label]) == np.float32(expected), (label, props["volume_mm3"][label])
    colors = json.loads((root / "segment_properties" / "colors.json").read_text())
    assert colors == {"1": "#4682b4", "2": "#f5f5f5", "17": "#dcd814", "1001": "#196428", "55": "#010203"}, colors
    info = json.loads((root / "info").read_text())
    assert info["segment_properties"] == "segment_properties", info
    # The info stays a volume info that tensorstore opens, with the same voxels.
    store = ts.open({"driver": "neuroglancer_precomputed", "kvstore": {"driver": "file", "path": str(root) + "/"}}
                    ).result()
    assert np.array_equal(store.read().result(), data)
    verified = nprec("verify", root)
    assert "segment properties" in verified.stdout.splitlines()[-1], verified.stdout


def csv_properties():
    work = workdir("labels-csv")
    data = np.arange(1, 9, dtype=np.uint32).reshape(2, 2, 2, 1)
    root = work / "seg"
    tensorstore_labels(root, data, "raw", False, [1000, 1000, 1000])
    (work / "t.csv").write_text(
        "id,name,description,tags,hemisphere,area,rank\n"
        "1,\"Area 1, left\",first,\"cortex;left\",L,1.25,3\n"
        "2,Area 2,,cortex,R,2,-300\n"
        "18446744073709551615,last,the \"\"last\"\",,,0.5,0\n")
    nprec("labels", work / "t.csv", root)
    doc = json.loads((root / "segment_properties" / "info").read_text())
    props = check_properties(doc)
    by_id = {p["id"]: p for p in doc["inline"]["properties"]}
    assert doc["inline"]["ids"] == ["1", "2", "18446744073709551615"], doc["inline"]["ids"]
    assert by_id["area"]["data_type"] == "float32" and by_id["rank"]["data_type"] == "int16", by_id
    assert by_id["hemisphere"]["type"] == "string"
    assert by_id["tags"]["tags"] == ["cortex", "left"] and by_id["tags"]["values"] == [[0, 1], [0], []]
    assert props["label"][1] == "Area 1, left" and props["description"][2**64 - 1] == 'the ""last""'
    assert not (root / "segment_properties" / "colors.json").exists()
    nprec("verify", root)
    # A bad table: exit 1, FILE:LINE, nothing changed.
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    (work / "bad.csv").write_text("id,name\n1,a\n2,b\n1,c\n")
    result = nprec("labels", work / "bad.csv", root, expect=1)
    assert f"{work / 'bad.csv'}:4: id 1 is there twice (first on line 2)" in result.stderr, result.stderr
    assert before == {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}, "nothing written"


def checks():
    for sharded in (False, True):
        for encoding in ("raw", "compressed_segmentation"):
            yield (f"labels: counts of tensorstore's {'sharded' if sharded else 'unsharded'} {encoding} "
                   "segmentation, properties by the spec", lambda s=sharded, e=encoding: labelled(e, s))
    yield "labels: a CSV's string, number and tags properties by the spec", csv_properties
