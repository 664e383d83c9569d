"""ASCII guitar and bass tablature (`tab`), as posted on the web.

- `parse(text, tuning=None)`: tab text to a Score. Rhythm rule (see
  `tab_parse`): the distance in columns from an onset to the next is its length;
  bar-line columns take no time; the most common distance is an eighth note
  (rounded to 1/8 beat), unless a `rhythm: N/M beat per column` line makes each
  column exactly that long. A system's last note lasts to the system's end (at
  least the common distance).
- `format(score, tuning=None, track=None, channel=None, width=78, capo=0)`: one
  voice as tab, string and fret chosen by a Viterbi search over hand positions
  (`tab_fingering`); out-of-range pitches are an error naming the pitch.
- `to_model_text` / `from_model_text`: one slice token per onset, time along
  the string (`tab_model`); `grammar()`: its incremental checker (`tab_grammar`).
"""

from __future__ import annotations

from .tab_format import format
from .tab_grammar import TabGrammar, grammar
from .tab_model import from_model_text, to_model_text
from .tab_parse import parse
from .tab_tuning import STANDARD, TUNINGS

__all__ = [
    "STANDARD",
    "TUNINGS",
    "TabGrammar",
    "format",
    "from_model_text",
    "grammar",
    "parse",
    "to_model_text",
]
