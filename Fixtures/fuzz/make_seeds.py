"""Makes the seed corpora of `make fuzz` (Fixtures/fuzz/TARGET/): small valid and invalid inputs
of each target, from the project's fixtures and from datasets the release binary writes. Run
from the repository root with NPREC_BIN set (default .build/release/nprec). Crashes found by
fuzzing are added beside the seeds as crash-<sha1> and stay there as regression inputs."""
import json
import os
import pathlib
import struct
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
NPREC = os.environ.get("NPREC_BIN") or str(ROOT / ".build/release/nprec")
OUT = ROOT / "Fixtures/fuzz"
LIMIT = 64 * 1024
SPLIT = b"\n--nprec-fuzz-split--\n"


def put(target, name, data):
    if len(data) > LIMIT:
        return
    directory = OUT / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(data)


def files(pattern):
    return sorted(p for p in ROOT.glob(pattern) if p.is_file() and p.stat().st_size <= LIMIT)


def pair(header, data_suffixes):
    for suffix in data_suffixes:
        data = header.with_name(header.name[: -len(header.suffix)] + suffix)
        if data.exists():
            return header.read_bytes() + SPLIT + data.read_bytes()[: LIMIT // 2]
    return header.read_bytes()


def main():
    for p in files("Fixtures/nifti/*.nii"):
        put("nifti", p.name, p.read_bytes())
    for p in files("Fixtures/nifti/*.nii.gz"):
        put("nifti-gz", p.name, p.read_bytes())
    for p in files("Fixtures/nifti/*.hdr") + files("Fixtures/volumes/analyze/*.hdr"):
        put("analyze", p.name, pair(p, [".img"]))
    for p in files("Fixtures/volumes/mgh/*.mgh"):
        put("mgh", p.name, p.read_bytes())
    for p in files("Fixtures/volumes/mgh/*.mgz"):
        put("mgz", p.name, p.read_bytes())
    for p in files("Fixtures/volumes/minc/*.mnc"):
        put("minc", p.name, p.read_bytes())
    for p in files("Fixtures/volumes/afni/*.HEAD"):
        put("afni", p.name, pair(p, [".BRIK"]))
    for p in files("Fixtures/volumes/parrec/*.PAR"):
        put("parrec", p.name, pair(p, [".REC"]))
    for p in files("Fixtures/volumes/nrrd/*.nrrd"):
        put("nrrd", p.name, p.read_bytes())
    for p in files("Fixtures/volumes/nrrd/*.nhdr"):
        put("nhdr", p.name, pair(p, [".raw"]))
    for p in files("Fixtures/volumes/tiff3d/*.tif"):
        put("tiff-stack", p.name, p.read_bytes())
    for target, pattern in (("gifti", "*.gii"), ("obj", "*.obj"), ("ply", "*.ply"), ("stl", "*.stl"),
                            ("off", "*.off")):
        for p in files("Fixtures/mesh/" + pattern):
            put(target, p.name, p.read_bytes())
    for p in files("Fixtures/mesh/golden/**/*.csv"):
        put("link-csv", p.name, p.read_bytes())
    put("link-csv", "minimal.csv", b"1,a.gii\n2,b.gii c.gii\n")
    label_tables = {
        "freesurfer.txt": b"#$Id: FreeSurferColorLUT.txt $\n#No. Label Name: R G B A\n0 Unknown 0 0 0 0\n"
                          b"2 Left-Cerebral-White-Matter 245 245 245 0\n1001 ctx-lh-bankssts 25 100 40 0\n",
        "slicer.txt": b"# Color table file x.txt\n# 2 values\n0 background 0 0 0 0\n1 \"left hand\" 128 174 128 255\n",
        "itksnap.txt": b"\xef\xbb\xbf# ITK-SnAP Label Description File\r\n0 0 0 0 0 0 0 \"Clear Label\"\r\n"
                       b"17 10 200 30 0.5 1 0 \"hippocampus, left\"\r\n",
        "table.csv": b"id,name,description,tags,color,volume,rank\n3,\"Left, outer\",\"the \"\"outer\"\"\",a;b,#ff0000,1.5,-3\n"
                     b"18446744073709551615,last,\"two\nlines\",,,2,4\n",
        "table.tsv": b"label\tid\tarea\r\nV1 left\t7\t12\r\nV2\t8\t3\r\n",
        "object.json": b'{"1": "one", "2": {"name": "two", "tags": ["x", "y"], "size": 2.5}}',
        "list.json": b'[{"id": 5, "label": "five \\u00e9", "colour": "#123456"}, {"id": "6", "label": "six"}]',
        "duplicate.csv": b"id,name\n1,a\n1,b\n",
        "slicer.csv": b"LabelValue,Name,Color_R,Color_G,Color_B,Color_A,Category\r\n0,background,0,0,0,0,\r\n"
                      b"1,\"tissue, soft\",128,174,128,255,Tissue\r\n",
    }
    for name, data in label_tables.items():
        put("label-table", name, data)
    for p in files("Fixtures/golden/scales/*/info"):
        put("info", p.parent.name, p.read_bytes())
    cases = json.loads((ROOT / "Fixtures/golden/cseg/cases.json").read_text())
    for p in files("Fixtures/golden/cseg/*.cseg"):
        # Parameter bytes: size - 1 (mod 40), block size - 1 (mod 16), channels - 1, 0 for uint32.
        case = cases[p.stem]
        prefix = bytes([d - 1 for d in case["size"]] + [b - 1 for b in case["block_size"]]
                       + [case["channels"] - 1, 0 if case["data_type"] == "uint32" else 1])
        put("compressed-segmentation", p.name, prefix + p.read_bytes())

    with tempfile.TemporaryDirectory() as work:
        work = pathlib.Path(work)
        sample = ROOT / "Fixtures/sample/brain.nii.gz"
        runs = {"sharded": ["--sharding", "2,1,0"], "png": ["--encoding", "png", "--flat", "--no-gzip"],
                "jpeg": ["--encoding", "jpeg", "--flat", "--no-gzip"], "raw": ["--flat", "--no-gzip"],
                "cseg": ["--encoding", "compressed_segmentation", "--flat", "--no-gzip"]}
        for name, options in runs.items():
            subprocess.run([NPREC, "pyramid", str(sample), str(work / name), *options], check=True,
                           capture_output=True)
            put("info", f"{name}.info", (work / name / "info").read_bytes())
        for shard in sorted((work / "sharded").rglob("*.shard"))[:3]:
            # Parameter bytes (as --sharding 2,1,0): preshift 0, minishard 2, gzip index and data,
            # identity hash.
            put("shard", f"{shard.parent.name}-{shard.name}", bytes([0, 2, 3, 0]) + shard.read_bytes())
        for encoding in ("png", "jpeg"):
            for chunk in sorted(p for p in (work / encoding).rglob("*") if p.is_file() and "_" in p.name)[:3]:
                box = [int(b) - int(a) for a, b in (r.split("-") for r in chunk.name.split("_"))]
                prefix = bytes([(box[0] - 1) % 64, (box[1] - 1) % 64, (box[2] - 1) % 4, 0])
                put(f"{encoding}-chunk", f"{chunk.parent.name}-{chunk.name}", prefix + chunk.read_bytes())
    # A legacy fragment: vertex count, float32 xyz, uint32 triangle indices.
    vertices = [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]
    put("fragment", "tetrahedron", struct.pack("<I12f12I", 4, *vertices, 0, 1, 2, 0, 1, 3, 0, 2, 3, 1, 2, 3))
    put("fragment", "empty", (0).to_bytes(4, "little"))
    put("shard", "empty-index", bytes(4) + bytes(16 * 2))
    for target in sorted(p.name for p in OUT.iterdir() if p.is_dir()):
        print(target, len(list((OUT / target).iterdir())))


if __name__ == "__main__":
    main()
