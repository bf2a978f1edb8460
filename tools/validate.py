"""Validate a stack's config file offline (`make validate STACK=<name>`): the same checks `pulumi up`
runs first, with every problem as file:line: key.path: message, and nothing else (no program, no plan)."""

import argparse
import sys
import time
from pathlib import Path

from components.config import (
    ConfigError,
    StackFileError,
    engine_values,
    find_stack_file,
    load_stack_config,
    read_stack_file,
)

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "jupyterhub"


def validate(stack: str, config_file: Path | None = None) -> str:
    """A one-line summary of a valid stack; raises ConfigError or StackFileError otherwise."""
    path = config_file or find_stack_file(stack, ROOT)
    if path is None:
        raise StackFileError(f"no config for stack {stack!r}: expected Pulumi.{stack}.yaml or stacks/{stack}.yaml")
    shown = path.resolve().relative_to(ROOT) if path.resolve().is_relative_to(ROOT) else path
    stack_file = read_stack_file(path, shown_as=shown)
    # The values as the engine hands them to the program, so validate and `pulumi up` refuse the same.
    config = load_stack_config(PROJECT, engine_values(stack_file.config), set(stack_file.secret_keys), stack_file)
    hubs = ", ".join(config.hubs)
    return f"{shown}: valid ({config.cluster.kind} cluster, {len(config.hubs)} hub(s): {hubs})"


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("stack")
    parser.add_argument("--config-file", type=Path)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        summary = validate(args.stack, args.config_file)
    except (ConfigError, StackFileError) as error:
        print(error, file=sys.stderr)
        return 1
    print(f"{summary} in {(time.perf_counter() - started) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
