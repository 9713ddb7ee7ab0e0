#!/usr/bin/env python3
"""Checks that datasets written by nprec display in the real Neuroglancer viewer, headless.

    .venv-viewer/bin/python Tests/viewer/check_viewer.py NPREC_BIN [--keep DIR] [--only NAME,...]

Makes small datasets from the bundled sample (Fixtures/sample/brain.nii.gz) and from a label
volume and surfaces this script writes itself, serves them with `NPREC_BIN serve --port 0` on
127.0.0.1 (the client of the neuroglancer package too, with --client), opens each one in
neuroglancer.Viewer() under headless Chromium (software WebGL), takes an 800x600 screenshot and
checks it: phantom pixels in the slice panels, the same pixels as the uncompressed flat dataset
for every lossless variant, distinct segment colours, a mesh drawn in the centre of the 3D
panel. It also opens links that `nprec serve --client` prints, as they are, in that client with
no internet; for a segmentation named by `nprec labels` from a FreeSurfer colour table, it reads
the layer's segment list in the page (the table's names by id) and the viewer's state (the
table's colours as segmentColors). Prints one line per check and 'N passed, N failed'.

Needs: chromium and chromium-driver (Debian), and a venv with neuroglancer and selenium (see
README.md beside this file). `make viewer` runs it, in CI too.
"""
import argparse
import base64
import gzip
import json
import os
import pathlib
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zlib

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "Fixtures" / "sample" / "brain.nii.gz"
SIZE = (800, 600)
# The sample's geometry: 91 x 109 x 91 voxels of 2 mm, MNI-like RAS+.
SHAPE = (91, 109, 91)
AFFINE = np.array([[2.0, 0, 0, -90], [0, 2.0, 0, -126], [0, 0, 2.0, -72], [0, 0, 0, 1]])


# ---------------------------------------------------------------------------------------------
# Inputs: a label volume (NIfTI-1) and ellipsoid surfaces (GIfTI), written without nibabel.

def phantom_coords():
    return np.meshgrid(*[np.linspace(-1, 1, n) for n in SHAPE], indexing="ij")


# The names and colours of make_labels' labels, as `nprec labels` reads them (a name with a
# space in double quotes).
LABEL_TABLE = {"Unknown": (0, 0, 0), "Scalp": (255, 128, 0), '"Grey matter"': (200, 60, 60),
               "White-matter": (60, 200, 60), "Ventricles": (120, 18, 134)}


def make_labels():
    """0 background, 1 scalp, 2 and 3 brain (a checkerboard of the sample's texture), 4 ventricles."""
    x, y, z = phantom_coords()
    r_head = (x / 0.85) ** 2 + (y / 0.95) ** 2 + (z / 0.85) ** 2
    r_brain = (x / 0.72) ** 2 + ((y + 0.02) / 0.82) ** 2 + ((z - 0.05) / 0.7) ** 2
    r_v1 = ((x - 0.12) / 0.08) ** 2 + (y / 0.3) ** 2 + (z / 0.12) ** 2
    r_v2 = ((x + 0.12) / 0.08) ** 2 + (y / 0.3) ** 2 + (z / 0.12) ** 2
    labels = np.zeros(SHAPE, np.uint8)
    labels[r_head < 1] = 1
    texture = np.cos(9 * x) * np.sin(7 * y)
    labels[(r_brain < 1) & (texture >= 0)] = 2
    labels[(r_brain < 1) & (texture < 0)] = 3
    labels[(r_v1 < 1) | (r_v2 < 1)] = 4
    return labels


def write_nifti(path, data, affine):
    """A minimal NIfTI-1 single file (uint8), gzipped, with the sform and qform set."""
    hdr = bytearray(348)
    struct.pack_into("<i", hdr, 0, 348)
    dims = [3, *data.shape, 1, 1, 1, 1]
    struct.pack_into("<8h", hdr, 40, *dims)
    struct.pack_into("<hh", hdr, 70, 2, 8)  # datatype uint8, bitpix
    pixdim = [1.0, *np.abs(np.diag(affine)[:3]), 1, 1, 1, 1]
    struct.pack_into("<8f", hdr, 76, *pixdim)
    struct.pack_into("<f", hdr, 108, 352.0)  # vox_offset
    struct.pack_into("<ff", hdr, 112, 1.0, 0.0)  # scl_slope, scl_inter
    struct.pack_into("<B", hdr, 123, 2 | 8)  # xyzt_units: mm, s
    struct.pack_into("<hh", hdr, 252, 4, 4)  # qform_code, sform_code: MNI
    struct.pack_into("<3f", hdr, 256, 0, 0, 0)  # quatern b, c, d: identity rotation
    struct.pack_into("<3f", hdr, 268, *affine[:3, 3])  # qoffset x, y, z
    for row in range(3):
        struct.pack_into("<4f", hdr, 280 + 16 * row, *affine[row])  # srow_x, srow_y, srow_z
    hdr[344:348] = b"n+1\0"
    body = bytes(hdr) + b"\0" * 4 + np.ascontiguousarray(data).tobytes(order="F")
    with gzip.open(path, "wb") as f:
        f.write(body)


