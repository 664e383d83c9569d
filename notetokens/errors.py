"""Typed errors. Every error a user can cause is a `NotegenError`; the CLI prints
it as one line and exits with code 2, never with a traceback."""

from __future__ import annotations


class NotegenError(Exception):
    """An error caused by user input (a file, an option); shown without a traceback."""


class NotegenWarning(UserWarning):
    """Something the user should know about a choice notegen made (which of two
    things of the same name it used); the CLI prints it as one line."""


class ParseError(NotegenError, ValueError):
    """Input text or bytes that a notation cannot read.

    `line` and `col` are 1-based; `source` is the file name when known. `str()`
    gives the compiler-style form `file:line:col: message`.
    """

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        col: int | None = None,
        source: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col
        self.source = source

    def with_source(self, source: str) -> ParseError:
        """The same error, naming the file it came from."""
        return ParseError(self.message, line=self.line, col=self.col, source=source)

    def __str__(self) -> str:
        where = [str(x) for x in (self.source, self.line, self.col) if x is not None]
        return ":".join([*where, " " + self.message]) if where else self.message

    def __reduce__(self):  # keeps keyword fields across process pools
        return (_rebuild, (self.message, self.line, self.col, self.source))


def _rebuild(message: str, line: int | None, col: int | None, source: str | None) -> ParseError:
    return ParseError(message, line=line, col=col, source=source)
