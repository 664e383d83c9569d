"""What a model's character embeddings hold: a 2-D PCA picture coloured by kind of
character, each character's nearest neighbours by cosine, and for a music model
one number per question: do the embeddings order the seven note letters by pitch,
and the octave digits by octave?

The order score of a set of characters with a known order (C D E F G A B) is the
largest |Spearman rho| between that order and the characters' positions along
any direction in the plane of their own first two principal components. With 7
points in 64 dimensions some direction always orders them perfectly, so the
direction is searched only where those characters vary most; the p-value is the
share of all orderings that score as high under the same search (exact for up
to 7 characters, from 5039 random orderings beyond).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from notetokens.errors import NotegenError
from notetokens.outputs import Target
from notetokens.registry import NOTATIONS
from notetokens.vocab import SPECIALS

NOTE_ORDER = "CDEFGAB"  # pitch order within an octave
OCTAVE_DIGITS = "3456"  # the octaves of nearly every folk melody (C3 .. B6)
TEXT_DIGITS = "0123456789"

MUSIC_KINDS = {
    "note letter": set("ABCDEFG"),
    "accidental": set("#b"),
    "digit (octave or length)": set("0123456789"),
    "length mark": set(":/"),
    "rest": {"R"},
    "bar, chord, space": set("|[] \n"),
    "header": set("KLMQT") | set("acdefghiklmnopqrstuvwxyz-"),
}
TEXT_KINDS = {
    "vowel": set("aeiouAEIOU"),
    "consonant": set("bcdfghjklmnpqrstvwxyzBCDFGHJKLMNPQRSTVWXYZ"),
    "digit": set("0123456789"),
    "space": set(" \n\t"),
}


def kind_of(ch: str, music: bool) -> str:
    for name, members in (MUSIC_KINDS if music else TEXT_KINDS).items():
        if ch in members:
            return name
    return "other" if music else "punctuation"


def shown(ch: str) -> str:
    """A printable label: space and line break get visible stand-ins."""
    return {" ": "␣", "\n": "⏎", "\t": "⇥"}.get(ch, ch)


@dataclass(frozen=True)
class OrderScore:
    chars: str  # the characters in their true order
    rho: float  # best |Spearman rho| along a direction in their top-2 PCA plane
    p_value: float  # share of all orderings scoring at least as high

    def line(self, what: str) -> str:
        chars = " ".join(shown(c) for c in self.chars)
        return f"{what} ({chars}): rank correlation {self.rho:.2f}, p = {self.p_value:.3f}"


@dataclass
class EmbeddingReport:
    chars: list[str]
    kinds: list[str]
    vectors: np.ndarray  # (N, E) embedding rows of the ordinary characters
    coords: np.ndarray  # (N, 2) their first two principal components
    explained: tuple[float, float]  # share of variance along each
    neighbours: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    orders: dict[str, OrderScore] = field(default_factory=dict)
    notation: str = ""
    name: str = ""

    def same_kind(self) -> tuple[int, float]:
        """How many characters have a nearest neighbour of their own kind, and how
        many would on average if the kinds were dealt out at random."""
        kind = dict(zip(self.chars, self.kinds, strict=True))
        hits = sum(kind[self.neighbours[c][0][0]] == kind[c] for c in self.chars)
        n = len(self.chars)
        sizes = {k: self.kinds.count(k) for k in set(self.kinds)}
        chance = sum(s * (s - 1) / (n - 1) for s in sizes.values()) if n > 1 else 0.0
        return hits, chance

    def lines(self, k: int = 3) -> list[str]:
        out = [f"{self.name}: {len(self.chars)} characters, {self.vectors.shape[1]}-dim embeddings; "
               f"PCA axes hold {self.explained[0]:.0%} and {self.explained[1]:.0%} of the variance"]
        out += [score.line(what) for what, score in self.orders.items()]
        hits, chance = self.same_kind()
        out.append(f"nearest neighbour of the same kind: {hits} of {len(self.chars)} characters "
                   f"(random kinds: {chance:.1f})")
        out.append("nearest neighbours (cosine):")
        for ch in self.chars:
            near = ", ".join(f"{shown(c)} {s:.2f}" for c, s in self.neighbours[ch][:k])
            out.append(f"  {shown(ch)}  ({kind_of(ch, writes_music(self.notation))}): {near}")
        return out


def pca(x: np.ndarray, k: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates (N, k) along the first k principal components, and their shares
    of the variance."""
    centred = x - x.mean(0, keepdims=True)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    var = s**2
    share = var / var.sum() if var.sum() > 0 else var
    coords = u[:, :k] * s[:k]
    if coords.shape[1] < k:  # fewer points than components
        coords = np.pad(coords, ((0, 0), (0, k - coords.shape[1])))
        share = np.pad(share, (0, k - len(share)))
    return coords, share[:k]


def neighbours(vectors: np.ndarray, chars: list[str], k: int = 5) -> dict[str, list[tuple[str, float]]]:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = vectors / np.maximum(norms, 1e-12)
    sim = unit @ unit.T
    np.fill_diagonal(sim, -np.inf)
    out = {}
    for i, ch in enumerate(chars):
        best = np.argsort(-sim[i])[:k]
        out[ch] = [(chars[j], float(sim[i, j])) for j in best]
    return out


