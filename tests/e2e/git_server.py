"""A git host for course content tests: git's own smart HTTP server (`git http-backend`, run as CGI per
request, as behind a web server) over HTTPS with a certificate of the test's, serving the bare
repositories of a folder read-only (clone and fetch; no push).

Run as a program: `python -m tests.e2e.git_server --root D --port P --certificate-dir C` (C holds tls.crt
and tls.key), on 127.0.0.1 until SIGTERM.
"""

import argparse
import http.server
import os
import ssl
import subprocess
from pathlib import Path
from urllib.parse import urlsplit


class GitHandler(http.server.BaseHTTPRequestHandler):
    """Hands each request to `git http-backend` and relays its CGI answer."""

    root: Path

    def _backend(self) -> None:
        url = urlsplit(self.path)
        if url.path.endswith("/git-receive-pack") or "service=git-receive-pack" in url.query:
            self.send_error(403, "read-only")
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(self.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": url.path,
            "QUERY_STRING": url.query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": self.client_address[0],
            "HTTP_GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
        }
        answer = subprocess.run(["git", "http-backend"], input=body, env=environment, capture_output=True, check=False)
        head, _, content = answer.stdout.partition(b"\r\n\r\n")
        status, headers = 200, []
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = _backend  # noqa: N815 - the handler's method names
    do_POST = _backend  # noqa: N815


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--certificate-dir", type=Path, required=True)
    args = parser.parse_args()
    GitHandler.root = args.root
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), GitHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.certificate_dir / "tls.crt", args.certificate_dir / "tls.key")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
