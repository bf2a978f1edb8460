"""Looking at the config models themselves: the types a field may hold, the models below a model, and
field docstrings, which become descriptions (docs/configuration.md, the JSON Schema) on demand.

Each config field is documented by the docstring under it. pydantic can read those at import
(`use_attribute_docstrings`), but that parses every model's source on every `pulumi up` and offline
plan; only the docs and schema need them, so `attach_descriptions` adds them when asked for.
"""

import ast
import inspect
import itertools
import textwrap
import types
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel


def type_members(annotation: Any) -> list[Any]:
    """The concrete types an annotation may hold (through Annotated, Optional and unions)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return type_members(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [inner for argument in typing.get_args(annotation) for inner in type_members(argument)]
    return [annotation]


def _own_docstrings(cls: type) -> dict[str, str]:
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):
        return {}
    body = ast.parse(source).body[0].body  # type: ignore[attr-defined]
    docs = {}
    for statement, following in itertools.pairwise(body):
        if (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[statement.target.id] = inspect.cleandoc(following.value.value)
    return docs


def field_docstrings(model: type[BaseModel]) -> dict[str, str]:
    """The docstring under each field of a model, inherited ones included."""
    docs: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        if isinstance(cls, type) and issubclass(cls, BaseModel) and cls is not BaseModel:
            docs.update(_own_docstrings(cls))
    return docs


def nested_models(annotation: object) -> Iterator[type[BaseModel]]:
    """The models an annotation refers to (through unions, lists, dicts, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in typing.get_args(annotation):
        yield from nested_models(argument)


def models_below(root: type[BaseModel]) -> list[type[BaseModel]]:
    """Every model reachable from `root`, each after the models it contains."""
    ordered: list[type[BaseModel]] = []

    def visit(model: type[BaseModel]) -> None:
        if model in ordered:
            return
        for field in model.model_fields.values():
            for inner in nested_models(field.annotation):
                visit(inner)
        ordered.append(model)

    visit(root)
    return ordered


def attach_descriptions(root: type[BaseModel]) -> None:
    """Give every field below `root` its docstring as description, and rebuild the schemas."""
    for model in models_below(root):
        docs = field_docstrings(model)
        for name, field in model.model_fields.items():
            if field.description is None and name in docs:
                field.description = docs[name]
        model.model_rebuild(force=True)
