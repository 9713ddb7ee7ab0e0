"""`nprec serve`, judged by tensorstore: its http kvstore reads nprec datasets (nested and gzip,
flat and raw, sharded) through the server and gets the same arrays as its file kvstore gets from
the files (a flat, raw copy for the nested one, which tensorstore's file kvstore cannot read)."""
import re
import subprocess

import numpy as np
from check_pyramid import CASES, make
from harness import NPREC, load_json, nprec


def read(kvstore, count):
    import tensorstore as ts
    arrays = []
    for index in range(count):
        store = ts.open({"driver": "neuroglancer_precomputed", "kvstore": kvstore, "scale_index": index}).result()
        arrays.append(np.asarray(store.read().result()))
    return arrays


class Server:
    """`nprec serve ROOT --port 0`, stopped by its pid."""

    def __init__(self, root):
        self.process = subprocess.Popen([NPREC, "serve", str(root), "--port", "0"], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        line = self.process.stderr.readline()
        match = re.search(r"\(port (\d+)\)", line)
        if not match:
            self.process.kill()
            raise AssertionError(f"nprec serve did not start: {line}{self.process.stderr.read()}")
        self.port = int(match.group(1))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=10)


def served_equals_files(name, storage):
    work, path = make(name)
    target = str(CASES[name][4])
    nprec("pyramid", path, work / "data" / "served", "--target-chunk-size", target, *storage)
    sharded = "--sharding" in storage
    if not sharded:
        nprec("pyramid", path, work / "flat", "--target-chunk-size", target, "--flat", "--no-gzip")
    count = len(load_json(work / "data" / "served" / "info")["scales"])
    files = work / "data" / "served" if sharded else work / "flat"
    expected = read({"driver": "file", "path": str(files) + "/"}, count)
    with Server(work / "data") as server:
        got = read({"driver": "http", "base_url": f"http://127.0.0.1:{server.port}/served/"}, count)
    for index, (a, b) in enumerate(zip(got, expected)):
        assert a.shape == b.shape and np.array_equal(a, b), f"scale {index} differs"


def checks():
    for name, storage in [("uint8_320x250x150", []), ("int16_odd", ["--flat", "--no-gzip"]),
                          ("uint16_2ch_odd", ["--sharding", "2,1,0"]), ("uint32_labels", ["--sharding", "auto"])]:
        label = " ".join(storage) or "nested gzip"
        yield f"serve {name} ({label}), read by tensorstore over http", \
            lambda n=name, s=storage: served_equals_files(n, s)
