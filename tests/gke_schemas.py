"""Validation of GKE's custom resources (ManagedCertificate, FrontendConfig, BackendConfig), which
kubernetes-validate does not know: the validators that @kubernetes-models/gke (npm) generates from GKE's
CRD schemas check types, patterns and required fields; those validators let unknown fields pass, so
the field tree of the package's type declarations (generated from the same schemas) adds the strict
part: no field the CRD does not define."""

import json
import re
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

from .helpers import ROOT

PACKAGE = ROOT / "node_modules" / "@kubernetes-models" / "gke"
GKE_GROUPS = ("networking.gke.io", "cloud.google.com")
VALIDATE = """
const objects = JSON.parse(require("fs").readFileSync(0, "utf8"));
const problems = objects.map((object) => {
  const path = `@kubernetes-models/gke/${object.apiVersion}/${object.kind}`;
  try {
    const Model = require(path)[object.kind];
    new Model(object).validate();
    return null;
  } catch (error) {
    return String(error.message || error);
  }
});
process.stdout.write(JSON.stringify(problems));
"""

Tree = dict[str, "Tree | None"]
"""Field name -> its fields (None: anything below is the declaration's business, e.g. ObjectMeta)."""


def is_gke_object(obj: dict[str, Any]) -> bool:
    return obj.get("apiVersion", "").split("/")[0] in GKE_GROUPS


def gke_problems(objects: list[dict[str, Any]]) -> list[str]:
    """What GKE's CRD schemas refuse in these objects, strictly."""
    if not PACKAGE.exists():
        raise FileNotFoundError(f"{PACKAGE} is missing: run `npm ci` (make test does)")
    answer = subprocess.run(
        ["node", "-e", VALIDATE],
        input=json.dumps(objects),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=60,
    )
    problems = []
    for obj, problem in zip(objects, json.loads(answer.stdout), strict=True):
        name = f"{obj['kind']}/{obj['metadata']['name']}"
        if problem:
            problems.append(f"{name}: {problem}")
        declaration = PACKAGE / obj["apiVersion"] / f"{obj['kind']}.d.ts"
        problems += [f"{name}: {unknown}" for unknown in unknown_fields(obj, declared_fields(declaration), "")]
    return problems


@cache
def declared_fields(declaration: Path) -> Tree:
    """The field tree of the model's interface in a generated .d.ts file."""
    text = re.sub(r"/\*.*?\*/", "", declaration.read_text(), flags=re.DOTALL)
    body = text[text.index("export interface") :]
    root: Tree = {}
    stack: list[Tree] = [root]
    for line in body.splitlines()[1:]:
        line = line.strip()
        field = re.match(r'"([^"]+)"\??: (.*)$', line)
        if field and field[2] in ("{", "Array<{"):
            child: Tree = {}
            stack[-1][field[1]] = child
            stack.append(child)
        elif field:
            stack[-1][field[1]] = {} if field[2] == "{};" else None
        elif line in ("};", "}>;", "}"):
            stack.pop()
            if not stack:
                break
    return root


def unknown_fields(value: Any, tree: Tree | None, path: str) -> list[str]:
    """Paths in `value` that the tree does not declare."""
    if tree is None:
        return []
    if isinstance(value, list):
        return [problem for item in value for problem in unknown_fields(item, tree, f"{path}[]")]
    if not isinstance(value, dict):
        return []
    problems = []
    for key, child in value.items():
        if key not in tree:
            problems.append(f"{path}.{key}: unknown field (not in the CRD's schema)".lstrip("."))
        else:
            problems += unknown_fields(child, tree[key], f"{path}.{key}")
    return problems