def ellipsoid(center_vox, semi_vox, rings=24, segments=48):
    """A closed ellipsoid (UV sphere) in millimetres through AFFINE, outward triangles."""
    verts = [(0.0, 0.0, 1.0)]
    for i in range(1, rings):
        theta = np.pi * i / rings
        for j in range(segments):
            phi = 2 * np.pi * j / segments
            verts.append((np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)))
    verts.append((0.0, 0.0, -1.0))
    v = np.array(verts) * semi_vox + center_vox
    v = v @ AFFINE[:3, :3].T + AFFINE[:3, 3]
    tris = []
    last = len(verts) - 1
    ring = lambda i, j: 1 + (i - 1) * segments + (j % segments)  # noqa: E731
    for j in range(segments):
        tris.append((0, ring(1, j), ring(1, j + 1)))
        tris.append((last, ring(rings - 1, j + 1), ring(rings - 1, j)))
    for i in range(1, rings - 1):
        for j in range(segments):
            a, b, c, d = ring(i, j), ring(i, j + 1), ring(i + 1, j), ring(i + 1, j + 1)
            tris += [(a, c, b), (b, c, d)]
    return v.astype("<f4"), np.array(tris, "<i4")


def write_gifti(path, verts, tris):
    """GIfTI with zlib+base64 data arrays, as nibabel writes by default."""
    def array(intent, dtype, a):
        data = base64.b64encode(zlib.compress(a.tobytes())).decode()
        return (f'<DataArray Intent="{intent}" DataType="{dtype}" ArrayIndexingOrder="RowMajorOrder" '
                f'Dimensionality="2" Dim0="{a.shape[0]}" Dim1="3" Encoding="GZipBase64Binary" '
                f'Endian="LittleEndian" ExternalFileName="" ExternalFileOffset="">\n<MetaData/>\n'
                f"<Data>{data}</Data>\n</DataArray>\n")
    text = ('<?xml version="1.0" encoding="UTF-8"?>\n<GIFTI Version="1.0" NumberOfDataArrays="2">\n'
            "<MetaData/>\n<LabelTable/>\n"
            + array("NIFTI_INTENT_POINTSET", "NIFTI_TYPE_FLOAT32", verts)
            + array("NIFTI_INTENT_TRIANGLE", "NIFTI_TYPE_INT32", tris)
            + "</GIFTI>\n")
    pathlib.Path(path).write_text(text)


def half(n):
    return (n - 1) / 2


def make_surfaces(workdir):
    """The head (label 1) and the two ventricles (label 4), from the phantom's formulas."""
    c = np.array([half(n) for n in SHAPE])
    out = {}
    out["head"] = ellipsoid(c, np.array([0.85, 0.95, 0.85]) * c)
    out["ventricle_l"] = ellipsoid(c + np.array([-0.12, 0, 0]) * c, np.array([0.08, 0.3, 0.12]) * c)
    out["ventricle_r"] = ellipsoid(c + np.array([0.12, 0, 0]) * c, np.array([0.08, 0.3, 0.12]) * c)
    paths = {}
    for name, (v, t) in out.items():
        paths[name] = workdir / f"{name}.surf.gii"
        write_gifti(paths[name], v, t)
    return paths


# ---------------------------------------------------------------------------------------------
# Datasets

def run(cmd, log):
    log.write("$ " + " ".join(map(str, cmd)) + "\n")
    log.flush()
    subprocess.run([str(c) for c in cmd], check=True, stdout=log, stderr=log)


