"""Hostile and unusual YAML: every refusal is one line at `file:line`, never a traceback, a hang or a
blown memory budget, through each tool a user runs (validate, plan, plan-diff); and what Pulumi itself
accepts (dates, `!!str`, merge keys, a byte-order mark) is accepted with the meaning Pulumi gives it."""

import io
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from components.config import StackFileError, read_stack_file
from components.config.yaml_reader import MAX_DEPTH, MAX_VALUES, read_yaml

from .helpers import ROOT, copy_repository, hub_settings, plan_config
from .test_properties import stacks

MEMORY_BUDGET_MIB = 200
TIME_BUDGET_S = 60


def _bomb() -> str:
    lines = ["config:", '  l0: &l0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"  l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 9)}]" for level in range(1, 9)]
    return "\n".join([*lines, "  jupyterhub:hubs: [*l8]", ""])


# name: (file content, the line the refusal names, a fragment of its message)
HOSTILE: dict[str, tuple[bytes, int, str]] = {
    "alias-bomb": (_bomb().encode(), 7, "values (counting what aliases repeat)"),
    "wide-flow-list": (("config:\n  a: [" + ",".join(["1"] * (MAX_VALUES + 10)) + "]\n").encode(), 2, "values"),
    "deep-flow-nesting": (("config:\n  a: " + "[" * 5000 + "]" * 5000 + "\n").encode(), 2, "nested more than"),
    "deep-block-nesting": (
        (
            "config:\n" + "".join("  " * (level + 1) + f"k{level}:\n" for level in range(60)) + "    " * 31 + "v: 1\n"
        ).encode(),
        MAX_DEPTH + 1,
        "nested more than",
    ),
    "recursive-alias": (b"config:\n  jupyterhub:hubs: &a\n    x: *a\n", 3, "refers to a value it is inside of"),
    "not-utf-8": (b'config:\n  jupyterhub:environment: "d\xe9v"\n', 2, "not UTF-8 text (byte 0xe9)"),
    "utf-16": ("config:\n  a: b\n".encode("utf-16"), 1, "not UTF-8 text"),
    "python-tag-in-a-list": (
        b"config:\n  jupyterhub:hubs:\n    a:\n      x:\n        - ok\n"
        b'        - !!python/object/apply:os.system ["id"]\n',
        6,
        "unsupported YAML tag !!python/object/apply:os.system",
    ),
    "local-tag": (b"config:\n  jupyterhub:hubs: !vault xyz\n", 2, "unsupported YAML tag !vault"),
    "binary-tag": (b"config:\n  jupyterhub:hubs: !!binary aGVsbG8=\n", 2, "unsupported YAML tag !!binary"),
    "set-tag": (b"config:\n  jupyterhub:hubs: !!set {a, b}\n", 2, "unsupported YAML tag !!set"),
    "control-character": (b'config:\n  jupyterhub:environment: "a\x07b"\n', 2, "invalid YAML: unacceptable character"),
    "duplicate-key": (
        b"config:\n  jupyterhub:protectData: true\n  jupyterhub:protectData: false\n",
        3,
        "duplicate key",
    ),
    "complex-key": (b"config:\n  jupyterhub:hubs:\n    ? [a, b]\n    : x\n", 3, "a key must be plain text"),
    "merge-of-a-scalar": (b"config:\n  jupyterhub:hubs:\n    a:\n      <<: 3\n", 4, "a merge key (<<) takes a mapping"),
    "unknown-alias": (b"config:\n  jupyterhub:hubs: *nowhere\n", 2, "unknown alias"),
    "two-documents": (b"config:\n  a: b\n---\nconfig:\n  a: c\n", 3, "more than one YAML document"),
    "too-large": (b"config: {}\n" + b"#" * (1024 * 1024 + 10) + b"\n", 1, "larger than 1024 KiB"),
    "int-tag-on-text": (b"config:\n  jupyterhub:secretsGeneration: !!int lots\n", 2, "is not a valid int"),
}


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("tool", ["tools.validate", "tools.plan"])
def test_hostile_yaml_is_refused_at_its_line_within_budget(tmp_path, name, tool):
    content, line, fragment = HOSTILE[name]
    stack_file = tmp_path / "hostile.yaml"
    stack_file.write_bytes(content)
    code, stderr, seconds, peak_mib = _measured(
        [sys.executable, "-m", tool, "hostile", "--config-file", str(stack_file)]
    )
    assert code == 1, stderr
    assert "Traceback" not in stderr
    first = stderr.strip().splitlines()[0]
    assert first.startswith(f"{stack_file}:{line}: "), first
    assert fragment in first, first
    assert peak_mib < MEMORY_BUDGET_MIB, f"{peak_mib:.0f} MiB"
    assert seconds < TIME_BUDGET_S


# The peak memory the kernel reports for a process includes the memory of the process it was forked
# from (a pytest worker holding plans); a small launcher forks the tool instead and reports its peak.
_LAUNCHER = """
import resource, subprocess, sys
process = subprocess.Popen(sys.argv[3:])
try:
    code = process.wait(timeout=float(sys.argv[2]))
except subprocess.TimeoutExpired:
    process.kill()
    process.wait()
    code = 124
with open(sys.argv[1], "w") as report:
    report.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""


def _measured(command: list[str], cwd: Path = ROOT) -> tuple[int, str, float, float]:
    """Exit code, standard error, wall seconds and peak memory in MiB of a command, killed (and the test
    failed) if it runs over TIME_BUDGET_S."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as directory:
        report = Path(directory) / "maxrss"
        launched = [sys.executable, "-c", _LAUNCHER, str(report), str(TIME_BUDGET_S), *command]
        result = subprocess.run(launched, cwd=cwd, capture_output=True, text=True, timeout=TIME_BUDGET_S + 30)
        assert result.returncode != 124, f"{command} ran over {TIME_BUDGET_S} s"
        peak_mib = int(report.read_text()) / 1024
    return result.returncode, result.stderr, time.perf_counter() - started, peak_mib


def test_many_anchors_cost_what_the_file_holds(tmp_path):
    """Each anchor keeps the lines below it: found in the part of the file it spans (once, 20,000 anchors
    took 25 s because each looked through the whole file)."""
    stack_file = tmp_path / "anchors.yaml"
    stack_file.write_text("config:\n  a:\n" + "".join(f"    - &a{i} {{k: {i}}}\n" for i in range(30_000)))
    code, stderr, seconds, peak_mib = _measured(
        [sys.executable, "-m", "tools.validate", "x", "--config-file", str(stack_file)]
    )
    assert code == 1 and "Traceback" not in stderr, stderr
    assert f"{stack_file}: cluster: required key is missing" in stderr  # read, then validated
    assert seconds < 10 and peak_mib < MEMORY_BUDGET_MIB, (seconds, peak_mib)


@pytest.mark.parametrize("tool", ["tools.validate", "tools.plan"])
def test_a_missing_file_or_a_directory_is_refused_without_a_traceback(tmp_path, tool):
    for path, reason in ((tmp_path / "missing.yaml", "No such file"), (tmp_path, "Is a directory")):
        code, stderr, _, _ = _measured([sys.executable, "-m", tool, "x", "--config-file", str(path)])
        assert code == 1 and "Traceback" not in stderr, stderr
        assert stderr.strip() == f"{path}:1: cannot be read: {reason}" + (
            " or directory" if reason == "No such file" else ""
        )


def test_plan_diff_refuses_a_hostile_stack_file_at_its_line(tmp_path):
    repo = copy_repository(tmp_path / "repo")
    content, line, fragment = HOSTILE["alias-bomb"]
    (repo / "stacks" / "hostile.yaml").write_bytes(content)
    command = [sys.executable, "-m", "tools.plan_diff", "hostile", "--base", "HEAD"]
    code, stderr, _, peak_mib = _measured(command, cwd=repo)
    assert code == 1 and "Traceback" not in stderr, stderr
    assert re.search(rf"stacks/hostile\.yaml:{line}: .*{re.escape(fragment)}", stderr), stderr
    assert peak_mib < MEMORY_BUDGET_MIB


# --- What Pulumi accepts is accepted, with Pulumi's meaning ---------------------------------------------

DEV_HEAD = """config:
  jupyterhub:environment: development
  jupyterhub:cluster:
    kind: existing
  jupyterhub:hubs:
"""


def test_a_date_and_a_str_tag_are_the_text_typed(tmp_path):
    content = (
        DEV_HEAD + "    jupyterhub:\n      hub:\n        authenticator: {type: dummy}\n"
        "      singleuser:\n        extraEnv:\n          COURSE_START: 2025-07-01\n          PYTHON: !!str 3.10\n"
        "          ANSWER: '42'\n"
    )
    environment = hub_settings(plan_config(tmp_path, content).kubernetes_objects(), "jupyterhub").spawner.environment
    assert environment == {"COURSE_START": "2025-07-01", "PYTHON": "3.10", "ANSWER": "42"}


def test_merge_keys_share_settings_and_errors_point_where_the_value_was_typed(tmp_path):
    common = (
        "    algebra: &class\n      hub:\n        authenticator: {type: dummy}\n"
        "      singleuser:\n        image: quay.io/jupyter/scipy-notebook:2025-01-06\n"
        "    biology:\n      <<: *class\n      singleuser:\n        image: quay.io/jupyter/r-notebook:2025-01-06\n"
        "    chemistry:\n      <<: *class\n"
    )
    objects = plan_config(tmp_path, DEV_HEAD + common).kubernetes_objects()
    images = {hub: hub_settings(objects, hub).spawner.traits.image for hub in ("algebra", "biology", "chemistry")}
    assert images == {
        "algebra": "quay.io/jupyter/scipy-notebook:2025-01-06",
        "biology": "quay.io/jupyter/r-notebook:2025-01-06",  # its own key wins over the merged one
        "chemistry": "quay.io/jupyter/scipy-notebook:2025-01-06",
    }
    broken = tmp_path / "broken.yaml"
    broken.write_text(DEV_HEAD + common.replace("type: dummy", "type: dumy"))
    with pytest.raises(Exception) as refused:
        plan_config(tmp_path, broken.read_text(), stack="broken")
    # chemistry's authenticator came from algebra's (line 8): that is where the fix goes.
    assert re.search(r"broken\.yaml:8: hubs\.chemistry\.hub\.authenticator", str(refused.value)), str(refused.value)


def test_a_byte_order_mark_and_aliases_within_the_limits_are_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + b"config:\n  jupyterhub:environment: &env development\n  other:env: *env\n")
    assert read_stack_file(path).config == {"jupyterhub:environment": "development", "other:env": "development"}


