"""Class-start benchmark: N students log in and start their servers at the same moment, through the real
hub and proxy of the dev stack (as the program ships them) on the stand-in cluster (tests/e2e: kmock's
API server and a kubelet that runs each pod's jupyterhub-singleuser on a loopback address of its own).

Per class size it prints: the time until every server is ready, the first, p50 and p95 student, the
failures (target 0), the hub's CPU seconds per student and peak memory, and the floor: the CPU the
servers themselves burn starting, shared by this machine's cores (every server boots at once, so no
hub could make the class ready sooner). Targets (issue 18): all ready within 1.3x the floor; first
ready in under 10 s and p50 at most 0.6x the max (ready in arrival order); one user alone in under 3 s;
the hub at most 0.2 CPU-s per student.

Run: `make bench-class` or `python bench/class_bench.py --sizes 1,10,20,40` (root: the hub, proxy and
cluster run in a network namespace of their own, as in the end-to-end tests).
"""

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.hub_client import HubClient  # noqa: E402
from tests.e2e.hub_harness import hub_on_fake_cluster  # noqa: E402
from tools.plan import make_plan  # noqa: E402

NAMESPACE = "jupyterhub"
TICKS = os.sysconf("SC_CLK_TCK")
READY_WITHIN = 300.0
"""A student whose server is not ready this long after the start counts as a failure."""


def cpu_seconds(pid: int, children: bool = False) -> float:
    """User and system CPU a process has used, in seconds (0 once it is gone); with `children`, that of
    the children it has waited for too (a server's start includes the commands it runs)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    own = int(fields[11]) + int(fields[12])
    return (own + (int(fields[13]) + int(fields[14]) if children else 0)) / TICKS


def machine_busy_seconds() -> float:
    """CPU seconds this machine has been busy (all cores, every process), from /proc/stat."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(v) for v in Path("/proc/stat").read_text().split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / TICKS


