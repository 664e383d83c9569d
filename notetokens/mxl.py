"""Compressed MusicXML (`.mxl`): a zip archive holding the MusicXML document and
a `META-INF/container.xml` that names it, as MuseScore saves by default.
Reading is `musicxml.parse`, which recognises an archive by its bytes."""

from __future__ import annotations

import io
import zipfile

from .musicxml import format as xml_format
from .musicxml import from_model_text, grammar, parse, to_model_text
from .score import Score

__all__ = ["format", "from_model_text", "grammar", "parse", "to_model_text"]

SCORE_NAME = "score.musicxml"
CONTAINER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    "<container>\n  <rootfiles>\n"
    f'    <rootfile full-path="{SCORE_NAME}" media-type="application/vnd.recordare.musicxml+xml"/>\n'
    "  </rootfiles>\n</container>\n"
)


def format(score: Score) -> bytes:
    """The bytes of an `.mxl` archive of `score`'s MusicXML."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        # the specification asks for the mimetype first and stored uncompressed
        z.writestr("mimetype", "application/vnd.recordare.musicxml", zipfile.ZIP_STORED)
        z.writestr("META-INF/container.xml", CONTAINER, zipfile.ZIP_DEFLATED)
        z.writestr(SCORE_NAME, xml_format(score), zipfile.ZIP_DEFLATED)
    return buf.getvalue()