def make_datasets(nprec, work, only):
    """Returns the list of checks: dicts with name, source dir, layer kind and expectations."""
    data = work / "data"
    data.mkdir()
    log = open(work / "nprec.log", "w")
    vol = SAMPLE
    checks = []

    def want(name):
        return not only or name in only

    # The lossless reference every other image dataset is compared with.
    run([nprec, "pyramid", "--flat", "--no-gzip", vol, data / "flat-raw"], log)
    checks.append(dict(name="flat-raw", kind="image", expect="image"))
    if want("flat-gzip"):
        run([nprec, "pyramid", "--flat", vol, data / "flat-gzip"], log)
        checks.append(dict(name="flat-gzip", kind="image", expect="same"))
    if want("nested-gzip"):
        run([nprec, "pyramid", vol, data / "nested-gzip"], log)
        checks.append(dict(name="nested-gzip", kind="image", expect="same"))  # flat names mapped
    if want("jpeg"):
        run([nprec, "scales", "--encoding", "jpeg", data / "flat-raw" / "info", data / "jpeg"], log)
        run([nprec, "reencode", "--flat", data / "flat-raw", data / "jpeg"], log)
        checks.append(dict(name="jpeg", kind="image", expect="close"))
    if want("png"):
        run([nprec, "scales", "--encoding", "png", data / "flat-raw" / "info", data / "png"], log)
        run([nprec, "reencode", "--flat", data / "flat-raw", data / "png"], log)
        checks.append(dict(name="png", kind="image", expect="same"))
    if want("sharded"):
        run([nprec, "pyramid", "--sharding", "auto", vol, data / "sharded"], log)
        checks.append(dict(name="sharded", kind="image", expect="same"))
    if want("sharded-multi"):
        run([nprec, "pyramid", "--target-chunk-size", "16", "--sharding", "2,2,0", "--no-gzip",
             vol, data / "sharded-multi"], log)
        checks.append(dict(name="sharded-multi", kind="image", expect="same"))
    if want("lowres"):
        run([nprec, "pyramid", "--flat", "--target-chunk-size", "16", vol, data / "lowres"], log)
        info = json.loads((data / "lowres" / "info").read_text())
        checks.append(dict(name="lowres", kind="image", expect="image", zoom=3.0,
                           scale_key=info["scales"][-1]["key"]))
    multires = {"seg-multires": [], "seg-multires-sharded": ["--sharding", "auto"],
                "seg-legacy": ["--format", "legacy"]}
    if want("seg") or want("seg-mesh") or want("link-seg-labels") or any(
            want(n) or want("link-" + n) for n in multires):
        write_nifti(work / "labels.nii.gz", make_labels(), AFFINE)
        run([nprec, "pyramid", work / "labels.nii.gz", data / "seg", "--type", "segmentation",
             "--encoding", "compressed_segmentation", "--downscaling-method", "majority",
             "--flat"], log)
    if want("seg"):
        checks.append(dict(name="seg", kind="segmentation", expect="segments"))
    if want("seg-mesh"):
        shutil.copytree(data / "seg", data / "seg-mesh")
        # The surfaces are in scanner millimetres; the inverse of transform.json puts them in
        # the volume's frame (voxel_offset 0), where the viewer draws the segmentation.
        t = np.array(json.loads((data / "seg-mesh" / "transform.json").read_text()), float)
        inv = np.linalg.inv(t)
        inv[:3, 3] /= 1e6  # nanometres -> millimetres
        coord = ",".join(f"{v:.9g}" for v in inv[:3].ravel())
        for name, path in make_surfaces(work).items():
            run([nprec, "mesh", "convert", "--no-gzip", f"--coord-transform={coord}",
                 "--mesh-name", name, path, data / "seg-mesh"], log)
        (work / "mesh.csv").write_text("1,head\n4,ventricle_l,ventricle_r\n")
        run([nprec, "mesh", "link", work / "mesh.csv", data / "seg-mesh"], log)
        checks.append(dict(name="seg-mesh", kind="segmentation", expect="mesh",
                           layout="3d", segments=[1], min_fraction=0.05))
        # Label 4 has two fragments (one manifest listing both): small, but centred too.
        checks.append(dict(name="seg-mesh-4", dir="seg-mesh", kind="segmentation",
                           expect="mesh", layout="3d", segments=[4], min_fraction=0.002))
    # Multi-resolution meshes of the labels made by `nprec mesh generate` (Draco fragments in
    # LABEL with the manifest LABEL.index; sharded: both in .shard files, read by Range), and its
    # legacy meshes (LABEL:0 naming the fragment LABEL, stored as LABEL.gz).
    for name, options in multires.items():
        if want(name) or want("link-" + name):
            shutil.copytree(data / "seg", data / name)
            run([nprec, "mesh", "generate", "-j", "2", *options, data / name], log)
        if want(name):
            checks.append(dict(name=name, kind="segmentation", expect="multires", layout="3d", segments=[1],
                               min_fraction=0.05, mesh_format=name.split("-")[-1]))
            checks.append(dict(name=name + "-4", dir=name, kind="segmentation", expect="multires", layout="3d",
                               segments=[4], min_fraction=0.002, mesh_format=name.split("-")[-1]))
    # The links `nprec serve --client` prints, opened as they are in the neuroglancer package's
    # client served by nprec: the layer, its transform, the centre, the meshes selected.
    if want("link-flat-raw"):
        checks.append(dict(name="link-flat-raw", dir="flat-raw", kind="image", expect="link-image",
                           link=True))
    if want("link-seg-mesh") and (data / "seg-mesh").exists():
        checks.append(dict(name="link-seg-mesh", dir="seg-mesh", kind="segmentation",
                           expect="link-mesh", link=True, segments=[1, 4]))
    # The link of a dataset with multi-resolution meshes selects its labels (all have meshes).
    if want("link-seg-multires") and (data / "seg-multires").exists():
        checks.append(dict(name="link-seg-multires", dir="seg-multires", kind="segmentation",
                           expect="link-mesh", link=True, segments=[1, 2, 3, 4], multires=True))
    if want("link-seg-legacy") and (data / "seg-legacy").exists():
        checks.append(dict(name="link-seg-legacy", dir="seg-legacy", kind="segmentation",
                           expect="link-mesh", link=True, segments=[1, 2, 3, 4]))
    # A FreeSurfer colour table for the phantom's labels, written by `nprec labels`: the names in
    # the layer's segment list, the colours in the link's segmentColors.
    if want("link-seg-labels"):
        shutil.copytree(data / "seg", data / "seg-labels")
        (work / "labels.txt").write_text("".join(f"{i} {name} {r} {g} {b} 0\n" for i, (name, (r, g, b))
                                                 in enumerate(LABEL_TABLE.items())))
        run([nprec, "labels", "--counts", work / "labels.txt", data / "seg-labels"], log)
        checks.append(dict(name="link-seg-labels", dir="seg-labels", kind="segmentation",
                           expect="link-names", link=True))
    log.close()
    return [c for c in checks if want(c["name"]) or want(c.get("dir", c["name"]))
            or c["name"] == "flat-raw"]


