"""notegen: a char-RNN toolkit for melodies and text.

`notegen.models` (the folder models/) holds the language model; `notegen.cli`
(the folder cli/) the `notegen` command. Tokenization lives in `notetokens`.
"""

__version__ = "0.1.0"
