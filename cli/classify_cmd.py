"""`notegen classify fit` and `notegen classify predict`: a char-RNN read to the
end of each file, with a small head over the labels (models/classify.py)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from .progress import progress_option, shown

if TYPE_CHECKING:
    from notegen.models.classify import ClassifyResult


@click.group()
def classify() -> None:
    """Train a classifier on labelled folders and apply it to files.

    \b
    notegen classify fit tunes/ --out runs/types --base folk
    notegen classify predict --model runs/types new.abc other.txt
    """


@classify.command()
@click.argument("data", type=click.Path())
@click.option("--out", "-o", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for best.safetensors and last.safetensors.")
@click.option("--notation", "-n",
              help="Model text of the files: notes, tab, abc, midi or text (default: the base "
                   "model's, or the resumed run's).")
@click.option("--base", "-b", default="auto", show_default=True,
              help="Start the encoder from this language model (file, run folder or bundled name); "
                   "auto: the bundled model of --notation if there is one (folk for notes, ABC and "
                   "MIDI, kjv for text); none: from scratch.")
@click.option("--preset", "-p", default="tiny", show_default=True,
              help="Encoder size without --base: tiny, small or base.")
@click.option("--epochs", type=click.IntRange(1), help="Passes over the training files at most "
              "(default 60; with --resume, the run's).")
@click.option("--patience", type=click.IntRange(0), default=10, show_default=True,
              help="Stop after this many epochs without a better held-out score (0: never).")
@click.option("--batch-size", type=click.IntRange(1), default=32, show_default=True)
@click.option("--lr", type=click.FloatRange(0, min_open=True), default=3e-3, show_default=True)
@click.option("--encoder-lr", type=click.FloatRange(0, min_open=True),
              help="A smaller learning rate for the encoder keeps more of a base model (default: --lr).")
@click.option("--freeze/--fine-tune", default=None,
              help="Train the head only (a linear probe of the encoder), or the encoder too "
                   "(default: freeze a base model, train a fresh encoder).")
@click.option("--pool", type=click.Choice(["last", "mean", "last+mean", "layers+mean"]),
              default="last+mean", show_default=True,
              help="What the head sees: the top layer's final state, its mean state, both, or "
                   "every layer's final state and the top mean.")
@click.option("--val-fraction", type=click.FloatRange(0, 1, max_open=True), default=0.2,
              show_default=True, help="Share of each label's files held out for validation.")
@click.option("--max-chars", type=click.IntRange(1), help="Read at most this many characters of each file.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--resume", is_flag=True, help="Continue the run saved in --out.")
@click.option("--overwrite", is_flag=True, help="Start afresh even if --out holds a run.")
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda, cuda:N or mps.")
@progress_option
def fit(data: str, out_dir: str, notation: str | None, base: str, preset: str,
        epochs: int | None, patience: int, batch_size: int, lr: float, encoder_lr: float | None,
        freeze: bool | None, pool: str, val_fraction: float, max_chars: int | None, seed: int, resume: bool,
        overwrite: bool, device: str) -> None:
    """Train a classifier on DATA: one subfolder per label (DATA/reel/*.abc,
    DATA/jig/*.abc, ...), files in any notation notegen reads.

    Also fits a character n-gram baseline on the same split, and prints the
    held-out accuracy and confusion matrix of each (the network's best epoch).

    \b
    notegen classify fit tunes/ --notation notes --out runs/types
    notegen classify fit tunes/ --notation notes --base none --out runs/scratch
    notegen classify fit tunes/ --base folk --fine-tune --encoder-lr 3e-4 --out runs/types-lm
    notegen classify fit tunes/ --out runs/types --resume --epochs 20
    """
    from notegen.models.classifier import ClassifyConfig
    from notegen.models.classify import default_notation, saved_meta
    from notegen.models.classify import fit as fit_model
    from notegen.models.classify_data import read_folders
    from notetokens.registry import get

    saved = saved_meta(out_dir) if resume else None
    if notation is None:
        notation = default_notation(out_dir, base, resume)
        if notation is None:
            raise click.UsageError("name the files' notation with --notation (notes, tab, abc, midi or text)")
    get(notation)
    if epochs is None:
        epochs = int(saved["classify_config"]["epochs"]) if saved else ClassifyConfig.epochs
    config = ClassifyConfig(preset=preset, pool=pool, epochs=epochs, patience=patience or None,
                            batch_size=batch_size, lr=lr,
                            encoder_lr=encoder_lr, freeze=freeze, val_fraction=val_fraction,
                            max_chars=max_chars, seed=seed, device=device)
    labelled = read_folders(data, notation)
    if labelled.skipped:
        click.echo(f"notegen: skipped {len(labelled.skipped)} unreadable item(s), first: "
                   f"{labelled.skipped[0]}", err=True)
    counts = ", ".join(f"{n} {c}" for n, c in zip(labelled.names, labelled.counts(), strict=True))
    click.echo(f"{len(labelled)} documents: {counts}", err=True)
    if labelled.few():
        click.echo(f"notegen: few documents ({labelled.few()}; 20 or more per label is safer): "
                   "the held-out accuracy is rough; fitting anyway", err=True)
    result = fit_model(labelled, notation, out_dir, config, base=base, resume=resume,
                       overwrite=overwrite, progress=shown())
    _report(result)
    state = "stopped" if result.interrupted else "trained"
    where = (f"classifier in {result.best_path}" if result.best_path.is_file()
             else "no epoch finished yet, so no classifier to use")
    early = ", stopped early: the held-out score no longer improved" if result.stopped_early else ""
    click.echo(f"{state} at epoch {result.epoch:.2f} ({result.step} steps{early}); {where}", err=True)
    if result.interrupted:
        click.echo(f"saved {result.last_path}; fit again with --resume to continue", err=True)
        sys.exit(130)  # stopped by Ctrl-C, as a shell expects (and as `notegen train`)


def _report(result: ClassifyResult) -> None:
    """Held-out accuracy and confusion of the network and of the n-gram baseline."""
    from notegen.models.classifier import format_confusion

    best, baseline = result.best, result.baseline
    if best.get("val_accuracy") is None:
        return
    model = f"from {result.base}" if result.base else "from scratch"
    line = f"held-out accuracy on {best['val_count']} documents: model ({model}) {best['val_accuracy']:.3f}"
    if baseline.get("val_accuracy") is not None:
        line += f", n-gram baseline {baseline['val_accuracy']:.3f}"
    click.echo(line + "; rows are true labels, columns predicted")
    parts = [(f"model, epoch {best['epoch']}", best["confusion"])]
    if baseline.get("confusion"):
        parts.append(("n-gram baseline", baseline["confusion"]))
    for title, matrix in parts:
        click.echo(f"{title}:")
        for row in format_confusion(matrix, result.labels):
            click.echo("  " + row)
    if baseline.get("val_accuracy") is None:
        why = "no baseline score"
    elif baseline["val_accuracy"] != best["val_accuracy"]:
        why = "higher held-out accuracy"
    else:
        why = "same held-out accuracy, lower held-out loss"
    click.echo(f"classify predict uses the {'n-gram baseline' if result.use == 'baseline' else 'model'} "
               f"({why}; choose with --use)")


@classify.command()
@click.option("--model", "-m", required=True, help="A classifier's run folder or checkpoint file.")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--use", type=click.Choice(["best", "model", "baseline"]), default="best",
              show_default=True, help="The network, the run's n-gram baseline, or whichever did "
                                      "better on the held-out documents.")
@click.option("--device", default="cpu", show_default=True)
def predict(model: str, files: tuple[str, ...], use: str, device: str) -> None:
    """Print one line per file: the file, its likeliest label and that label's
    probability. A file of several ABC tunes gives one line per tune (file#2 ...);
    a file in a folder that holds no document is skipped and counted.

    \b
    notegen classify predict --model runs/types tune.abc tunes/
    notegen classify predict --model runs/types --use baseline tunes/
    """
    from notegen.models.classifier import predict_files

    found = predict_files(model, list(files), device, use)
    if found.skipped:
        click.echo(f"notegen: skipped {len(found.skipped)} unreadable item(s), first: "
                   f"{found.skipped[0]}", err=True)
    click.echo(f"notegen: using the {'n-gram baseline' if found.used == 'baseline' else 'model'}", err=True)
    for name, label, p in found.rows:
        click.echo(f"{name} {label} {p:.3f}")
