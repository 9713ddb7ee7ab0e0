"""make bench, `nprec serve` part: wrk on loopback against `nprec serve` and against nginx (one
worker) serving the same flat chunk files, side by side: requests/s, p99 latency and errors, and
nprec's ratio to nginx. Standard library only; needs `wrk` and `nginx` on the PATH (the Makefile
installs them). nginx runs as the current user from a configuration in a temporary directory,
with its pid file, error log and temporary paths there, and is stopped by its pid; the system's
nginx service is never touched.

Datasets: a 256^3 uint8 image with 32^3 chunks (32 KiB each), written by `nprec pyramid --flat`
once with `--no-gzip` and once gzipped (`NAME.gz` files: nprec sends them with
`Content-Encoding: gzip`, nginx with `gzip_static on`). wrk spreads its requests over every chunk
file of every scale (a Lua script walking the list from a different start in each thread)."""
import getpass
import json
import os
import pathlib
import random
import re
import shutil
import signal
import statistics
import socket
import struct
import subprocess
import sys
import tempfile
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
NPREC = os.environ.get("NPREC_BIN") or str(ROOT / ".build/release/nprec")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
QUICK = os.environ.get("NPREC_BENCH_QUICK")
DURATION = int(os.environ.get("NPREC_SERVE_BENCH_SECONDS") or (3 if QUICK else 10))
THREADS, CONNECTIONS = 2, 50
ROUNDS = 1 if QUICK else 3
SIDE, CHUNK = 256, 32

LUA = """
local paths = {}
for line in io.lines(os.getenv("NPREC_BENCH_PATHS")) do paths[#paths + 1] = line end
local counter = 0
local index = 0
function setup(thread)
  counter = counter + 1
  thread:set("index", math.floor(#paths * (counter - 1) / 2))
end
function request()
  index = index % #paths + 1
  return wrk.format("GET", paths[index])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('NPREC_BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
    .. '"status": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d, "bytes": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect, e.read, e.write, e.timeout, summary.bytes))
end
"""