# ---------------------------------------------------------------------------------------------
# One screenshot, in a child process (a dataset the viewer cannot load never finishes).

CHROME_ARGS = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader"]


def chrome_args():
    """Software WebGL, and Chromium's network log (every request of the page and of its chunk
    workers, with the status) written where the parent reads it."""
    return CHROME_ARGS + [f"--log-net-log={os.environ['NPREC_NETLOG']}",
                          "--net-log-capture-mode=Default"]


def netlog_requests(path):
    """(url, status) of each response in a Chromium NetLog file, complete or cut short (the
    browser killed): one event per line, a URL_REQUEST's url and its response headers."""
    urls, status = {}, {}
    try:
        text = pathlib.Path(path).read_text(errors="replace")
    except OSError:
        return []
    for line in text.splitlines():
        line = line.strip().rstrip(",")
        if not line.startswith('{"params"') and '"source"' not in line[:200]:
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        params, source = event.get("params") or {}, (event.get("source") or {}).get("id")
        if "url" in params and source not in urls:
            urls[source] = params["url"]
        headers = params.get("headers")
        if isinstance(headers, list) and headers and str(headers[0]).startswith("HTTP/"):
            status[source] = str(headers[0]).split(" ")[1]
    return [(urls[s], code) for s, code in status.items() if s in urls]


def on_console(errors):
    def on_log(entry):
        text = getattr(entry, "text", str(entry))
        print(f"console.{getattr(entry, 'level', '?')}: {text}", file=sys.stderr, flush=True)
        if "Error retrieving" in text:
            errors.append(text)
            if len(errors) == 1:  # give the other requests a moment, then give up
                import threading

                threading.Timer(3.0, lambda: os._exit(3)).start()
    return on_log


def open_link(url):
    """Opens `url` (a link nprec serve printed) as it is in headless Chromium and waits until the
    viewer is ready; returns the driver."""
    import neuroglancer.webdriver

    webdriver = neuroglancer.webdriver.WebdriverBase(
        headless=True, docker=True, print_logs=False, window_size=SIZE,
        extra_command_line_args=chrome_args())
    webdriver.add_log_listener(on_console([]))
    driver = webdriver.driver
    driver.set_window_size(*SIZE)
    driver.get(url)
    ready = 0
    while ready < 3:  # ready three times in a row, 0.5 s apart: chunks and meshes drawn
        time.sleep(0.5)
        ok = driver.execute_script(
            "const v = window.viewer; return !!(v && v.display && "
            "v.layerManager.managedLayers.length > 0 && v.display.isReady());")
        ready = ready + 1 if ok else 0
    return driver


