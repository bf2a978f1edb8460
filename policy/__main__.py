"""A Pulumi policy pack with the hub guardrails: `pulumi preview --policy-pack policy`.

Pulumi runs it in its own virtualenv (policy/venv, from policy/requirements.txt): pulumi-policy pins a
protobuf that the program's Pulumi SDK does not accept. The rules themselves are in rules.py.
"""

from pulumi_policy import (
    EnforcementLevel,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)
from rules import RULES, Rule


def _policy(rule: Rule) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        for message in rule.check(args.resource_type, args.props):
            report_violation(message, None)  # the urn: always the validated resource here

    return ResourceValidationPolicy(name=rule.name, description=rule.description, validate=validate)


PolicyPack(
    name="jupyterhub-guardrails",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[_policy(rule) for rule in RULES],
)
