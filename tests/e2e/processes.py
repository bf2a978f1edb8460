"""Starting and stopping the real programs the end-to-end tests run, by pid and bounded in time.

Everything binds to 127.0.0.1 on ports the kernel hands out, or inside a network namespace of the
test's own (cluster_network.py); every process started here is stopped here (SIGTERM, then SIGKILL
after a grace period), and every wait has a deadline.
"""

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import requests

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def _default_sigint() -> None:
    # pytest may leave SIGINT ignored for children; a managed service would then delay shutdown.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(
    command: list[str], log: Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.Popen:
    """Start a program with its output in `log`."""
    with log.open("ab") as stream:
        return subprocess.Popen(
            command,
            stdout=stream,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            cwd=cwd,
            preexec_fn=_default_sigint,
        )


def stop(process: subprocess.Popen, grace: float = 10.0) -> None:
    """Stop a program by its pid: SIGTERM, then SIGKILL if it has not ended within `grace` seconds."""
    if process.poll() is not None:
        return
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)


@contextlib.contextmanager
def running(command: list[str], log: Path, **kwargs: object) -> Iterator[subprocess.Popen]:
    """A program that runs for the duration of the `with` block."""
    process = start(command, log, **kwargs)  # type: ignore[arg-type]
    try:
        yield process
    finally:
        stop(process)


def wait_for_http(url: str, process: subprocess.Popen, log: Path, timeout: float = 60.0) -> None:
    """Wait until `url` answers 200 (or fail with the program's log if it dies or the deadline passes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        with contextlib.suppress(requests.ConnectionError, requests.Timeout):
            if requests.get(url, timeout=2, verify=False).status_code == 200:  # noqa: S501 - self-signed test certificates
                return
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s:\n{log.read_text()[-4000:]}")


def wait_until(condition: Callable[[], object], timeout: float, what: str, log: Path | None = None) -> object:
    """Poll `condition` (connection errors count as not yet) until it returns something true; fail with
    `what` and the tail of `log` when `timeout` seconds pass first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            if result := condition():
                return result
        time.sleep(0.5)
    raise AssertionError(f"{what} did not happen within {timeout} s" + (f":\n{log.read_text()[-3000:]}" if log else ""))