def link_child(url, out):
    """Opens `url` (a link nprec serve printed) as it is and waits until the viewer is ready."""
    driver = open_link(url)
    driver.save_screenshot(out)
    driver.quit()
    os._exit(0)


def names_child(url, out):
    """Opens the link of a labelled dataset (its side panel on the segment list, the "Seg." tab,
    as the link says) and writes beside the screenshot what the list shows (one text per entry:
    id and label, as Neuroglancer read them from segment_properties) and the viewer's state (the
    link's segmentColors, as the client kept them)."""
    driver = open_link(url)
    entries, last = [], None
    deadline = time.time() + 20
    while time.time() < deadline:  # the list fills once the properties are fetched
        time.sleep(0.5)
        entries = driver.execute_script(
            "return Array.from(document.querySelectorAll('.neuroglancer-segment-list-entry')).map(e => ["
            "(e.querySelector('.neuroglancer-segment-list-entry-id') || {}).textContent, "
            "(e.querySelector('.neuroglancer-segment-list-entry-name') || {}).textContent]);")
        if entries and entries == last:
            break
        last = entries
    state = driver.execute_script("return JSON.stringify(window.viewer.state.toJSON());")
    pathlib.Path(out + ".json").write_text(json.dumps({"entries": entries, "state": json.loads(state)}))
    driver.save_screenshot(out)
    driver.quit()
    os._exit(0)


def child(url, kind, out, layout, segments, zoom):
    import neuroglancer
    import neuroglancer.webdriver

    neuroglancer.set_server_bind_address("127.0.0.1")
    viewer = neuroglancer.Viewer()
    with viewer.txn() as s:
        if kind == "image":
            s.layers["v"] = neuroglancer.ImageLayer(source=url)
        else:
            s.layers["v"] = neuroglancer.SegmentationLayer(source=url, segments=segments)
        s.layout = layout
        s.show_slices = layout != "3d"  # the 3D view draws only meshes: no slice of the labels
        s.cross_section_scale = 0.002 * zoom  # metres per pixel: 2 mm voxels, `zoom` per pixel
        s.projection_scale = 0.3
        s.show_axis_lines = False
        s.show_scale_bar = False
        s.show_default_annotations = False
        s.cross_section_background_color = "#000000"
        s.projection_background_color = "#000000"
    webdriver = neuroglancer.webdriver.Webdriver(
        viewer, headless=True, docker=True, print_logs=False, extra_command_line_args=chrome_args())
    webdriver.add_log_listener(on_console([]))
    shot = viewer.screenshot(size=list(SIZE))
    pathlib.Path(out).write_bytes(shot.screenshot.image)
    webdriver.driver.quit()
    os._exit(0)


def screenshot(check, server, shots, timeout):
    """Runs one check's browser in a child process; returns the screenshot (or None), the
    child's status, its console lines and the requests it made, as (path, status) pairs."""
    out = shots / f"{check['name']}.png"
    name = check.get("dir", check["name"])
    if check.get("link"):
        mode = "--names-child" if check["expect"] == "link-names" else "--link-child"
        cmd = [sys.executable, __file__, mode, server.links[name], str(out)]
    else:
        url = f"precomputed://{server.base}/{name}"
        cmd = [sys.executable, __file__, "--child", url, check["kind"], str(out),
               check.get("layout", "4panel"), ",".join(map(str, check.get("segments", []))),
               str(check.get("zoom", 0.4))]
    netlog = shots / f"{check['name']}.netlog.json"
    env = dict(os.environ, SE_OFFLINE="true", SE_AVOID_STATS="true", NPREC_NETLOG=str(netlog))
    env.setdefault("SE_CHROMEDRIVER", shutil.which("chromedriver") or "")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True, text=True)
    try:
        output, _ = proc.communicate(timeout=timeout)
        status = proc.returncode
    except subprocess.TimeoutExpired:
        status = "timeout"
        output = ""
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the child's own group: chromedriver, chromium
        except ProcessLookupError:
            pass
        if status == "timeout":
            output, _ = proc.communicate()
    lines = output.splitlines()
    console = [line for line in lines if line.startswith("console.")]
    requests = [(url[len(server.base):], code) for url, code in netlog_requests(netlog)
                if url.startswith(server.base + "/")]
    return (out if status == 0 and out.exists() else None), status, console, requests


