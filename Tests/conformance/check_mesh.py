"""`nprec mesh convert` and `nprec mesh link` against mesh-to-precomputed and
link-mesh-fragments, live, on surfaces generated here (Fixtures/make_mesh_fixtures.py's
generators: GIfTI in every encoding, byte order and index order).

What may differ, deliberately:
- nprec also writes MESH_DIR/info = {"@type":"neuroglancer_legacy_mesh"} (the issue asks
  for it; the reference writes none).
- With --coord-transform, vertices may differ by 1 float32 ulp: the reference rounds the
  transformed millimetres to float32, then again after scaling to nanometres; nprec keeps
  float64 until the end and rounds once. Without a transform the fragments are identical.
- Fragments are gzipped by both, with different headers and levels: compared decompressed.
"""
import gzip
import json
import pathlib

import numpy as np

import make_mesh_fixtures as mm
from harness import load_json, nprec, reference, same_json, workdir

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "Fixtures"
LEGACY_INFO = b'{"@type":"neuroglancer_legacy_mesh"}'


def read_maybe_gz(path):
    if path.is_file():
        return path.read_bytes()
    return gzip.decompress(path.with_name(path.name + ".gz").read_bytes())


def files_under(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def same_fragment(ours, theirs, exact, what):
    n = int(np.frombuffer(ours[:4], "<u4")[0])
    assert n == int(np.frombuffer(theirs[:4], "<u4")[0]), f"{what}: vertex counts differ"
    assert len(ours) == len(theirs), f"{what}: sizes {len(ours)} and {len(theirs)}"
    assert ours[4 + 12 * n:] == theirs[4 + 12 * n:], f"{what}: triangles differ"
    if exact:
        assert ours == theirs, f"{what}: vertices differ"
        return
    a = np.frombuffer(ours[4:4 + 12 * n], "<i4").astype(np.int64)
    b = np.frombuffer(theirs[4:4 + 12 * n], "<i4").astype(np.int64)
    worst = int(np.abs(a - b).max())
    assert worst <= 1, f"{what}: vertices differ by up to {worst} float32 ulps"


def compare_trees(ours, theirs, what):
    """Same files (nprec's extra MESH_DIR/info aside), same info, same fragments and links."""
    info = load_json(theirs / "info")
    mesh_dir = info.get("mesh", "mesh")
    our_files = files_under(ours)
    extra = f"{mesh_dir}/info"
    assert extra in our_files, f"{what}: nprec wrote no {extra}"
    assert (ours / extra).read_bytes() == LEGACY_INFO
    our_files.remove(extra)
    assert our_files == files_under(theirs), f"{what}: files {our_files} and {files_under(theirs)}"
    same_json(load_json(ours / "info"), info)


def convert_case(name, variant, transform_name, points, triangles):
    work = workdir(f"mesh-{name}-{transform_name}")
    gifti = mm.write_gifti_variant(work, name, points, triangles, variant)
    transform = mm.TRANSFORMS[transform_name]
    args = [f"--coord-transform={transform}"] if transform else []
    ref = mm.new_dataset(work / "ref")
    ours = mm.new_dataset(work / "ours")
    reference("mesh-to-precomputed", *args, gifti, ref)
    nprec("mesh", "convert", *args, gifti, ours)
    compare_trees(ours, ref, name)
    fragment = f"mesh/{name}"
    same_fragment(read_maybe_gz(ours / fragment), read_maybe_gz(ref / fragment), transform is None, name)


def other_format_case(mesh_name, label):
    """nprec on OBJ/PLY/STL/OFF against the reference on the same surface in GIfTI."""
    extension, writer = WRITERS[label]
    work = workdir(f"mesh-format-{mesh_name}-{label}")
    if mesh_name == "sphere":
        points, triangles = mm.icosphere(subdivisions=2, centre=(-3.5, 11.0, 40.25))
        polygons = triangles.tolist()
    else:
        points, triangles, polygons = mm.prism_mesh()
    gifti = work / "surface.gii"
    gifti.write_bytes(mm.gifti_bytes(points, triangles))
    source = work / f"surface{extension}"
    writer(source, points, polygons, triangles)
    for transform_name in ["none", "mirror"]:
        transform = mm.TRANSFORMS[transform_name]
        args = [f"--coord-transform={transform}"] if transform else []
        ref = mm.new_dataset(work / f"ref-{transform_name}")
        ours = mm.new_dataset(work / f"ours-{transform_name}")
        reference("mesh-to-precomputed", *args, gifti, ref)
        nprec("mesh", "convert", *args, source, ours)
        compare_trees(ours, ref, source.name)
        same_fragment(read_maybe_gz(ours / "mesh/surface"), read_maybe_gz(ref / "mesh/surface"),
                      transform is None, f"{source.name} ({transform_name})")


# label -> (extension, writer(path, points, polygons, triangles))
WRITERS = {
    "obj": (".obj", lambda path, p, polygons, t: mm.write_obj(path, p, polygons)),
    "ply-ascii": (".ply", lambda path, p, polygons, t: mm.write_ply(path, p, polygons, "ascii")),
    "ply-le": (".ply", lambda path, p, polygons, t: mm.write_ply(path, p, polygons, "binary_little_endian")),
    "ply-be": (".ply", lambda path, p, polygons, t: mm.write_ply(path, p, polygons, "binary_big_endian")),
    "stl-binary": (".stl", lambda path, p, polygons, t: mm.write_stl_binary(path, p, t)),
    "stl-ascii": (".stl", lambda path, p, polygons, t: mm.write_stl_ascii(path, p, t)),
    "off": (".off", lambda path, p, polygons, t: mm.write_off(path, p, polygons)),
    "obj-gz": (".obj.gz", lambda path, p, polygons, t: gzipped(path, lambda q: mm.write_obj(q, p, polygons))),
    "ply-gz": (".ply.gz", lambda path, p, polygons, t: gzipped(path, lambda q: mm.write_ply(q, p, polygons, "ascii"))),
    "stl-gz": (".stl.gz", lambda path, p, polygons, t: gzipped(path, lambda q: mm.write_stl_binary(q, p, t))),
    "off-gz": (".off.gz", lambda path, p, polygons, t: gzipped(path, lambda q: mm.write_off(q, p, polygons))),
}


def gzipped(path, write):
    """Writes with `write` to a plain file, then gzips it to `path`."""
    plain = path.with_name("plain-" + path.name.removesuffix(".gz"))
    write(plain)
    path.write_bytes(gzip.compress(plain.read_bytes()))


def gifti_gz_case():
    """nilearn's fsaverage5 pial surface, a gzipped GIfTI as nilearn ships it (both tools
    decompress it). The default mesh name differs on purpose: the reference takes the stem of
    'fsaverage5_pial_left.gii.gz', 'fsaverage5_pial_left.gii'; nprec drops the .gz too."""
    work = workdir("mesh-gifti-gz")
    source = FIXTURES / "mesh" / "fsaverage5_pial_left.gii.gz"
    ref = mm.new_dataset(work / "ref")
    ours = mm.new_dataset(work / "ours")
    reference("mesh-to-precomputed", "--mesh-name=fsaverage5_pial_left", source, ref)
    nprec("mesh", "convert", source, ours)
    compare_trees(ours, ref, source.name)
    fragment = read_maybe_gz(ours / "mesh/fsaverage5_pial_left")
    same_fragment(fragment, read_maybe_gz(ref / "mesh/fsaverage5_pial_left"), True, source.name)
    assert int(np.frombuffer(fragment[:4], "<u4")[0]) == 10242


def options_case(options):
    """--mesh-dir, --mesh-name, --no-gzip: the same files as the reference."""
    work = workdir("mesh-options-" + "-".join(o.strip("-").split("=")[0] for o in options))
    points, triangles = mm.icosphere()
    gifti = work / "lh.pial.surf.gii"
    gifti.write_bytes(mm.gifti_bytes(points, triangles))
    ref = mm.new_dataset(work / "ref")
    ours = mm.new_dataset(work / "ours")
    reference("mesh-to-precomputed", *options, gifti, ref)
    nprec("mesh", "convert", *options, gifti, ours)
    compare_trees(ours, ref, " ".join(options))
    mesh_dir = load_json(ref / "info")["mesh"]
    for path in files_under(ref / mesh_dir):
        same_fragment(read_maybe_gz(ours / mesh_dir / path.removesuffix(".gz")),
                      read_maybe_gz(ref / mesh_dir / path.removesuffix(".gz")), True, path)


def link_case(name):
    csv_text, args, existing = mm.LINK_CASES[name]
    work = workdir(f"mesh-link-{name}")
    results = {}
    for tool in ["ref", "ours"]:
        dest = mm.new_dataset(work / tool, dict(mm.SEGMENTATION_INFO, mesh="mesh"))
        (dest / "mesh").mkdir()
        for fragment in existing:
            (dest / "mesh" / fragment).write_bytes(b"\0" * 4)
        csv_path = work / "labels.csv"
        csv_path.write_bytes(csv_text.encode())
        if tool == "ref":
            run = reference("link-mesh-fragments", *args, csv_path, dest)
        else:
            run = nprec("mesh", "link", *args, csv_path, dest)
        warnings = run.stderr.count("missing fragment")
        results[tool] = (dest, warnings)
    (ref, ref_warnings), (ours, our_warnings) = results["ref"], results["ours"]
    assert files_under(ours) == files_under(ref), f"files {files_under(ours)} and {files_under(ref)}"
    for path in files_under(ref):
        assert (ours / path).read_bytes() == (ref / path).read_bytes(), f"{path} differs"
    assert our_warnings == ref_warnings, f"{our_warnings} missing-fragment warnings, the reference {ref_warnings}"


def bigbrain_case():
    """The reference's BigBrain example, end to end, on a stand-in surface."""
    work = workdir("mesh-bigbrain")
    points, triangles = mm.icosphere(subdivisions=3, radius=30.0, centre=(-35.0, -18.0, 20.0))
    gifti = work / "gray_left.gii"
    gifti.write_bytes(mm.gifti_bytes(points, triangles))
    csv_path = work / "mesh_labels.csv"
    csv_path.write_text(mm.BIGBRAIN_CSV)
    transform = f"--coord-transform={mm.BIGBRAIN_TRANSFORM}"
    ref = mm.new_dataset(work / "ref" / "classif")
    ours = mm.new_dataset(work / "ours" / "classif")
    for name in ["grey-left", "grey-right", "white-left", "white-right"]:
        reference("mesh-to-precomputed", transform, f"--mesh-name={name}", gifti, ref)
        nprec("mesh", "convert", transform, f"--mesh-name={name}", gifti, ours)
    reference("link-mesh-fragments", "--no-colon-suffix", csv_path, ref)
    nprec("mesh", "link", "--no-colon-suffix", csv_path, ours)
    compare_trees(ours, ref, "bigbrain")
    for path in files_under(ref):
        if path.endswith(".gz"):
            same_fragment(gzip.decompress((ours / path).read_bytes()), gzip.decompress((ref / path).read_bytes()),
                          False, path)
        elif path != "info":
            assert (ours / path).read_bytes() == (ref / path).read_bytes(), f"{path} differs"
    assert json.loads((ours / "mesh" / "100").read_text()) == {"fragments": ["grey-left", "grey-right"]}


def checks():
    points, triangles = mm.icosphere(subdivisions=2, radius=41.5, centre=(3.25, -60.0, 12.5))
    variants = dict(mm.GIFTI_VARIANTS)
    for name, variant in sorted(variants.items()):
        for transform_name in mm.TRANSFORMS:
            yield (f"mesh convert {name} ({transform_name})",
                   lambda n=name, v=variant, t=transform_name: convert_case(n, v, t, points, triangles))
    for mesh_name in ["sphere", "prism"]:
        for label in WRITERS:
            yield f"mesh convert {mesh_name} {label} = GIfTI", lambda m=mesh_name, x=label: other_format_case(m, x)
    for options in [["--mesh-dir=surfaces"], ["--mesh-name=pial"], ["--no-gzip"],
                    ["--mesh-dir=a/b", "--mesh-name=x.y", "--no-gzip"]]:
        yield f"mesh convert {' '.join(options)}", lambda o=options: options_case(o)
    for name in sorted(mm.LINK_CASES):
        yield f"mesh link {name}", lambda n=name: link_case(n)
    yield "mesh bigbrain example", bigbrain_case
    yield "mesh convert fsaverage5 pial .gii.gz (nilearn)", gifti_gz_case
