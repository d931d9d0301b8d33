"""Build pydantic models from values the engine already trusts, without pydantic's machinery.

`BaseModel.model_construct` skips validation but still walks every field's aliases and
defaults on each call; the analyzer builds tens of `Evidence` and `Finding` objects per note,
so that walk was a visible share of the run. `construct` sets the same four instance slots
`model_construct` sets, for callers that pass every field in declaration order.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)
_set = object.__setattr__


def construct(cls: type[M], values: dict[str, Any]) -> M:
    """An instance of `cls` holding `values` as is (no validation, no defaults).

    `values` must name every field of `cls`, in declaration order, so the instance equals what
    `cls.model_construct(**values)` returns; the model must not define `model_post_init`.
    """
    model = cls.__new__(cls)
    _set(model, "__dict__", values)
    _set(model, "__pydantic_fields_set__", set(values))
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model
