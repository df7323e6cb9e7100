"""Decoding JSON that comes from outside: standard input, a command-line argument, a line
of ``chat --jsonl``.

Python's :func:`json.loads` fails on hostile input in three different ways, not all of
them ``ValueError``: malformed text, an integer of more than 4,300 digits (``ValueError``
from the int conversion limit) and nesting deeper than the interpreter's recursion limit
(``RecursionError``, which callers rarely catch). Anything decoded that deep also breaks
later ``repr()`` calls in error messages. pydantic-core's parser (already a dependency)
bounds nesting at 200 levels, refuses invalid UTF-8, lone surrogates, ``NaN`` and
``Infinity``, and reports every failure as ``ValueError``; :func:`decode_json` narrows
even that to one exception type with a short message.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import from_json

__all__ = ["JSONInputError", "decode_json"]

# Error messages quote at most this much of the parser's text (which never quotes input).
_MAX_MESSAGE = 200


class JSONInputError(ValueError):
    """The input is not valid JSON, or is JSON beyond the bounds we accept."""


def decode_json(data: str | bytes) -> Any:
    """The decoded value; :class:`JSONInputError` for anything else, never another error.

    ``str`` input may carry lone surrogates (undecodable bytes in ``sys.argv`` arrive
    that way): they are refused as invalid UTF-8, like the bytes they stand for."""
    if isinstance(data, str):
        try:
            data = data.encode("utf-8")
        except UnicodeEncodeError:
            msg = "not valid UTF-8"
            raise JSONInputError(msg) from None
    try:
        return from_json(data, allow_inf_nan=False)
    except ValueError as exc:
        raise JSONInputError(str(exc)[:_MAX_MESSAGE]) from None
