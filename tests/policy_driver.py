"""Runs the real policy pack (policy/__main__.py, in the pack's own virtualenv) over resources given as JSON
on stdin, as `pulumi preview --policy-pack policy` would hand them over, and prints each resource's
violations by policy name. Only the pack's gRPC server is left out: PolicyPack is replaced by a stand-in
that keeps what the pack declares.

Usage: .venv-policy/bin/python tests/policy_driver.py < resources.json
"""

import json
import runpy
import sys
from pathlib import Path

import pulumi_policy
from pulumi_policy import ResourceValidationArgs

POLICY_DIR = Path(__file__).resolve().parent.parent / "policy"
declared: dict = {}


class _DeclaredPack:
    def __init__(self, name, policies, enforcement_level=None, **_):
        declared.update(name=name, policies=policies, enforcement_level=enforcement_level)


pulumi_policy.PolicyPack = _DeclaredPack
sys.path.insert(0, str(POLICY_DIR))
runpy.run_path(str(POLICY_DIR / "__main__.py"), run_name="__main__")

found = {}
for resource in json.load(sys.stdin):
    args = ResourceValidationArgs(resource["type"], resource["props"], resource["urn"], resource["name"], None, None)
    reported = {}
    for policy in declared["policies"]:
        messages: list = []
        policy.validate(args, lambda message, urn=None, messages=messages: messages.append(message))
        if messages:
            reported[policy.name] = messages
    found[resource["urn"]] = reported
print(json.dumps({"pack": declared["name"], "enforcement": declared["enforcement_level"].value, "found": found}))
