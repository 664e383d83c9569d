"""Two small labelled tasks a learner would try first, generated here so tests
and benchmarks/classify.py read the same files: English against Finnish
sentences (text) and jig-like against reel-like note strings (notes) whose
headers differ (`M:6/8 K:D` against `M:4/4 K:Em`) over the same pitches."""

from __future__ import annotations

import random
from pathlib import Path

ENGLISH = {
    "subject": ["the old man", "my sister", "a small dog", "the farmer", "our teacher", "the children",
                "a tired traveller", "the baker", "his friend", "the fisherman"],
    "verb": ["walks to", "looks at", "waits by", "sings near", "finds", "paints", "remembers",
             "cleans", "visits", "leaves"],
    "object": ["the river", "a green house", "the market", "the quiet forest", "an empty road",
               "the school", "a red boat", "the harbour", "the little church", "the long bridge"],
    "tail": ["every morning", "in the rain", "before dinner", "after work", "on sunday",
             "with a smile", "in winter", "at night", "all day", "once a year"],
}
FINNISH = {
    "subject": ["vanha mies", "minun siskoni", "pieni koira", "maanviljelijä", "opettajamme",
                "lapset", "väsynyt matkailija", "leipuri", "hänen ystävänsä", "kalastaja"],
    "verb": ["kävelee", "katsoo", "odottaa", "laulaa", "löytää", "maalaa", "muistaa", "siivoaa",
             "vierailee", "lähtee"],
    "object": ["joelle", "vihreän talon", "torille", "hiljaisen metsän", "tyhjän tien", "koululle",
               "punaisen veneen", "satamaan", "pienen kirkon", "pitkän sillan"],
    "tail": ["joka aamu", "sateessa", "ennen illallista", "töiden jälkeen", "sunnuntaina",
             "hymyillen", "talvella", "yöllä", "koko päivän", "kerran vuodessa"],
}
PITCHES = ["D4", "E4", "F#4", "G4", "A4", "B4", "C#5", "D5", "E5"]
HEADERS = {"jig": ("L:1/8 M:6/8 K:D", 6), "reel": ("L:1/8 M:4/4 K:Em", 8)}


def sentence(words: dict[str, list[str]], rng: random.Random) -> str:
    s = " ".join(rng.choice(words[k]) for k in ("subject", "verb", "object", "tail"))
    return s[0].upper() + s[1:] + ".\n"


def tune(label: str, rng: random.Random, bars: int = 8) -> str:
    """A note string of `bars` bars of eighths (a quarter now and then) in the label's meter."""
    header, units = HEADERS[label]
    out = []
    for _ in range(bars):
        left, bar = units, []
        while left:
            d = 2 if left >= 2 and rng.random() < 0.2 else 1
            bar.append(rng.choice(PITCHES) + (":2" if d == 2 else ""))
            left -= d
        out.append(" ".join(bar))
    return header + "\n" + " | ".join(out) + " |\n"


def write_task(root: Path, task: str, per_label: int, seed: int = 0) -> Path:
    """`root/<label>/<n>.txt` for task 'language' (english, finnish) or 'meter'
    (jig, reel); returns root."""
    rng = random.Random(seed)
    makers = {"language": {"english": lambda: sentence(ENGLISH, rng),
                           "finnish": lambda: sentence(FINNISH, rng)},
              "meter": {"jig": lambda: tune("jig", rng), "reel": lambda: tune("reel", rng)}}[task]
    for label, make in makers.items():
        (root / label).mkdir(parents=True, exist_ok=True)
        for i in range(per_label):
            (root / label / f"{i:03d}.txt").write_text(make(), encoding="utf-8")
    return root
