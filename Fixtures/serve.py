"""Serves a directory to a Neuroglancer viewer on this machine (127.0.0.1 only):
- CORS headers for any origin;
- chunks stored as NAME.gz (nprec's default) are answered for NAME with
  `Content-Encoding: gzip`, which is the only way the viewer takes gzip;
- flat chunk names (`KEY/x0-x1_y0-y1_z0-z1`, what the viewer asks for) are also found in the
  nested layout (`KEY/x0-x1/y0-y1/z0-z1`, nprec's default), so any nprec output displays;
- Range requests (sharded datasets are read by byte ranges): 206 with Content-Range, 416 past
  the end.

    python3 Fixtures/serve.py out 8000
    # then open Neuroglancer with the source precomputed://http://127.0.0.1:8000/sample
"""
import http.server
import os
import re
import sys

FLAT_CHUNK = re.compile(r"^(-?\d+--?\d+)_(-?\d+--?\d+)_(-?\d+--?\d+)$")
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class Handler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Expose-Headers", "*")
        self.send_header("Access-Control-Allow-Headers", "range")
        super().end_headers()

    def do_OPTIONS(self):
        self.send_response(204)
        self.end_headers()

    def locate(self, path):
        """The file answering `path` and whether it is gzipped: the file, NAME.gz, or the
        nested-layout file for a flat chunk name."""
        candidates = [path]
        head, name = os.path.split(path)
        match = FLAT_CHUNK.match(name)
        if match:
            candidates.append(os.path.join(head, *match.groups()))
        for candidate in candidates:
            if os.path.isfile(candidate):
                return candidate, False
            if os.path.isfile(candidate + ".gz"):
                return candidate + ".gz", True
        return None, False

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            return super().send_head()
        found, gzipped = self.locate(path)
        if found is None:
            self.send_error(404, "File not found")
            return None
        handle = open(found, "rb")
        size = os.fstat(handle.fileno()).st_size
        start, end = 0, size - 1
        partial = False
        header = self.headers.get("Range")
        if header and not gzipped:
            match = RANGE.match(header.strip())
            if match and (match.group(1) or match.group(2)):
                if match.group(1):
                    start = int(match.group(1))
                    end = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
                else:  # the last N bytes
                    start = max(size - int(match.group(2)), 0)
                if start >= size or start > end:
                    handle.close()
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{size}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                partial = True
        self.send_response(206 if partial else 200)
        self.send_header("Content-Type", "application/json" if found.endswith("info") else "application/octet-stream")
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Accept-Ranges", "bytes")
        if partial:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        handle.seek(start)
        self.remaining = end - start + 1
        return handle

    def copyfile(self, source, outputfile):
        left = getattr(self, "remaining", None)
        if left is None:
            return super().copyfile(source, outputfile)
        while left > 0:
            block = source.read(min(left, 1 << 16))
            if not block:
                break
            outputfile.write(block)
            left -= len(block)


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else "."
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 8000
    handler = lambda *args: Handler(*args, directory=directory)  # noqa: E731
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        print(f"serving {directory} on http://127.0.0.1:{port}/ (Ctrl-C stops)")
        server.serve_forever()


if __name__ == "__main__":
    main()
