"""One-line messages: what every refusal prints is a single line."""

from __future__ import annotations


def first_line(exc: BaseException) -> str:
    """The first non-empty line of ``exc``'s message, or its type's name when it has none.

    Parameters
    ----------
    exc : BaseException
        Any exception (libraries such as SQLite and PyYAML write multi-line messages).

    Returns
    -------
    str
        One line.
    """
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
