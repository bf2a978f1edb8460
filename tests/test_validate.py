"""`make validate STACK=<name>`: the config checks alone, offline and fast."""

from tools.validate import main

from .test_department import DEPARTMENT


def test_every_shipped_stack_is_valid(capsys):
    for stack in ("dev", "workshop", "physics-gke", "stats-dept-eks"):
        assert main([stack]) == 0
    assert (
        "stacks/stats-dept-eks.yaml: valid (eks cluster, 3 hub(s): stat101, stat230, stat485)"
        in capsys.readouterr().out
    )


def test_an_invalid_stack_lists_its_problems(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(DEPARTMENT.replace("culler: {timeout: 2h}", "culler: {timeout: soon}"))
    assert main(["bad", "--config-file", str(bad)]) == 1
    assert f"{bad}:12: defaults.culler.timeout: 'soon' is not a duration" in capsys.readouterr().err
