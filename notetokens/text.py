"""Plain text: its own model text, with no Score and no grammar.

Line endings are normalized to '\\n' when a file is read (notetokens.io), so a
model trained on Windows files and one trained on Unix files see the same text.
"""

from __future__ import annotations


def parse(text: str) -> str:
    return text


def format(text: str) -> str:
    return text


def to_model_text(text: str) -> str:
    return text


def from_model_text(text: str) -> str:
    return text


def grammar() -> None:
    """Text has no grammar: every character may follow every other."""
    return None
