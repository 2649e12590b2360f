"""A webhook receiver for deploy/check.sh: answers 200 to every request and appends one JSON
line per request (method, path, body size) to a log, so that the checks can see which
destinations a shipped command notified.

    python3 receiver.py PORT LOG

Standard library only: it runs with any Python 3, in or out of the tools venv.
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Recorder(BaseHTTPRequestHandler):
    log_path = ""

    def answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with open(self.log_path, "a") as log:
            log.write(json.dumps({"method": self.command, "path": self.path, "bytes": len(body)}) + "\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_PUT = answer

    def log_message(self, format: str, *args: object) -> None:
        pass  # the JSON log is the record; keep stderr quiet


def main() -> None:
    port, Recorder.log_path = int(sys.argv[1]), sys.argv[2]
    open(Recorder.log_path, "a").close()
    ThreadingHTTPServer(("127.0.0.1", port), Recorder).serve_forever()


if __name__ == "__main__":
    main()
