"""Shared base for input records: strict (unknown keys are errors), immutable, and sourced.

Any number in the port file may be written plainly (it then inherits the record's
``source:``) or as ``{value: 15.1, source: jsycport-2022}`` so that a planner can see,
field by field, what is a public fact and what is an assumption (a knob).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

SOURCED_KEYS = {"value", "source", "note", "confidence"}


class Record(BaseModel):
    """Base for every input record."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SourcedRecord(Record):
    """A record whose numeric fields may carry their own source."""

    source: str
    provenance: dict[str, str] = {}

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
