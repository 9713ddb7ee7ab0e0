"""Serves a directory to a Neuroglancer viewer on this machine: CORS headers for any origin,
`Content-Encoding: gzip` for chunks that nprec stored as NAME.gz (requested as NAME), and
Range requests. For local viewing only; binds to 127.0.0.1.

    python3 Fixtures/serve.py out 8000
    # then open Neuroglancer with the source precomputed://http://127.0.0.1:8000/sample
"""
import http.server
import os
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Expose-Headers", "*")
        self.send_header("Access-Control-Allow-Headers", "range")
        super().end_headers()

    def do_OPTIONS(self):
        self.send_response(204)
        self.end_headers()

    def send_head(self):
        path = self.translate_path(self.path)
        if not os.path.exists(path) and os.path.isfile(path + ".gz"):
            with open(path + ".gz", "rb") as f:
                body = f.read()
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return None
        return super().send_head()


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else "."
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 8000
    handler = lambda *args: Handler(*args, directory=directory)  # noqa: E731
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        print(f"serving {directory} on http://127.0.0.1:{port}/ (Ctrl-C stops)")
        server.serve_forever()


if __name__ == "__main__":
    main()
