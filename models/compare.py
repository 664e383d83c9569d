"""A temperature sweep over a text model and a music model, side by side.

For each temperature it samples a stretch of characters and measures what the
lecture shows by ear: at low temperature a model loops ("and the dwarves and
the dwarves ..."), at high temperature it falls apart. The measures:

- bits/char: the sample's own surprise under the model at T=1 (low = predictable);
- distinct 4-grams: distinct 4-character n-grams / all 4-grams (low = repetitive);
- longest loop: the longest stretch that is one piece repeated back to back;
- valid: for music, whether the sample parses with no grammar guiding it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from notetokens import get
from notetokens.errors import ParseError

from .checkpoint import LoadedModel
from .sampling import step_logits, stream

TEMPERATURES = (0.1, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0)


@dataclass(frozen=True)
class Row:
    model: str
    temperature: float
    bits_per_char: float
    distinct_4grams: float
    longest_loop: int  # characters
    valid: float | None  # fraction of samples that parse; None for text
    example: str


def self_bits(lm: LoadedModel, text: str) -> float:
    """Average -log2 p(char) of `text` under the model (T = 1), end token excluded."""
    import torch

    if not text:
        return float("nan")
    logits = step_logits(lm, text)[:-1]  # (len, V): the prediction before each char
    ids = torch.tensor(lm.vocab.encode(text))
    logp = torch.log_softmax(logits.float(), dim=-1).gather(1, ids[:, None])
    return float(-logp.mean()) / math.log(2)


def distinct_ngrams(text: str, n: int = 4) -> float:
    grams = [text[i : i + n] for i in range(len(text) - n + 1)]
    return len(set(grams)) / len(grams) if grams else float("nan")


def longest_loop(text: str, max_period: int = 200) -> int:
    """The longest span made of one piece (period p) repeated at least twice."""
    best = 0
    for p in range(1, min(max_period, len(text) // 2) + 1):
        run = 0
        for i in range(len(text) - p):
            run = run + 1 if text[i] == text[i + p] else 0
            if run >= p:
                best = max(best, run + p)
    return best


def _valid(lm: LoadedModel, text: str, cut: bool) -> bool:
    """Whether the sample parses; a sample cut at the length limit is judged
    without its last, unfinished token."""
    if cut and " " in text:
        text = text.rsplit(" ", 1)[0]
    try:
        get(lm.notation).from_model_text(text.strip())
        return True
    except ParseError:
        return False


def sweep(
    lm: LoadedModel,
    name: str,
    temperatures: tuple[float, ...] = TEMPERATURES,
    length: int = 400,
    samples: int = 3,
    seed: int = 0,
) -> list[Row]:
    music = get(lm.notation).music
    rows = []
    for t in temperatures:
        texts = []
        for k in range(samples):
            # unconstrained: validity measures what the model learned, not the grammar
            chars = stream(lm, "", temperature=t, seed=seed + k, constrain=False, max_chars=length)
            texts.append("".join(chars))
        rows.append(
            Row(
                model=name,
                temperature=t,
                bits_per_char=sum(self_bits(lm, x) for x in texts) / samples,
                distinct_4grams=sum(distinct_ngrams(x) for x in texts) / samples,
                longest_loop=max(longest_loop(x) for x in texts),
                valid=sum(_valid(lm, x, len(x) >= length) for x in texts) / samples if music else None,
                example=texts[0][:80].replace("\n", " / "),
            )
        )
    return rows


def table(rows: list[Row]) -> str:
    lines = [
        "| model | T | bits/char | distinct 4-grams | longest loop | valid | sample |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        valid = "-" if r.valid is None else f"{r.valid:.0%}"
        lines.append(
            f"| {r.model} | {r.temperature:g} | {r.bits_per_char:.2f} | {r.distinct_4grams:.2f} "
            f"| {r.longest_loop} | {valid} | `{r.example[:48].replace('|', '/')}` |"
        )
    return "\n".join(lines)


def plot(rows: list[Row], path: str) -> None:
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from notetokens.io import write_bytes

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for name in dict.fromkeys(r.model for r in rows):
        mine = [r for r in rows if r.model == name]
        ts = [r.temperature for r in mine]
        axes[0].plot(ts, [r.bits_per_char for r in mine], marker="o", label=name)
        axes[1].plot(ts, [r.distinct_4grams for r in mine], marker="o", label=name)
        axes[2].plot(ts, [r.longest_loop for r in mine], marker="o", label=name)
    titles = ("bits/char of the sample (T=1 model)", "distinct 4-grams", "longest loop (chars)")
    for ax, title in zip(axes, titles, strict=True):
        ax.set_title(title)
        ax.set_xlabel("temperature")
        ax.legend()
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    write_bytes(path, buf.getvalue())