def _spearman_best(coords: np.ndarray, order: np.ndarray, angles: np.ndarray) -> float:
    """max over directions of |Spearman rho| between projections and `order`."""
    directions = np.stack([np.cos(angles), np.sin(angles)])  # (2, A)
    proj = coords @ directions  # (N, A)
    ranks = proj.argsort(0).argsort(0).astype(float)  # (N, A)
    r = order.argsort().argsort().astype(float)
    rc = r - r.mean()
    pc = ranks - ranks.mean(0)
    rho = (rc @ pc) / (np.linalg.norm(rc) * np.linalg.norm(pc, axis=0))
    return float(np.abs(rho).max())


def order_score(vectors: np.ndarray, chars: str, steps: int = 360) -> OrderScore:
    """How well `vectors` (rows in the order of `chars`) keep that order (see above)."""
    n = len(chars)
    if n < 3:
        raise NotegenError("an order needs at least three characters")
    coords, _ = pca(vectors, 2)
    angles = np.linspace(0, math.pi, steps, endpoint=False)
    truth = np.arange(n)
    rho = _spearman_best(coords, truth, angles)
    if n <= 7:  # every ordering: an exact p-value
        scores = [_spearman_best(coords, np.asarray(p), angles) for p in itertools.permutations(range(n))]
        p_value = sum(s >= rho - 1e-9 for s in scores) / len(scores)
    else:  # 5039 random orderings and the true one
        rng = np.random.default_rng(0)
        scores = [_spearman_best(coords, rng.permutation(n), angles) for _ in range(5039)]
        p_value = (1 + sum(s >= rho - 1e-9 for s in scores)) / (1 + len(scores))
    return OrderScore(chars, rho, p_value)


def writes_music(notation: str) -> bool:
    """Whether a model of `notation` writes music (the registry's `music`); a
    checkpoint without a known notation is read as music, as a classifier's may be."""
    nt = NOTATIONS.get(notation)
    return nt is None or nt.music


def report(table: np.ndarray, vocab_chars: str, notation: str, name: str = "") -> EmbeddingReport:
    """The analysis of an embedding table whose rows are specials then `vocab_chars`."""
    rows = table[len(SPECIALS):]
    chars = list(vocab_chars)
    music = writes_music(notation)
    coords, share = pca(rows, 2)
    rep = EmbeddingReport(chars, [kind_of(c, music) for c in chars], rows, coords,
                          (float(share[0]), float(share[1])), neighbours(rows, chars), {}, notation, name)
    index = {c: i for i, c in enumerate(chars)}
    wanted = {"note letters by pitch": NOTE_ORDER, "octave digits": OCTAVE_DIGITS} if music \
        else {"digits": TEXT_DIGITS}
    for what, order in wanted.items():
        have = "".join(c for c in order if c in index)
        if len(have) >= 3:
            rep.orders[what] = order_score(rows[[index[c] for c in have]], have)
    return rep


def model_report(model: str | Path) -> EmbeddingReport:
    """The analysis of a checkpoint's embedding table (language model or classifier)."""
    from . import checkpoint

    path = checkpoint.resolve(model)
    tensors, meta = checkpoint.read(path)
    if "embed.weight" not in tensors:
        raise NotegenError(f"{path}: no embedding table (embed.weight) in this checkpoint")
    chars = str(meta.get("vocab", {}).get("chars", ""))
    table = tensors["embed.weight"].float().numpy()
    if table.shape[0] != len(SPECIALS) + len(chars):
        raise NotegenError(f"{path}: the embedding table does not match the vocabulary")
    name = str(model) if path.parent != checkpoint.BUNDLED else path.stem
    return report(table, chars, str(meta.get("notation", "")), name)


def plot(rep: EmbeddingReport, path: str | Path | Target) -> None:
    """The PCA picture as a PNG: one labelled point per character, coloured by kind.
    `path` may be a `Target` the command has checked (with its `--force`) before
    the work; either way the PNG goes to a temporary file renamed into place."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise NotegenError("--plot needs matplotlib: pip install 'notegen[plot]'") from None
    from notetokens.outputs import write_bytes

    fig, ax = plt.subplots(figsize=(7.5, 6), dpi=90)
    kinds = list(dict.fromkeys(rep.kinds))
    colours = plt.get_cmap("tab10")
    for i, kind in enumerate(kinds):
        idx = [j for j, k in enumerate(rep.kinds) if k == kind]
        ax.scatter(rep.coords[idx, 0], rep.coords[idx, 1], s=110, color=colours(i % 10),
                   alpha=0.35, label=kind)
        for j in idx:
            ax.annotate(shown(rep.chars[j]), rep.coords[j], ha="center", va="center",
                        fontsize=10, color=colours(i % 10), fontweight="bold")
    ax.set_xlabel(f"PC 1 ({rep.explained[0]:.0%} of variance)")
    ax.set_ylabel(f"PC 2 ({rep.explained[1]:.0%} of variance)")
    subtitle = "; ".join(f"{w} rho {s.rho:.2f} (p {s.p_value:.3f})" for w, s in rep.orders.items())
    ax.set_title(f"character embeddings of {rep.name}\n{subtitle}", fontsize=10)
    ax.legend(fontsize=8, loc="best", framealpha=0.6)
    fig.tight_layout()
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    write_bytes(path, buf.getvalue())
