"""The Python API: the `notegen` commands as functions, for notebooks and scripts.

Each verb is a thin call into the library function the command calls (sampling in
notegen.models.tunes and .sampling, training in .training, files in notetokens),
so the API and the command line cannot drift apart. A `model` argument is a
bundled model's name, a run folder, a checkpoint file, or a model from `load`.
Bad input raises `notetokens.NotegenError` (a `ParseError` names file, line and
column), the same errors the command prints in one line; an argument out of the
command's range (models/ranges.py, the same definitions) is named as the Python
argument (`bars=0: must be a whole number >= 1`) before any work.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from notetokens import Score
from notetokens.errors import NotegenError

from . import apiargs as args
from .tune import Tune

if TYPE_CHECKING:
    from notegen.models.checkpoint import LoadedModel
    from notegen.models.classify import ClassifyResult
    from notegen.models.embed import EmbeddingReport
    from notegen.models.evaluate import EvalReport
    from notegen.models.training import TrainResult


def load(model: str | Path = "folk", device: str = "cpu") -> LoadedModel:
    """A model ready to sample: a bundled name (`folk`, `kjv`), a run folder (its
    best checkpoint) or a checkpoint file.

    >>> folk = notegen.load("folk")
    """
    from notegen.models.checkpoint import LoadedModel, load

    return model if isinstance(model, LoadedModel) else load(model, device=device)


def sample(model: str | Path | LoadedModel = "folk", *, program: int | None = None, **options: Any) -> Tune:
    """A melody from a music model, as `notegen sample` draws it. The keyword
    arguments are `SampleOptions`' fields (notegen.models.options), with the
    command's defaults: the header asks for `key`, `meter` and `tune_type`
    (reel, jig, ...), `prime` (a note string or a tune) begins it, and it stops
    at the tune's end (not before `min_notes` notes), at the end of bar `bars`,
    or after `length` notes; `echo` (0..1) is the chance that a phrase comes
    back; with `dynamic_lr` (or `dynamic=True`) the model adapts as it reads;
    `bpm` and `program` set the tempo and the instrument.

    >>> tune = notegen.sample(key="D", meter="6/8", seed=7, temperature=0.8)
    """
    from notegen.models.options import SampleOptions
    from notegen.models.tunes import check_music_model, draw

    args.prime(options.get("prime"))
    args.numbers(program=program)
    if isinstance(options.get("prime"), Tune):
        options["prime"] = options["prime"].score
    defaults = {f.name: f.default for f in args.api_fields()}
    given = {k: v for k, v in options.items() if not (v is None and defaults.get(k) is not None)}
    opts = SampleOptions().but(**args.api_only(given))
    lm = load(model)
    check_music_model(lm, model if isinstance(model, str | Path) else None, python=True)
    melody = draw(lm, "", opts, program=program)
    return Tune(melody.score, melody.text)


sample.__signature__ = args.sample_signature(sample)  # type: ignore[attr-defined]


def text(
    model: str | Path | LoadedModel = "kjv",
    prime: str = "",
    *,
    length: int = 500,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    argmax: bool = False,
    seed: int | None = None,
) -> str:
    """The prime and up to `length` characters after it, as `notegen text` writes.

    >>> notegen.text(prime="And God said", length=100, temperature=0.5, seed=1)
    """
    from notegen.models.sampling import sample_text

    args.text("prime", prime)
    from notegen.models.ranges import CHARS

    CHARS.check("length", length)
    args.numbers(top_k=top_k, top_p=top_p, seed=seed)
    return sample_text(
        load(model), prime, max_chars=length, temperature=temperature, top_k=top_k,
        top_p=top_p, argmax=argmax, seed=seed,
    )  # fmt: skip


def predict(model: str | Path | LoadedModel, text: str, k: int = 5) -> dict[str, float]:
    """The model's `k` likeliest next characters after `text`, with probabilities
    (the end of the document shows as `<eos>`).

    >>> notegen.predict("kjv", "And God sa")
    """
    import torch

    from notegen.models.sampling import step_logits
    from notetokens.vocab import EOS, SPECIALS

    args.text("text", text)
    args.numbers(k=k)
    lm = load(model)
    probs = torch.softmax(step_logits(lm, text)[-1], dim=-1)
    top = torch.topk(probs, min(k, len(probs)))
    return {
        lm.vocab.char(i) or SPECIALS[i] if i != EOS else "<eos>": round(float(p), 4)
        for p, i in zip(top.values.tolist(), top.indices.tolist(), strict=True)
    }


def train(
    corpus: str | Path | list[str | Path],
    out: str | Path,
    *,
    notation: str,
    preset: str | None = None,
    steps: int | None = None,
    epochs: int | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = True,
    **options: Any,
) -> TrainResult:
    """Train on files and folders of `notation` (notes, tab, abc, midi, text) into
    the folder `out`, as `notegen train` does. `options` are TrainConfig fields
    (seed, batch_size, seq_len, lr, schedule, eval_every, device) and `dropout`
    (a new run's, instead of the preset's, as `--dropout`). The result has
    the metrics (`best_val_bpc`, `history`); `notegen.load(out)` samples from it.
    `preset` is "tiny" unless given. With `resume=True` every setting not given is
    the saved run's, as with `notegen train --resume`.

    >>> run = notegen.train("examples/notes", "runs/mine", notation="notes", steps=100)
    """
    from notegen.models.resume import resume_config
    from notegen.models.training import train as train_model

    paths = args.paths("corpus", corpus)
    dropout = options.pop("dropout", None)
    args.numbers(dropout=dropout, seed=options.get("seed"))
    if resume and dropout is not None:
        raise NotegenError("dropout= shapes a new run; a resumed run keeps its own")
    config = args.train_config(preset=preset or "tiny", steps=steps, epochs=epochs, **options)
    if resume:
        named = {"preset": preset, "steps": steps, "epochs": epochs}
        config = resume_config(out, config, {*options, *(k for k, v in named.items() if v is not None)})
    return train_model(
        _documents(paths, notation), notation, out, config,
        model_config=args.model_config(config.preset, dropout),
        resume=resume, overwrite=overwrite, progress=progress,
    )  # fmt: skip


def _documents(paths: list[str], notation: str) -> list[str]:
    from notetokens.corpus import documents

    docs = documents(paths, notation)
    if not docs:
        raise NotegenError(f"no {notation} documents in {', '.join(paths)}")
    return docs


def read(path: str | Path, notation: str | None = None, **options: Any) -> Tune:
    """A tune from a file of any music notation (by extension unless named);
    options go to the notation's parser (a tab's `tuning`).

    >>> riff = notegen.read("examples/tabs/riff.tab")
    """
    from notetokens.io import read as read_score

    args.numbers(tune=options.get("tune"))
    return Tune(read_score(path, notation, **options), title=Path(path).name)


def write(tune: Tune | Score, path: str | Path, notation: str | None = None) -> Path:
    """Write a tune or Score to a file (see `Tune.save`).

    >>> notegen.write(tune, "song.mid")
    """
    args.tune(tune, "write")
    return (tune if isinstance(tune, Tune) else Tune(tune)).save(path, notation)


def convert(src: str | Path, dst: str | Path, **options: Any) -> Path:
    """Convert the file `src` to `dst`, as `notegen convert` does; options: track,
    channel, melody, tuning, src_notation, dst_notation.

    >>> notegen.convert("examples/notes/ode.txt", "ode.tab")
    """
    from notetokens.convert import convert as convert_file

    convert_file(src, dst, **options)
    return Path(dst)


def evaluate(
    model: str | Path | LoadedModel,
    files: str | Path | list[str | Path],
    *,
    samples: int = 20,
    seed: int = 0,
    max_chars: int = 400,
) -> EvalReport:
    """Bits per character on held-out files and, for music, the validity rate and
    statistics of samples, as `notegen eval` reports (`report.lines()`).

    >>> print(*notegen.evaluate("folk", "examples/abc").lines(), sep="\\n")
    """
    from notegen.models.evaluate import evaluate_model

    paths = args.paths("files", files)
    lm = load(model)
    docs = _documents(paths, lm.notation)
    return evaluate_model(lm, docs, n_samples=samples, seed=seed, max_chars=max_chars)


def list_models(*dirs: str | Path) -> list[str]:
    """Bundled models and the checkpoints under `dirs` (default ./runs), one line
    each with notation, size and metrics, as `notegen models` lists them.

    >>> print(*notegen.list_models("runs"), sep="\\n")
    """
    from notegen.models.catalog import describe_all

    return describe_all([Path(d) for d in dirs] or [Path("runs")])


def embed(model: str | Path = "folk", plot: str | Path | None = None) -> EmbeddingReport:
    """The analysis `notegen embed` prints: the character embeddings projected to
    2-D, nearest neighbours, and how well they order note letters (or digits);
    `plot` also writes the PCA picture as a PNG.

    >>> rep = notegen.embed("folk"); rep.orders["note letters by pitch"].rho
    """
    from notegen.models.embed import model_report
    from notegen.models.embed import plot as draw_plot

    rep = model_report(model)
    if plot is not None:
        draw_plot(rep, plot)
    return rep


def classify_fit(
    data: str | Path, out: str | Path, *, notation: str | None = None, base: str | Path | None = "auto",
    resume: bool = False, overwrite: bool = False, progress: bool = True, **config: Any,
) -> ClassifyResult:
    """Train a classifier on DATA's subfolders (one per label), as
    `notegen classify fit`; `base` starts the encoder from a language model
    ('auto': the bundled model of `notation` if there is one, frozen unless
    `freeze=False`; None: from scratch) and `config` takes ClassifyConfig's
    fields (epochs, patience, lr, freeze, pool, ...). An n-gram baseline is fitted
    on the same split: compare `run.baseline["val_accuracy"]` with
    `run.best["val_accuracy"]`; `run.use` is what `classify` uses by default.
    `notation` defaults, as the command's, to the resumed run's, else the base
    model's; without either, name it. A resumed run keeps its `epochs` unless
    given. Ctrl-C (a notebook's interrupt) saves and returns with `interrupted`
    set; `resume=True` goes on. Fewer than 20 documents a label warns.

    >>> run = notegen.classify_fit("tunes_by_type", "runs/types", notation="notes")
    """
    import warnings

    from notegen.models.classifier import ClassifyConfig
    from notegen.models.classify import default_notation, fit, saved_meta
    from notegen.models.classify_data import read_folders

    if notation is None:
        notation = default_notation(out, base, resume)
        if notation is None:
            raise NotegenError("name the files' notation with notation= (notes, tab, abc, midi or text)")
    saved = saved_meta(out) if resume else None
    if saved is not None and "epochs" not in config:
        config["epochs"] = int(saved["classify_config"]["epochs"])
    labelled = read_folders(data, notation)
    if labelled.few():
        warnings.warn(f"few documents ({labelled.few()}; 20 or more per label is safer): "
                      "the held-out accuracy is rough", stacklevel=2)
    return fit(labelled, notation, out, ClassifyConfig(**config), base=base, resume=resume,
               overwrite=overwrite, progress=progress)


def classify(
    model: str | Path, files: str | Path | Iterable[str | Path], device: str = "cpu", use: str = "best"
) -> list[tuple[str, str, float]]:
    """(file, label, probability) for a file, or each of a list of files and
    folders, as `notegen classify predict` (a file of several ABC tunes gives one
    row per tune). `use` is 'model', 'baseline' (the run's n-gram baseline) or
    'best' (whichever did better on the held-out documents). A file in a folder
    that holds no document is skipped with a warning.

    >>> notegen.classify("runs/types", "reel.abc")
    """
    import warnings

    from notegen.models.classifier import predict_files

    paths = [files] if isinstance(files, (str, Path)) else list(files)
    found = predict_files(model, [str(f) for f in paths], device, use)
    if found.skipped:
        warnings.warn(f"skipped {len(found.skipped)} unreadable item(s), first: {found.skipped[0]}",
                      stacklevel=2)
    return found.rows