def test_plain_scalars_mean_what_yaml_1_2_says():
    document = read_yaml("a: [yes, no, on, 017, 0o17, 0x1F, 1_000, 1.5, .inf, ~, true, False, 2025-07-01, '1']\n")
    assert document.value == {
        "a": ["yes", "no", "on", 17, 15, 31, 1000, 1.5, float("inf"), None, True, False, "2025-07-01", "1"]
    }
    assert document.lines[("a", 3)] == 1


# --- Generated: a hostile change at any line of a valid stack file is refused at that line ---------------


def _value_lines(text: str) -> list[int]:
    return [i for i, line in enumerate(text.splitlines()) if re.fullmatch(r"\s*[\w:.-]+: [^\s|>&*!].*", line)]


HOSTILE_EDITS = {
    "python-tag": lambda line: re.sub(r": .*", ': !!python/object/apply:os.system ["id"]', line),
    "local-tag": lambda line: re.sub(r": (.*)", r": !custom \1", line),
    "deep-nesting": lambda line: re.sub(r": .*", ": " + "[" * 100 + "]" * 100, line),
    "recursive-alias": lambda line: re.sub(r": .*", ": &loop [*loop]", line),
}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stacks(), st.sampled_from(sorted(HOSTILE_EDITS)), st.data())
def test_a_hostile_edit_anywhere_is_refused_at_its_line(tmp_path_factory, content, edit, data):
    stream = io.StringIO()
    YAML().dump(content, stream)
    lines = stream.getvalue().splitlines()
    target = data.draw(st.sampled_from(_value_lines(stream.getvalue())))
    lines[target] = HOSTILE_EDITS[edit](lines[target])
    path = tmp_path_factory.mktemp("hostile") / "generated.yaml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(StackFileError) as refused:
        read_stack_file(path)
    assert str(refused.value).startswith(f"{path}:{target + 1}: "), (str(refused.value), lines[target])


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stacks(), st.data())
def test_a_non_utf_8_byte_anywhere_is_refused_at_its_line(tmp_path_factory, content, data):
    stream = io.StringIO()
    YAML().dump(content, stream)
    lines = [line.encode() for line in stream.getvalue().splitlines()]
    target = data.draw(st.integers(0, len(lines) - 1))
    lines[target] += b" # \xff"
    path = tmp_path_factory.mktemp("bytes") / "generated.yaml"
    path.write_bytes(b"\n".join(lines) + b"\n")
    with pytest.raises(StackFileError) as refused:
        read_stack_file(path)
    assert str(refused.value) == f"{path}:{target + 1}: not UTF-8 text (byte 0xff)"


def test_the_reader_keeps_every_line_of_the_shipped_stacks():
    for path in [ROOT / "Pulumi.dev.yaml", *sorted((ROOT / "stacks").glob("*.yaml"))]:
        stack_file = read_stack_file(path)
        text = path.read_text().splitlines()
        for key_path, line in stack_file.lines.items():
            key = key_path[-1]
            if isinstance(key, str):
                assert f"{key}:" in text[line - 1], (path.name, key_path, line)
