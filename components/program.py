"""Reading the stack's validated configuration inside a running Pulumi program."""

import os
from pathlib import Path

import pulumi
import pulumi.runtime.config as runtime_config

from .config import ConfigError, StackConfig, StackFileError, find_stack_file, load_stack_config, read_stack_file

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STACK_CONFIG_ENV = "JUPYTERHUB_STACK_CONFIG"
"""Names the stack's config file when it is neither Pulumi.<stack>.yaml nor stacks/<stack>.yaml (for
line numbers in errors and to know which values were stored encrypted)."""


def stack_config() -> StackConfig:
    """The stack's configuration, or a clean stop (pulumi.RunError) listing every problem with file and
    line, before any resource is declared."""
    project, stack = pulumi.get_project(), pulumi.get_stack()
    values = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    secret_keys = {key for key in values if runtime_config.is_config_secret(key)}
    secret_keys |= set(runtime_config.get_config_secret_keys_env())
    explicit = os.environ.get(STACK_CONFIG_ENV)
    path = Path(explicit) if explicit else find_stack_file(stack, PROJECT_ROOT)
    try:
        shown = (
            path.resolve().relative_to(PROJECT_ROOT) if path and path.resolve().is_relative_to(PROJECT_ROOT) else path
        )
        stack_file = read_stack_file(path, shown_as=shown) if path is not None else None
        return load_stack_config(project, values, secret_keys, stack_file)
    except (ConfigError, StackFileError) as error:
        raise pulumi.RunError(str(error)) from None
