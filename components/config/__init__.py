"""Stack configuration: pydantic models (the single source of validation, docs and JSON Schema)."""

from .loader import ConfigError, load_stack_config
from .stack import JupyterHubConfig, StackConfig
from .stack_file import StackFile, StackFileError, engine_values, find_stack_file, read_stack_file

__all__ = [
    "ConfigError",
    "JupyterHubConfig",
    "StackConfig",
    "StackFile",
    "StackFileError",
    "engine_values",
    "find_stack_file",
    "load_stack_config",
    "read_stack_file",
]