def nifti(path, side):
    """A uint8 volume, a gradient with 4 bits of noise (gzip halves its chunks, as it does those
    of a real image), as a minimal NIfTI-1 file."""
    header = bytearray(348)
    struct.pack_into("<i", header, 0, 348)
    struct.pack_into("<8h", header, 40, 3, side, side, side, 1, 1, 1, 1)
    struct.pack_into("<hh", header, 70, 2, 8)  # datatype uint8, bitpix
    struct.pack_into("<8f", header, 76, 1, 1, 1, 1, 1, 1, 1, 1)
    struct.pack_into("<f", header, 108, 352.0)  # vox_offset
    header[344:348] = b"n+1\0"
    noise = random.Random(0).randbytes(4096 * side)
    rows = [bytes(((x * 3) // 4 + (noise[r * side + x] & 15)) & 0xFF for x in range(side)) for r in range(4096)]
    with open(path, "wb") as f:
        f.write(header + b"\0" * 4)
        for z in range(side):
            f.write(b"".join(rows[(y * 257 + z * 131) % 4096] for y in range(side)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_nprec(directory):
    process = subprocess.Popen([NPREC, "serve", directory, "--port", "0"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    for line in process.stderr:
        found = re.search(r"\(port (\d+)\)", line)
        if found:
            return process, int(found.group(1))
    raise RuntimeError(f"nprec serve printed no port (exit {process.wait()})")


def start_nginx(directory, work):
    port = free_port()
    conf = work / "nginx.conf"
    user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
    conf.write_text(f"""{user}
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/error.log;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {work}/body;
  proxy_temp_path {work}/proxy;
  fastcgi_temp_path {work}/fastcgi;
  uwsgi_temp_path {work}/uwsgi;
  scgi_temp_path {work}/scgi;
  sendfile on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  default_type application/octet-stream;
  server {{
    listen 127.0.0.1:{port};
    root {directory};
    gzip_static on;
    add_header Access-Control-Allow-Origin * always;
  }}
}}
""")
    process = subprocess.Popen([NGINX, "-p", str(work), "-c", str(conf), "-e", str(work / "error.log")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                return process, port
        except OSError:
            if process.poll() is not None:
                break
            subprocess.run(["sleep", "0.05"])
    raise RuntimeError(f"nginx did not start:\n{(work / 'error.log').read_text()[-2000:]}")


def stop(process):
    """Stops the server started here, by its pid."""
    os.kill(process.pid, signal.SIGTERM)
    process.wait(timeout=10)


def check(port, path, gzipped):
    """The server answers the first chunk with the right bytes and encoding."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 200, answer.status
        assert (answer.headers.get("Content-Encoding") == "gzip") == gzipped, dict(answer.headers)
        return answer.read()


def wrk(port, paths_file, script, gzipped, seconds):
    argv = ["wrk", "-t", str(THREADS), "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--latency", "-s", str(script)]
    if gzipped:
        argv += ["-H", "Accept-Encoding: gzip"]
    result = subprocess.run([*argv, f"http://127.0.0.1:{port}"], capture_output=True, text=True,
                            env={**os.environ, "NPREC_BENCH_PATHS": str(paths_file)})
    line = next((l for l in result.stdout.splitlines() if l.startswith("NPREC_BENCH ")), None)
    if result.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed:\n{result.stdout}\n{result.stderr}")
    item = json.loads(line.split(" ", 1)[1])
    item["rps"] = item["requests"] / (item["duration_us"] / 1e6)
    item["errors"] = item["status"] + item["connect"] + item["read"] + item["write"] + item["timeout"]
    return item


def errors(item):
    return f"{item['errors']} ({item['status']}, {item['connect']}/{item['read']}/{item['write']}/{item['timeout']})"


def main():
    work = pathlib.Path(tempfile.mkdtemp(prefix="nprec-serve-bench-"))
    try:
        served = work / "data"
        served.mkdir()
        volume = work / "volume.nii"
        nifti(volume, SIDE)
        for name, options in (("raw", ["--no-gzip"]), ("gz", [])):
            subprocess.run([NPREC, "pyramid", volume, served / name, "--flat", "--target-chunk-size", str(CHUNK),
                            *options], check=True, capture_output=True)
        print(f"\n`nprec serve` against nginx {subprocess.run([NGINX, '-v'], capture_output=True, text=True).stderr.strip().split('/')[-1]} "
              f"(one worker, sendfile, no access log) serving the same files, wrk {THREADS} threads, {CONNECTIONS} connections, "
              f"{ROUNDS} alternating rounds of {DURATION} s per server, on loopback ({os.cpu_count()} cores shared by client and server):\n")
        print("| dataset | server | requests/s | p99 ms | errors (non-2xx, socket connect/read/write/timeout) "
              "| nprec / nginx requests/s |")
        print("|---|---|---|---|---|---|")
        ratios = {}
        servers = {}
        try:
            servers["nginx"] = start_nginx(served, work)
            servers["nprec"] = start_nprec(served)
            for name, gzipped in (("raw", False), ("gz", True)):
                root = served / name
                files = [p for p in root.rglob("*") if p.is_file() and p.parent != root]
                paths = sorted(f"/{name}/{p.relative_to(root).as_posix().removesuffix('.gz')}" for p in files)
                paths_file = work / f"{name}.paths"
                paths_file.write_text("\n".join(paths) + "\n")
                script = work / "spread.lua"
                script.write_text(LUA)
                runs = {"nginx": [], "nprec": []}
                for server, (_, port) in servers.items():
                    body = check(port, paths[0], gzipped)
                    assert body == (root / (paths[0].split("/", 2)[2] + (".gz" if gzipped else ""))).read_bytes()
                    wrk(port, paths_file, script, gzipped, 2)  # warm-up: page cache, connections
                # Rounds alternate the servers, and the ratio is the median of the rounds' ratios, so
                # that the noise of a shared machine falls on both sides.
                for _ in range(ROUNDS):
                    for server in ("nginx", "nprec"):
                        runs[server].append(wrk(servers[server][1], paths_file, script, gzipped, DURATION))
                ratio = statistics.median(a["rps"] / b["rps"] for a, b in zip(runs["nprec"], runs["nginx"]))
                ratios[name] = ratio
                label = (f"{name}: {len(paths)} chunk files, {sum(p.stat().st_size for p in files) / len(files) / 1024:.1f}"
                         f" KiB average" + (", gzip" if gzipped else ""))
                for server in ("nprec", "nginx"):
                    items = runs[server]
                    rps = statistics.median(i["rps"] for i in items)
                    p99 = statistics.median(i["p99_us"] for i in items) / 1000
                    total = {k: sum(i[k] for i in items) for k in ("errors", "status", "connect", "read", "write", "timeout")}
                    print(f"| {label} | {server} | {rps:.0f} | {p99:.1f} | {errors(total)} | "
                          + (f"**{ratio:.2f}x** (rounds {min(a['rps'] / b['rps'] for a, b in zip(runs['nprec'], runs['nginx'])):.2f}-"
                             f"{max(a['rps'] / b['rps'] for a, b in zip(runs['nprec'], runs['nginx'])):.2f})"
                             if server == "nprec" else "") + " |")
                    sys.stdout.flush()
        finally:
            for process, _ in servers.values():
                stop(process)
        print("\nGoal: nprec serve at least 0.5x nginx's requests/s with 0 errors: "
              + ", ".join(f"{k} {v:.2f}x" for k, v in ratios.items()))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