# ---------------------------------------------------------------------------------------------
# Judging a screenshot

def load(path):
    from PIL import Image
    return np.asarray(Image.open(path).convert("RGB")).astype(int)


def slice_panels(img):
    """The 4panel layout: xy top left, xz top right, 3D bottom left, yz bottom right."""
    h, w = img.shape[0] // 2, img.shape[1] // 2
    return [img[:h, :w], img[:h, w:], img[h:, w:]]


def grey_pixels(panel):
    """Phantom pixels: grey (R=G=B) and brighter than the black background."""
    return int(((panel[..., 0] == panel[..., 1]) & (panel[..., 1] == panel[..., 2])
                & (panel[..., 0] > 15)).sum())


def colours(panel, min_count):
    sat = panel.max(-1) - panel.min(-1) > 60
    keys, counts = np.unique(panel[sat].reshape(-1, 3), axis=0, return_counts=True)
    return [tuple(k) for k, c in zip(keys, counts) if c >= min_count]


def judge(check, img, reference, requests):
    expect = check["expect"]
    if expect in ("image", "same", "close"):
        counts = [grey_pixels(p) for p in slice_panels(img)]
        need = 300 if check.get("zoom", 0.4) > 1 else 5000
        if min(counts) < need:
            return False, f"slice panels nearly blank: {counts} phantom pixels (need {need} each)"
        detail = f"phantom pixels per slice panel {counts}"
        if "scale_key" in check:
            key = check["scale_key"]
            if not any(f"/{check.get('dir', check['name'])}/{key}/" in r for r, _ in requests):
                return False, f"zoomed out but no request for the lowest scale {key}; {detail}"
            detail += f", drew scale {key}"
        if expect in ("same", "close") and reference is not None:
            diff = np.abs(img - reference)
            changed = float((diff.sum(-1) > 0).mean())
            mean = float(diff.mean())
            if expect == "same" and changed > 0.001:
                return False, (f"differs from flat-raw: {changed:.2%} of pixels, mean |diff| "
                               f"{mean:.2f}; {detail}")
            if expect == "close" and mean > 3:
                return False, f"far from flat-raw: mean |diff| {mean:.2f}; {detail}"
            detail += (", identical to flat-raw" if changed == 0 else
                       f", mean |diff| {mean:.2f} from flat-raw")
        return True, detail
    if expect == "blank":
        counts = [grey_pixels(p) for p in slice_panels(img)]
        missing = sum(1 for _, status in requests if status == "404")
        if max(counts) > 0:
            return False, f"expected blank (nested names), got phantom pixels {counts}"
        return True, f"blank as expected: Neuroglancer asked for flat names, {missing} x 404"
    if expect == "segments":
        # Labels 1-4: scalp, two brain classes, ventricles; one slice may miss some of them.
        found = [colours(p, 200) for p in slice_panels(img)]
        union = set().union(*found)
        per_panel = [len(c) for c in found]
        if len(union) < 4 or min(per_panel) < 2:
            return False, (f"{len(union)} segment colours in the slice panels (need 4), "
                           f"per panel {per_panel}")
        return True, f"{len(union)} segment colours in the slice panels, per panel {per_panel}"
    if expect == "multires":
        # Neuroglancer fetched the manifests and fragment data from nprec serve (the shards by
        # Range, 206) and drew the mesh, centred on the volume, as for the legacy meshes.
        name = check.get("dir", check["name"])
        ok = {path for path, code in requests if code in ("200", "206")}
        if check["mesh_format"] == "sharded":
            shards = sorted({p for p, c in requests if p.startswith(f"/{name}/mesh/") and p.endswith(".shard")
                             and c == "206"})
            if not shards:
                return False, f"no .shard of the mesh read by Range (206): {sorted(ok)[:8]}"
            fetched = f"{len(shards)} mesh shards read by Range"
        else:
            suffixes = (":0", "") if check["mesh_format"] == "legacy" else (".index", "")
            wanted = [f"/{name}/mesh/{label}{suffix}" for label in check["segments"] for suffix in suffixes]
            missing = [p for p in wanted if p not in ok]
            if missing:
                return False, f"not fetched: {missing}; mesh requests {sorted(p for p in ok if '/mesh/' in p)}"
            fetched = f"{', '.join(wanted)} fetched"
        drawn, detail = judge(dict(check, expect="mesh"), img, reference, requests)
        return drawn, f"{fetched}; {detail}"
    if expect == "mesh":
        ys, xs = np.nonzero(img.max(-1) - img.min(-1) > 30)
        if len(xs) < check["min_fraction"] * img.shape[0] * img.shape[1]:
            return False, f"3D panel nearly empty: {len(xs)} coloured pixels"
        cx, cy = (xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2
        off = max(abs(cx - img.shape[1] / 2) / img.shape[1], abs(cy - img.shape[0] / 2) / img.shape[0])
        if off > 0.05:
            return False, f"mesh drawn off centre ({cx:.0f}, {cy:.0f}): not aligned with the volume"
        return True, f"mesh drawn: {len(xs)} coloured pixels, centred at ({cx:.0f}, {cy:.0f})"
    if expect == "link-image":
        # The link's own view: grey background, the layer's side panel open on the right. The
        # phantom: many grey levels in the data panels (left 60%), the 4 commonest colours
        # (backgrounds) left out; an empty view has a handful from text and borders.
        keys, counts = np.unique(img.reshape(-1, 3), axis=0, return_counts=True)
        left = img[:, :int(img.shape[1] * 0.6)]
        v = left[..., 0]
        grey = (left[..., 0] == left[..., 1]) & (left[..., 1] == left[..., 2]) & (v > 15) & (v < 235)
        for colour in keys[np.argsort(-counts)[:4]]:
            grey &= ~(left == colour).all(-1)
        levels, per_level = np.unique(v[grey], return_counts=True)
        many = int((per_level >= 50).sum())
        if grey.sum() < 10000 or many < 20:
            return False, f"no phantom in the link's view: {grey.sum()} grey pixels, {many} grey levels"
        requested = any(p.startswith(f"/{check['dir']}/") and p.count("_") == 2 for p, c in requests
                        if c == "200")
        if not requested:
            return False, "the phantom is drawn, but no chunk of the dataset was fetched from nprec serve"
        return True, f"phantom drawn from the link: {grey.sum()} grey pixels, {many} grey levels"
    if expect == "link-mesh":
        # The link selects the labels with manifests: the viewer fetches their manifests and
        # fragments and draws them in the 3D panel (bottom left).
        name = check.get("dir", check["name"])
        ok = {path for path, code in requests if code in ("200", "206")}
        if check.get("multires"):  # LABEL.index, the fragments' data in LABEL
            manifests = [f"/{name}/mesh/{label}.index" for label in check["segments"]]
            fragments = [p for p in ok if p in {f"/{name}/mesh/{label}" for label in check["segments"]}]
            enough = len(check["segments"])
        else:
            manifests = [f"/{name}/mesh/{label}:0" for label in check["segments"]]
            fragments = [p for p in ok if p.startswith(f"/{name}/mesh/") and ":" not in p
                         and not p.endswith("/info")]
            enough = 3
        missing = [m for m in manifests if m not in ok]
        if missing or len(fragments) < enough:
            return False, (f"meshes not fetched: manifests missing {missing}, fragments "
                           f"{sorted(fragments)}")
        h, w = img.shape[0] // 2, img.shape[1] // 2
        panel = img[h:, :w]
        coloured = int((panel.max(-1) - panel.min(-1) > 30).sum())
        if coloured < 0.05 * h * w:
            return False, f"3D panel nearly empty: {coloured} coloured pixels"
        return True, (f"manifests {manifests} and {len(fragments)} fragments fetched, "
                      f"{coloured} coloured pixels in the 3D panel")
    if expect == "link-names":
        found = json.loads(pathlib.Path(check["png"] + ".json").read_text())
        entries = [tuple(e) for e in found["entries"]]
        names = [name.strip('"') for name in LABEL_TABLE]
        missing = [name for i, name in enumerate(names) if (str(i), name) not in entries]
        if missing:
            return False, f"labels {missing} not in the segment list {entries[:8]}"
        layer = found["state"]["layers"][0]
        kept = layer.get("segmentColors", {})
        table = {str(i): "#%02x%02x%02x" % rgb for i, rgb in enumerate(LABEL_TABLE.values())}
        if kept != table:
            return False, f"the viewer's segmentColors {kept}, not the table's {table}"
        if not any(p == f"/{check['dir']}/segment_properties/info" and c == "200" for p, c in requests):
            return False, "segment_properties/info was not fetched from nprec serve"
        return True, (f"the segment list shows the table's {len(names)} names: "
                      f"{', '.join(':'.join(e) for e in sorted(entries) if e[0] and e[0].isdigit())}; "
                      "segmentColors kept")
    raise ValueError(expect)


# ---------------------------------------------------------------------------------------------

class Server:
    """`nprec serve DATA --port 0 [--client CLIENT]`: its port read from what it prints on
    stderr, its links (one per dataset, in name order) from stdout; stopped by its pid."""

    def __init__(self, nprec, data, work, client=None, timeout=30):
        self.names = sorted(p.name for p in data.iterdir() if (p / "info").exists())
        self.out, self.err = work / "serve.out", work / "serve.log"
        cmd = [str(nprec), "serve", str(data), "--port", "0"]
        if client:
            cmd += ["--client", str(client)]
        self.process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=open(self.out, "w"),
                                        stderr=open(self.err, "w"))
        deadline = time.time() + timeout
        while True:
            port = re.search(r"\(port (\d+)\)", self.err.read_text())
            lines = self.out.read_text().splitlines()
            if port and len(lines) == len(self.names) and self.out.read_text().endswith("\n"):
                break
            if self.process.poll() is not None or time.time() > deadline:
                self.stop()
                raise SystemExit(f"nprec serve did not start: {self.err.read_text()}")
            time.sleep(0.05)
        self.base = f"http://127.0.0.1:{port.group(1)}"
        self.links = dict(zip(self.names, lines))

    def stop(self):
        """SIGINT to this process, as Ctrl-C; SIGKILL to it if it has not exited in 10 s."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def neuroglancer_client():
    """The built client the neuroglancer package ships, or None."""
    import importlib.util
    spec = importlib.util.find_spec("neuroglancer")
    if spec is None or not spec.origin:
        return None
    client = pathlib.Path(spec.origin).parent / "static" / "client"
    return client if (client / "index.html").exists() else None


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--link-child":
        link_child(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--names-child":
        names_child(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        url, kind, out, layout, segments, zoom = sys.argv[2:8]
        child(url, kind, out, layout, [int(s) for s in segments.split(",") if s], float(zoom))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("nprec", help="the nprec binary")
    parser.add_argument("--keep", help="write datasets, logs and screenshots here (kept)")
    parser.add_argument("--only", help="comma-separated dataset names")
    parser.add_argument("--timeout", type=float, default=60, help="seconds per dataset")
    args = parser.parse_args()
    nprec = pathlib.Path(args.nprec).resolve()
    only = set(args.only.split(",")) if args.only else set()

    if args.keep:
        work = pathlib.Path(args.keep).resolve()
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
    else:
        work = pathlib.Path(tempfile.mkdtemp(prefix="nprec-viewer-"))
    shots = work / "shots"
    shots.mkdir()
    checks = make_datasets(nprec, work, only)

    client = neuroglancer_client()
    if client is None and any(c.get("link") for c in checks):
        print("no client in the neuroglancer package: the link checks are skipped")
        checks = [c for c in checks if not c.get("link")]
    server = Server(nprec, work / "data", work, client=client)
    passed = failed = 0
    try:
        reference = None
        for check in checks:
            t0 = time.time()
            png, status, console, requests = screenshot(check, server, shots, args.timeout)
            elapsed = time.time() - t0
            if png is None:
                ok = False
                bad = sorted({f"{path} -> {code}" for path, code in requests if code[0] != "2"})
                errs = sorted({line.split(": ", 1)[-1][:200] for line in console if "rror" in line})
                why = "timed out" if status == "timeout" else f"viewer gave up (exit {status})"
                whole = sum(1 for path, code in requests if path.endswith(".shard") and code == "200")
                if whole:  # Neuroglancer reads shards only with Range requests: 206 expected
                    bad.insert(0, f"{whole} x .shard answered 200 (whole file), not 206: "
                                  "the server ignores Range")
                detail = f"{why}; failed requests: {bad[:4] or 'none'}; console errors: {errs[:3] or 'none'}"
            else:
                img = load(png)
                check["png"] = str(png)
                ok, detail = judge(check, img, reference, requests)
                if check["name"] == "flat-raw" and ok:
                    reference = img
            passed += ok
            failed += not ok
            print(f"{'PASS' if ok else 'FAIL'} {check['name']} ({elapsed:.1f} s): {detail}", flush=True)
    finally:
        code = server.stop()
    if code != 130:  # Ctrl-C: 128 + SIGINT
        print(f"FAIL nprec serve exited {code} on SIGINT, not 130: {server.err.read_text()[-300:]}")
        failed += 1
    print(f"screenshots and logs in {work}" if args.keep else f"screenshots in {shots}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