def every_process() -> dict[int, tuple[str, float]]:
    """Every process's command line (shortened) and CPU seconds so far."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                found[int(entry.name)] = (short_command(command), cpu_seconds(int(entry.name)))
    return found


def short_command(command: str) -> str:
    """What a process is, in a few words (the program and its module or script)."""
    words = [Path(word).name if word.startswith("/") else word for word in command.split()[:4]]
    return " ".join(word for word in words if not word.startswith("--"))[:60]


def peak_memory_mib(pid: int) -> float:
    """A process's peak resident memory (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def processes_of(marker: str, program: str) -> list[int]:
    """The pids of running `program` processes whose command line mentions `marker` (a run's folder)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if program in command and marker in command:
                pids.append(int(entry.name))
    return pids


@dataclass
class Student:
    name: str
    ready_after: float | None = None
    error: str = ""


@dataclass
class ClassStart:
    size: int
    students: list[Student] = field(default_factory=list)
    hub_cpu: float = 0.0
    hub_memory_mib: float = 0.0
    servers_cpu: float = 0.0
    machine_cpu: float = 0.0
    """Every process's CPU during the start (servers, hub, proxy, stand-in cluster, the students' clients)."""
    by_command: dict[str, float] = field(default_factory=dict)
    """CPU seconds during the start by kind of process."""

    @property
    def times(self) -> list[float]:
        return sorted(s.ready_after for s in self.students if s.ready_after is not None)

    @property
    def failures(self) -> int:
        return sum(1 for s in self.students if s.ready_after is None)


@dataclass
class Bell:
    """The moment class starts: every student begins when it rings."""

    rung: threading.Event = field(default_factory=threading.Event)
    at: float = 0.0

    def ring(self) -> None:
        self.at = time.monotonic()
        self.rung.set()


def start_server(public_url: str, student: Student, bell: Bell) -> None:
    """One student: wait for the bell, log in, start the server, wait until the hub says it is ready and
    the server's page opens through the proxy (after the hub's OAuth, as in a browser)."""
    client = HubClient(public_url)
    bell.rung.wait()
    started = bell.at
    try:
        client.login(student.name)
        answer = client.api("POST", f"users/{student.name}/server")
        if answer.status_code not in (201, 202):
            student.error = f"start: {answer.status_code} {answer.text[:200]}"
            return
        # As the spawn page does: the hub's progress stream, which ends with the server ready (no polling).
        progress = client.session.get(
            client.url(f"hub/api/users/{student.name}/server/progress"),
            headers={"X-XSRFToken": client.xsrf(), "Accept": "text/event-stream"},
            stream=True,
            timeout=READY_WITHIN,
        )
        events = [json.loads(line[len(b"data:") :]) for line in progress.iter_lines() if line.startswith(b"data:")]
        if not events or not events[-1].get("ready"):
            student.error = f"not ready: {events[-1] if events else progress.status_code}"
            return
        reached = client.get(f"user/{student.name}/")  # as a browser: the hub's OAuth, then the server's page
        if reached.status_code != 200:
            student.error = f"through the proxy: {reached.status_code}"
            return
        student.ready_after = time.monotonic() - started
    except Exception as error:  # noqa: BLE001 - a benchmark reports every failure and carries on
        student.error = repr(error)


def stack_file(directory: Path, size: int) -> Path:
    """The dev stack, with the class as its allowed users."""
    names = ", ".join(f"s{index:03d}" for index in range(size))
    text = (ROOT / "Pulumi.dev.yaml").read_text()
    assert "allowedUsers: [student1, student2]" in text, "the dev stack's allowed users moved"
    path = directory / "class.yaml"
    path.write_text(text.replace("allowedUsers: [student1, student2]", f"allowedUsers: [{names}]"))
    return path


def run_class(size: int, directory: Path) -> ClassStart:
    """One class start of `size` students on a fresh hub (fresh database) and stand-in cluster."""
    objects = make_plan("dev", config_file=stack_file(directory, size)).kubernetes_objects()
    result = ClassStart(size, [Student(f"s{index:03d}") for index in range(size)])
    with hub_on_fake_cluster(objects, NAMESPACE, directory) as (hub, _):
        (hub_pid,) = processes_of(str(directory), "jupyterhub --config")
        bell = Bell()
        threads = [
            threading.Thread(target=start_server, args=(hub.public_url, student, bell), daemon=True)
            for student in result.students
        ]
        for thread in threads:
            thread.start()
        hub_before, machine_before, processes_before = cpu_seconds(hub_pid), machine_busy_seconds(), every_process()
        bell.ring()  # everyone at once, timed from the same instant
        for thread in threads:
            thread.join(READY_WITHIN + 30)
        result.machine_cpu = machine_busy_seconds() - machine_before
        for pid, (command, cpu) in every_process().items():
            used = cpu - processes_before.get(pid, (command, 0.0))[1]
            result.by_command[command] = result.by_command.get(command, 0.0) + used
        result.hub_cpu = cpu_seconds(hub_pid) - hub_before
        result.hub_memory_mib = peak_memory_mib(hub_pid)
        servers = processes_of(str(directory), "jupyterhub-singleuser")
        result.servers_cpu = sum(cpu_seconds(pid, children=True) for pid in servers)
    return result


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of `values` fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))]


def report(result: ClassStart) -> str:
    """One line of figures for a class start."""
    times, cores = result.times, os.cpu_count() or 1
    if not times:
        return f"N={result.size:3d}  all failed: {result.students[0].error}"
    # No class is ready before its servers have booted: their CPU shared by the cores, and at least one
    # server's own (a server boots on one core).
    floor = max(result.servers_cpu / cores, result.servers_cpu / result.size)
    slowest, median = times[-1], statistics.median(times)
    return (
        f"N={result.size:3d}  all ready {slowest:6.1f} s  first {times[0]:5.1f}  p50 {median:5.1f}"
        f"  p95 {percentile(times, 0.95):5.1f}  failures {result.failures}"
        f"  | floor {floor:5.1f} s ({result.servers_cpu / result.size:.2f} CPU-s a server, {cores} cores)"
        f"  max/floor {slowest / floor:4.2f}  p50/max {median / slowest:4.2f}"
        f"  | hub {result.hub_cpu / result.size:.2f} CPU-s a student, peak {result.hub_memory_mib:.0f} MiB"
        f"  | all processes {result.machine_cpu:.1f} CPU-s ({result.servers_cpu / result.machine_cpu:.0%} servers)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="1,10,20,40", help="class sizes, comma-separated")
    parser.add_argument("--keep", type=Path, help="keep each run's hub, proxy and server logs below this folder")
    parser.add_argument("--top", type=int, default=0, help="show the processes that used the most CPU")
    arguments = parser.parse_args()
    print(f"Class start on the dev stack ({os.cpu_count()} cores): {arguments.sizes}")
    for size in (int(text) for text in arguments.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix=f"class-{size}-") as directory:
            run_dir = Path(directory) if arguments.keep is None else arguments.keep / f"class-{size}"
            run_dir.mkdir(parents=True, exist_ok=True)
            result = run_class(size, run_dir)
        print(report(result), flush=True)
        for command, used in sorted(result.by_command.items(), key=lambda item: -item[1])[: arguments.top]:
            print(f"    {used:6.1f} CPU-s  {command}")
        for student in result.students:
            if student.error:
                print(f"    {student.name}: {student.error}")


if __name__ == "__main__":
    main()
