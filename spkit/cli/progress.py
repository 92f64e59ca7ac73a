"""A tqdm counter on stderr for long listings, shown only when stderr is a terminal.

The services count (``on_progress(listed)`` after each page); this face only draws. When stderr is
not a terminal (a pipe, a file, CI) nothing is drawn and tqdm is not even imported.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any


def _size(stream: IO[str]) -> tuple[int, int]:
    """The terminal's columns and lines, 80 × 24 when it reports none: a pseudo-terminal nobody sized
    says 0 × 0, and tqdm then draws nothing at all."""
    try:
        columns, lines = os.get_terminal_size(stream.fileno())
    except (AttributeError, OSError, ValueError):
        columns = lines = 0
    return columns or 80, lines or 24


class Counter:
    """A counter drawn from its first update until ``close`` (and again from the next update)."""

    def __init__(self, description: str, unit: str, stream: IO[str]) -> None:
        self.description = description
        self.unit = unit
        self.stream = stream
        self._bar: Any = None

    def update(self, listed: int) -> None:
        if self._bar is None:
            from tqdm import tqdm

            columns, lines = _size(self.stream)
            self._bar = tqdm(
                desc=self.description,
                unit=self.unit,
                file=self.stream,
                leave=False,
                ncols=columns,
                nrows=lines,
                initial=listed,  # drawn first with the count so far, not a 0
            )
        else:
            self._bar.update(listed - self._bar.n)

    def write(self, text: str, out: IO[str]) -> None:
        """Write ``text`` to ``out``; when the counter shares the terminal, it steps aside meanwhile."""
        if self._bar is None or not out.isatty():
            out.write(text)
            return
        with self._bar.external_write_mode(file=out):
            out.write(text)
            out.flush()

    def close(self) -> None:
        """Draw the last count (drawing is rate-limited, the last update may not have been), then go."""
        if self._bar is not None:
            self._bar.refresh()
            self._bar.close()
            self._bar = None


@contextmanager
def counter(
    description: str, unit: str = " sites", stream: IO[str] | None = None
) -> Iterator[Counter | None]:
    """A ``Counter`` on ``stream`` (stderr) when it is a terminal, else None; closed on the way out."""
    stream = stream if stream is not None else sys.stderr
    if stream is None or not stream.isatty():  # sys.stderr is None under pythonw
        yield None
        return
    shown = Counter(description, unit, stream)
    try:
        yield shown
    finally:
        shown.close()
