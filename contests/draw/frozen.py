"""The frozen entrant list in memory, as the draw and the verifier hold it. Standard library only.

A million lines are kept as the file's bytes, its lines (split once, or only when asked for), and
the ids and weights in compact arrays; the list may also arrive from the database in chunks,
hashed as they come (``parallel.streamed_root_and_selection``).
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable

from .canonical import MalformedEntrantFile


class FrozenList:
    """The frozen entrant list in memory: canonical lines, and ids and weights in compact arrays."""

    def __init__(self):
        self._lines: list[bytes] | None = []
        self.ids = array("Q")
        self.weights = array("I")
        #: The file's bytes, once read or joined (a million lines are worth not joining twice).
        self._data: bytes | None = None
        #: False for a file's lines whose ids and weights are still to be read (and checked).
        self.parsed = True
        #: Once hashed: the roots of its sub-blocks (``parallel.SUB`` leaves each), joined, and
        #: their sizes in bytes.
        self.sub_roots = b""
        self.sub_sizes = array("Q")
        #: A file still to arrive in chunks (``from_chunks``), read when it is hashed.
        self._chunks: Iterable[bytes] | None = None

    @property
    def lines(self) -> list[bytes]:
        """The canonical lines (split from the file on first use when it was streamed)."""
        if self._lines is None:
            self._lines = self.file_bytes().split(b"\n")
            self._lines.pop()  # the empty rest after the final LF
        return self._lines

    @lines.setter
    def lines(self, lines: list[bytes]) -> None:
        self._lines = lines

    def __len__(self) -> int:
        return len(self.ids) if self._lines is None else len(self._lines)

    def __bool__(self) -> bool:
        return len(self) > 0

    @classmethod
    def from_records(cls, records: Iterable[tuple[int, int, bytes]]) -> FrozenList:
        """From (entry_id, weight, canonical line) triples, as the database gives them."""
        frozen = cls()
        lines, ids, weights = frozen.lines.append, frozen.ids.append, frozen.weights.append
        for entry_id, weight, line in records:
            ids(entry_id)
            weights(weight)
            lines(line)
        return frozen

    @classmethod
    def from_lines(cls, lines: Iterable[bytes]) -> FrozenList:
        """From canonical lines alone (an entrant file): ids and weights are read back from them."""
        frozen = cls()
        frozen.lines = list(lines)
        for line in frozen.lines:
            entry_id, weight, _ = line.split(b",", 2)
            frozen.ids.append(int(entry_id))
            frozen.weights.append(int(weight))
        return frozen

    @classmethod
    def from_file(cls, data: bytes) -> FrozenList:
        """An entrant file, split in lines; ``recompute`` checks each line
        (``canonical.parse_entrant_file``'s
        rules) and reads ids and weights while it hashes them."""
        frozen = cls()
        if data and not data.endswith(b"\n"):
            raise MalformedEntrantFile("the file must end with a line feed")
        if data:
            frozen.lines = data.split(b"\n")  # the last item is the empty rest after the final LF
            frozen.lines.pop()
        frozen.parsed = False
        frozen._data = data
        return frozen

    @classmethod
    def from_arrays(cls, data: bytes, ids: bytes, weights: bytes) -> FrozenList:
        """A list frozen earlier: its file, and its ids and weights as the freeze read them
        (``little_endian``); the lines are split only if asked for."""
        frozen = cls()
        frozen._lines, frozen._data = None, data
        frozen.ids, frozen.weights = array("Q", ids), array("I", weights)
        if sys.byteorder == "big":
            frozen.ids.byteswap()
            frozen.weights.byteswap()
        return frozen

    @classmethod
    def from_chunks(cls, chunks: Iterable[bytes]) -> FrozenList:
        """An entrant file that the database streams in chunks of ``parallel.BLOCK`` lines (the
        last may be shorter, each ends with LF): hashed as the chunks arrive, by ``recompute`` or
        ``summarize``, which check its lines as for ``from_file``."""
        frozen = cls()
        frozen._lines, frozen._chunks, frozen.parsed = None, chunks, False
        return frozen

    @property
    def read_as_arrays(self) -> bool:
        """Its ids and weights are known and its lines were never split (a list frozen earlier,
        or one streamed and hashed): a draw with its root known only has to select."""
        return self.parsed and self._lines is None

    def take_chunks(self) -> Iterable[bytes] | None:
        """The chunks still to arrive (``from_chunks``), handed over once."""
        chunks, self._chunks = self._chunks, None
        return chunks

    def received(self, data: bytes) -> None:
        """The whole file, once its chunks have been read (lines split only if asked for)."""
        if data and not data.endswith(b"\n"):
            raise MalformedEntrantFile("the file must end with a line feed")
        self._data = data

    def file_bytes(self) -> bytes:
        """The entrant file: each line ended by LF."""
        if self._data is None:
            self._data = b"\n".join(self.lines) + b"\n" if self.lines else b""
        return self._data


def little_endian(numbers: array) -> bytes:
    """An array's bytes in little-endian order, whatever the machine's."""
    if sys.byteorder == "big":
        numbers = array(numbers.typecode, numbers)
        numbers.byteswap()
    return numbers.tobytes()
