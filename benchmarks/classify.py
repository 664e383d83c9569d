"""Classification benchmark: tune type of folk tunes, Testament of KJV verses.

Data: `python benchmarks/classify_data.py folk|kjv data/classify/<task>` (fixed
train/test split). Then, each writing runs/classify/<task>-<method>.json:

    python benchmarks/classify.py baselines folk     majority class, n-gram logistic regression
    python benchmarks/classify.py neural folk scratch    a small char-GRU (1 x 128) trained from scratch
    python benchmarks/classify.py neural folk probe      the bundled model frozen, head only (transfer)
    python benchmarks/classify.py neural folk random     the bundled model's shape with random weights,
                                                         frozen, head only (the control for probe)
    python benchmarks/classify.py neural folk probe-layers  probe on every layer's final state
    python benchmarks/classify.py neural folk lm         the bundled model fine-tuned (slow on a CPU)
    python benchmarks/classify.py table                  the results as a Markdown table

The defaults of `classify fit` (issue 23), on those two tasks and three more:

    python benchmarks/classify.py data language|meter|collections   the small tasks of
        tests/classify_tasks.py and tunes of three ABC collections the folk model never read
    python benchmarks/classify.py defaults TASK METHOD   fit as the command does, its split and
        n-gram baseline; test accuracy of the model, the baseline and --use best
    python benchmarks/classify.py defaults-table

Test documents are never trained on or used to choose anything: model choices
(best epoch, n-gram regularisation) use a validation part of the training split.
scripts/bench_classify.sh runs all of it.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections import Counter
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "classify"
RUNS = ROOT / "runs" / "classify"
SETTINGS = {  # max_chars: how much of each document the methods that train the encoder read
    "folk": {"notation": "notes", "base": "folk", "epochs": 2, "max_chars": 256},
    "kjv": {"notation": "text", "base": "kjv", "epochs": 4, "max_chars": 256},
}


def load_split(task: str, split: str, notation: str | None = None):
    from notegen.models.classify_data import read_folders

    return read_folders(DATA / task / split, notation or SETTINGS[task]["notation"])


def scores(truth: list[int], predicted: list[int], names: list[str]) -> dict:
    from notegen.models.classifier import confusion

    matrix = confusion(truth, predicted, len(names))
    recalls = [row[i] / sum(row) for i, row in enumerate(matrix) if sum(row)]
    return {"accuracy": sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(truth),
            "balanced_accuracy": sum(recalls) / len(recalls), "confusion": matrix, "labels": names,
            "test_count": len(truth), "truth": truth, "predicted": predicted}


# --- the n-gram baseline: logistic regression on character 1..5-grams -------------

def ngrams(text: str, n_max: int = 5) -> Counter[str]:
    return Counter(text[i : i + n] for n in range(1, n_max + 1) for i in range(len(text) - n + 1))


class NgramLogReg:
    """Log-count features of the n-grams in at least `min_df` training documents
    (the `max_features` commonest), L2-regularised softmax regression fitted by L-BFGS."""

    def __init__(self, l2: float, max_features: int = 20000, min_df: int = 3) -> None:
        self.l2, self.max_features, self.min_df = l2, max_features, min_df

    def features(self, docs: list[str]) -> torch.Tensor:
        x = torch.zeros(len(docs), len(self.index))
        for i, d in enumerate(docs):
            for g, c in ngrams(d).items():
                j = self.index.get(g)
                if j is not None:
                    x[i, j] = math.log1p(c)
        return (x - self.mean) / self.std

    def fit(self, docs: list[str], labels: list[int], n_labels: int) -> NgramLogReg:
        df: Counter[str] = Counter()
        for d in docs:
            df.update(set(ngrams(d)))
        kept = [g for g, c in df.most_common(self.max_features) if c >= self.min_df]
        self.index = {g: i for i, g in enumerate(kept)}
        self.mean, self.std = torch.zeros(len(kept)), torch.ones(len(kept))
        x = self.features(docs)
        self.mean, self.std = x.mean(0), x.std(0).clamp_min(1e-3)
        x = (x - self.mean) / self.std
        y = torch.tensor(labels)
        self.w = torch.zeros(len(kept), n_labels, requires_grad=True)
        self.b = torch.zeros(n_labels, requires_grad=True)
        opt = torch.optim.LBFGS([self.w, self.b], max_iter=300, line_search_fn="strong_wolfe")

        def closure() -> torch.Tensor:
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(x @ self.w + self.b, y) + self.l2 * (self.w**2).sum()
            loss.backward()
            return loss

        opt.step(closure)
        return self

    def predict(self, docs: list[str]) -> list[int]:
        with torch.no_grad():
            return (self.features(docs) @ self.w + self.b).argmax(1).tolist()


def baselines(task: str) -> None:
    from notegen.models.classify_data import stratified_split

    train, test = load_split(task, "train"), load_split(task, "test")
    n = len(train.names)
    majority = max(range(n), key=train.counts().__getitem__)
    write(task, "majority", scores(test.labels, [majority] * len(test), test.names))
    fit_idx, val_idx = stratified_split(train.labels, 0.1, 0)
    part, val = train.subset(fit_idx), train.subset(val_idx)
    trials = {}
    for l2 in (1e-4, 1e-3, 1e-2, 1e-1):
        model = NgramLogReg(l2).fit(part.documents, part.labels, n)
        trials[l2] = scores(val.labels, model.predict(val.documents), val.names)["accuracy"]
        print(f"n-gram l2={l2}: validation accuracy {trials[l2]:.3f}", file=sys.stderr)
    l2 = max(trials, key=trials.__getitem__)
    t0 = time.perf_counter()
    model = NgramLogReg(l2).fit(train.documents, train.labels, n)
    result = scores(test.labels, model.predict(test.documents), test.names)
    write(task, "ngram", {**result, "l2": l2, "features": len(model.index),
                          "seconds": time.perf_counter() - t0})


def neural(task: str, method: str) -> None:
    from notegen.models import checkpoint
    from notegen.models.classifier import ClassifyConfig, load
    from notegen.models.classify import fit
    from notegen.models.config import ModelConfig

    s = SETTINGS[task]
    train, test = load_split(task, "train"), load_split(task, "test")
    base_shape = checkpoint.load(s["base"]).config
    shape, base, options = {
        "scratch": (ModelConfig(embed_dim=32, hidden_size=128, num_layers=1, dropout=0.0), None, {}),
        "scratch-tiny": (None, None, {"preset": "tiny"}),  # 1 x 48: what a busy CPU allows
        "scratch-fast": (None, None, {"preset": "tiny", "lr": 1e-2, "epochs": 4, "max_chars": 128}),
        # a frozen encoder reads each document once, so these read whole documents
        "probe": (None, s["base"], {"freeze": True, "epochs": 40, "max_chars": None}),
        "random": (base_shape, None, {"freeze": True, "epochs": 40, "max_chars": None}),
        "probe-layers": (None, s["base"], {"freeze": True, "epochs": 40, "max_chars": None,
                                           "pool": "layers+mean"}),
        "lm": (None, s["base"], {"encoder_lr": 1e-3}),
    }[method]
    config = ClassifyConfig(**{"epochs": s["epochs"], "batch_size": 32, "lr": 3e-3, "val_fraction": 0.1,
                               "max_chars": s["max_chars"], "seed": 0, "device": "cpu",
                               "freeze": False, "patience": None, **options})  # as first measured
    out = RUNS / f"{task}-{method}"
    t0 = time.perf_counter()
    result = fit(train, s["notation"], out, config, base=base, model_config=shape,
                 overwrite=True, progress=True)
    seconds = time.perf_counter() - t0
    clf = load(out)
    predicted = clf.predict_proba(test.documents).argmax(1).tolist()
    write(task, method, {**scores(test.labels, predicted, test.names), "seconds": seconds,
                         "history": result.history, "config": config.to_dict(),
                         "base_shape": f"{base_shape.num_layers}x{base_shape.hidden_size}"})


# --- the defaults: what `classify fit` does with no options, against the alternatives ---

SMALL = {"language": "text", "meter": "notes"}  # tests/classify_tasks.py: 60 files a label
COLLECTIONS = {"airds": ["airdsAirs/book*.abc"], "fife": ["miscFolk/americanfifeopus.abc"],
               "northumbrian": ["miscFolk/northumbrianminstrelsyopus.abc"]}
DEFAULTS = {  # method -> (base, ClassifyConfig fields); "auto": the bundled model of the notation
    "old": (None, {"epochs": 10, "patience": None, "freeze": False}),  # the default before issue 23
    "scratch": (None, {}),  # a fresh tiny GRU, 60 epochs at most, early stopping
    "scratch-lr": (None, {"lr": 1e-2}),  # the same at a higher learning rate
    "scratch-small": (None, {"preset": "small", "lr": 1e-2}),
    "default": ("auto", {}),  # the default now: the bundled model frozen, head only
    "default-layers": ("auto", {"pool": "layers+mean"}),
}


def make_data(task: str) -> None:
    """The small tasks (train 60 files a label, test 10, other seeds) and the
    collections task (tunes of three ABC collections the folk model never read)."""
    import random

    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    if task in SMALL:
        from classify_tasks import write_task

        write_task(DATA / task / "train", task, 60, seed=0)
        write_task(DATA / task / "test", task, 10, seed=1)
        return
    from classify_data import _write

    from notetokens.sources import music21_corpus_dir

    root = music21_corpus_dir()
    items = []
    for label, parts in COLLECTIONS.items():
        files = [f for part in parts for f in sorted(root.glob(part))]
        texts = sorted({text for f in files for text in _plain_tunes(str(f))})
        random.Random(0).shuffle(texts)
        items += [(label, t) for t in texts[:150]]
    print(_write(DATA / task, items, 0.25))


def _plain_tunes(path: str) -> list[str]:
    from notetokens import abc, notes
    from notetokens.errors import NotegenError
    from notetokens.io import read_text

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from classify_data import strip_type

    out = []
    for _, tune in abc.split_tunes(read_text(path)):
        try:
            out.append(strip_type(notes.to_model_text(abc.parse(tune, expand_repeats=False))))
        except NotegenError:
            continue
    return out


def defaults(task: str, method: str) -> None:
    """Fit as `notegen classify fit` does (its split, validation and baseline) and
    count test accuracy of the model, the baseline and `--use best`."""
    from notegen.models.classifier import ClassifyConfig, predict_files
    from notegen.models.classify import fit

    notation = SMALL.get(task) or SETTINGS.get(task, {}).get("notation", "notes")
    base, options = DEFAULTS[method]
    train = load_split(task, "train", notation)
    out = RUNS / f"{task}-{method}"
    t0 = time.perf_counter()
    result = fit(train, notation, out, ClassifyConfig(device="cpu", **options), base=base,
                 overwrite=True, progress=False)
    seconds = time.perf_counter() - t0
    test = DATA / task / "test"
    row = {"seconds": seconds, "epoch": result.epoch, "use": result.use,
           "val_model": result.best["val_accuracy"], "val_baseline": result.baseline["val_accuracy"]}
    for use in ("model", "baseline", "best"):
        found = predict_files(out, [str(test)], "cpu", use)
        hits = [Path(name.split("#")[0]).parent.name == label for name, label, _ in found.rows]
        row[f"test_{use}"] = sum(hits) / len(hits)
    (RUNS / f"defaults-{task}-{method}.json").parent.mkdir(parents=True, exist_ok=True)
    (RUNS / f"defaults-{task}-{method}.json").write_text(json.dumps(row, indent=1))
    print(task, method, json.dumps(row), file=sys.stderr)


def defaults_table() -> None:
    print("| task | method | epochs | held-out: model | baseline | test: model | baseline | "
          "`--use best` | seconds |")
    print("|---|---|---|---|---|---|---|---|---|")
    for f in sorted(RUNS.glob("defaults-*.json")):
        r = json.loads(f.read_text())
        task, method = f.stem.split("-", 2)[1:]
        print(f"| {task} | {method} | {r['epoch']:.0f} | {r['val_model']:.3f} | {r['val_baseline']:.3f} | "
              f"{r['test_model']:.3f} | {r['test_baseline']:.3f} | {r['test_best']:.3f} ({r['use']}) | "
              f"{r['seconds']:.0f} |")


def write(task: str, method: str, result: dict) -> None:
    RUNS.mkdir(parents=True, exist_ok=True)
    (RUNS / f"{task}-{method}.json").write_text(json.dumps(result, indent=1))
    print(f"{task} {method}: test accuracy {result['accuracy']:.3f}, "
          f"balanced {result['balanced_accuracy']:.3f}", file=sys.stderr)


def table() -> None:
    names = {"majority": "majority class", "ngram": "logistic regression, char 1-5-grams",
             "scratch": "char-GRU 1x128 trained from scratch",
             "scratch-tiny": "char-GRU 1x48 trained from scratch",
             "scratch-fast": "char-GRU 1x48 from scratch, lr 0.01, 4 epochs, first 128 chars",
             "random": "char-GRU {shape}, random weights frozen, head only",
             "probe": "bundled model frozen, head only (transfer)",
             "probe-layers": "bundled model frozen, head on every layer's state",
             "lm": "bundled model fine-tuned"}
    print("| task | method | test accuracy | balanced accuracy | seconds |")
    print("|---|---|---|---|---|")
    for task in SETTINGS:
        for method, label in names.items():
            f = RUNS / f"{task}-{method}.json"
            if f.is_file():
                r = json.loads(f.read_text())
                secs = f"{r['seconds']:.0f}" if "seconds" in r else "-"
                label = label.format(shape=r.get("base_shape") or "of the bundled model's shape")
                print(f"| {task} | {label} | {r['accuracy']:.3f} | {r['balanced_accuracy']:.3f} | {secs} |")
    seen_by_model(names)
    from notegen.models.classifier import format_confusion

    for task in SETTINGS:
        for method, label in names.items():
            f = RUNS / f"{task}-{method}.json"
            if f.is_file():
                r = json.loads(f.read_text())
                label = label.format(shape=r.get("base_shape") or "of the bundled model's shape")
                print(f"\n{task}, {label} (rows: true label, columns: predicted)\n")
                print("\n".join("    " + line for line in format_confusion(r["confusion"], r["labels"])))


def seen_by_model(names: dict[str, str]) -> None:
    """Accuracy on the folk test tunes the bundled model read in training, and on the rest.

    The bundled folk model's training text (data/folk-train.jsonl, from `notegen corpus folk`)
    holds most of these tunes with their `T:` tune type in the header.
    """
    corpus = ROOT / "data" / "folk-train.jsonl"
    if not corpus.is_file():
        return
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from classify_data import strip_type

    read = {strip_type(json.loads(line)["text"]) for line in corpus.open(encoding="utf-8")}
    seen = [doc in read for doc in load_split("folk", "test").documents]
    print(f"\nfolk test tunes in the language model's training text: {sum(seen)} of {len(seen)}\n")
    print("| method | accuracy on those | on the other tunes |")
    print("|---|---|---|")
    for method, label in names.items():
        f = RUNS / f"folk-{method}.json"
        r = json.loads(f.read_text()) if f.is_file() else {}
        if "predicted" not in r:
            continue
        hits = [t == p for t, p in zip(r["truth"], r["predicted"], strict=True)]
        part = [[h for h, s in zip(hits, seen, strict=True) if s == want] for want in (True, False)]
        cells = [sum(p) / max(1, len(p)) for p in part]
        label = label.format(shape=r.get("base_shape") or "of the bundled model's shape")
        print(f"| {label} | {cells[0]:.3f} | {cells[1]:.3f} |")


if __name__ == "__main__":
    torch.set_num_threads(1)
    command = sys.argv[1]
    if command == "baselines":
        baselines(sys.argv[2])
    elif command == "neural":
        neural(sys.argv[2], sys.argv[3])
    elif command == "data":
        make_data(sys.argv[2])
    elif command == "defaults":
        defaults(sys.argv[2], sys.argv[3])
    elif command == "defaults-table":
        defaults_table()
    else:
        table()
