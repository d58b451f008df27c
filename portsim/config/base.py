"""Shared base for input records: strict (unknown keys are errors), immutable, and sourced.

Any number in the port file may be written plainly (it then inherits the record's
``source:``) or as ``{value: 15.1, source: jsycport-2022}`` so that a planner can see,
field by field, what is a public fact and what is an assumption (a knob).
"""

from __future__ import annotations

import math
import types
import typing
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator, model_validator

SOURCED_KEYS = {"value", "source", "note", "confidence"}


def number_problem(tp: Any, value: Any) -> str | None:
    """Why ``value`` is not acceptable where the annotation ``tp`` wants a number.

    Strict where pydantic's lax mode would guess: a boolean (YAML 1.1 reads ``yes``,
    ``no``, ``on``, ``off`` as booleans) or a text is not a number, and a number must be
    finite (``.inf`` would reach numpy; NaN is caught by the bounds). Containers of
    numbers (``tuple[float, float]``, ``dict[str, PositiveInt]``) are checked element by
    element; anything else is left to pydantic.
    """
    if typing.get_origin(tp) is Annotated:
        tp = typing.get_args(tp)[0]
    origin = typing.get_origin(tp)
    if tp in (int, float):
        if isinstance(value, bool):
            return (f"expected a number, got the boolean {value!r} (YAML reads yes/no/on/off "
                    "as booleans)")
        if isinstance(value, str):
            return f"expected a number, got the text {value!r}"
        if isinstance(value, float) and math.isinf(value):
            return f"expected a finite number, got {value!r}"
        return None
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None or len(args) != 1:
            return None
        return number_problem(args[0], value)
    if origin in (list, tuple) and isinstance(value, list | tuple):
        args = [a for a in typing.get_args(tp) if a is not Ellipsis]
        if origin is tuple and len(args) == len(value) and Ellipsis not in typing.get_args(tp):
            pairs = zip(args, value, strict=True)
        else:
            pairs = ((args[0], v) for v in value) if args else iter(())
        for i, (a, v) in enumerate(pairs):
            why = number_problem(a, v)
            if why:
                return f"[{i}]: {why}"
        return None
    if origin is dict and isinstance(value, dict):
        args = typing.get_args(tp)
        for k, v in value.items():
            why = number_problem(args[1], v) if len(args) == 2 else None
            if why:
                return f"{k}: {why}"
    return None


class Record(BaseModel):
    """Base for every input record: strict (unknown keys are errors), immutable, and
    strict about numbers (:func:`number_problem`)."""

    # a field's description is the docstring under it (``docs/reference.md`` is made
    # from them: :mod:`portsim.reference`)
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    @field_validator("*", mode="before")
    @classmethod
    def _strict_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, dict | list | tuple | bool | str | float):
            tp = _numeric_annotation(cls, info.field_name or "")
            if tp is not None:
                why = number_problem(tp, value)
                if why:
                    raise ValueError(why)
        return value


_NUMERIC_FIELDS: dict[tuple[type, str], Any] = {}


def _numeric_annotation(cls: type[BaseModel], name: str) -> Any:
    """The field's annotation when it holds numbers anywhere (else None), cached: the
    check runs for every field of every record read, sweeps validate thousands."""
    key = (cls, name)
    if key not in _NUMERIC_FIELDS:
        field = cls.model_fields.get(name)
        tp = field.annotation if field is not None else None
        _NUMERIC_FIELDS[key] = tp if tp is not None and _holds_numbers(tp) else None
    return _NUMERIC_FIELDS[key]


def _holds_numbers(tp: Any) -> bool:
    if tp in (int, float):
        return True
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return False
    return any(_holds_numbers(a) for a in typing.get_args(tp) if a is not Ellipsis)


class SourcedRecord(Record):
    """A record whose numeric fields may carry their own source."""

    source: str
    """Where the record's numbers come from: a key of the port file's `sources:`, a design
    code (JTS …), `derived: <how>` or `assumption: <basis>`."""
    provenance: dict[str, str] = {}
    """Per-field sources, filled from fields written as `{value: …, source: …}` (field name
    → source); rarely written by hand."""

    @model_validator(mode="before")
    @classmethod
    def _unwrap_sourced(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        out: dict[str, Any] = {}
        provenance = dict(data.get("provenance") or {})
        for key, value in data.items():
            if (
                isinstance(value, dict)
                and "value" in value
                and "source" in value
                and set(value) <= SOURCED_KEYS
            ):
                out[key] = value["value"]
                provenance[key] = str(value["source"])
            else:
                out[key] = value
        if provenance:
            out["provenance"] = provenance
        return out

    def source_of(self, field: str) -> str:
        """Where the value of ``field`` comes from."""
        return self.provenance.get(field, self.source)
