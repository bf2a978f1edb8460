"""Course content step benchmark: what the init container every server runs first costs a class at start.

Runs the shipped step (components/singleuser/course_content.py) as the container runs it, against a
course repository of F files served by git's own HTTP backend over HTTPS on 127.0.0.1
(tests/e2e/git_server.py), into a fresh home (a first start: a clone) and again (a later start: a pull),
plus a home file copied once. Prints wall time and peak memory of each run; the targets: under 2 s and
under 128 MiB (a quarter of the step's memory limit) for a 200-file course. Run: `make bench` or
`python bench/content_bench.py --files 200`.
"""

import argparse
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.hub_harness import self_signed_certificate  # noqa: E402
from tests.e2e.processes import free_port, running, wait_until  # noqa: E402

TARGET_SECONDS, TARGET_MIB = 2.0, 128


def _git(*arguments: str, cwd: Path) -> None:
    subprocess.run(["git", *arguments], cwd=cwd, check=True, capture_output=True)


def course_repository(root: Path, files: int) -> Path:
    """A bare repository of `files` notebooks-sized text files, on branch main."""
    bare, work = root / "git" / "course.git", root / "work"
    bare.parent.mkdir(parents=True)
    _git("init", "-q", "--bare", "-b", "main", str(bare), cwd=root)
    _git("clone", "-q", str(bare), str(work), cwd=root)
    _git("checkout", "-q", "-b", "main", cwd=work)
    for index in range(files):
        (work / f"lesson-{index:03d}.md").write_text(f"# Lesson {index}\n" + "Some text of the lesson.\n" * 200)
    _git("add", "-A", cwd=work)
    _git("-c", "user.name=b", "-c", "user.email=b@example.edu", "commit", "-qm", "course", cwd=work)
    _git("push", "-q", "origin", "main", cwd=work)
    return bare.parent


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def run_step(content: Path, home: Path, ca: Path) -> tuple[float, float]:
    """Run the step once as its container does; wall seconds and its peak MiB (GNU time's maximum resident
    set of the step and the git processes it waited for)."""
    started = time.perf_counter()
    finished = subprocess.run(
        ["/usr/bin/time", "-f", "%M", sys.executable, str(content / "course_content.py")],
        env={"HOME": str(home), "GIT_SSL_CAINFO": str(ca), "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    return seconds, int(finished.stderr.strip().splitlines()[-1]) / 1024


def main() -> int:
    """Print the figures."""
    parser = argparse.ArgumentParser(description="What the course content step costs a class at start.")
    parser.add_argument("--files", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        repositories = course_repository(root, args.files)
        self_signed_certificate(root / "tls")
        port = free_port()
        server = [sys.executable, "-m", "tests.e2e.git_server", "--root", str(repositories), "--port", str(port)]
        server += ["--certificate-dir", str(root / "tls")]
        content = root / "content"
        content.mkdir()
        shutil.copy(ROOT / "components" / "singleuser" / "course_content.py", content)
        (content / "file-0").write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
        layout = {
            "homeFiles": {"welcome.ipynb": "file-0"},
            "repositories": [{"url": f"https://127.0.0.1:{port}/course.git", "branch": "main", "folder": "course"}],
        }
        (content / "layout.json").write_text(json.dumps(layout))
        with running(server, root / "git.log", cwd=ROOT):
            wait_until(lambda: _listening(port), 10, "the git host listening")
            home = root / "home"
            home.mkdir()
            rows = [("first start (clone)", *run_step(content, home, root / "tls" / "tls.crt"))]
            rows += [(f"start {n} (pull)", *run_step(content, home, root / "tls" / "tls.crt")) for n in (2, 3)]
        pulled = len(list((home / "course").glob("lesson-*.md")))
    print(f"course content step, a {args.files}-file course ({pulled} pulled):")
    for what, seconds, mib in rows:
        print(f"  {what:22} {seconds:5.2f} s  peak {mib:6.1f} MiB")
    met = all(seconds < TARGET_SECONDS and mib < TARGET_MIB for _, seconds, mib in rows)
    print(f"  target: under {TARGET_SECONDS} s and {TARGET_MIB} MiB each: {'met' if met else 'missed'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
