"""`notegen classify fit` and `notegen classify predict`: a char-RNN read to the
end of each file, with a small head over the labels (models/classify.py)."""

from __future__ import annotations

import sys

import click


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
@click.option("--base", "-b",
              help="Start the encoder from this language model (file, run folder or bundled name).")
@click.option("--preset", "-p", default="tiny", show_default=True,
              help="Encoder size without --base: tiny, small or base.")
@click.option("--epochs", type=click.IntRange(1), help="Passes over the training files (default 10; "
              "with --resume, the run's).")
@click.option("--batch-size", type=click.IntRange(1), default=32, show_default=True)
@click.option("--lr", type=click.FloatRange(0, min_open=True), default=3e-3, show_default=True)
@click.option("--encoder-lr", type=click.FloatRange(0, min_open=True),
              help="A smaller learning rate for the encoder keeps more of a base model (default: --lr).")
@click.option("--freeze", is_flag=True, help="Train the head only (a linear probe of the encoder).")
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
def fit(data: str, out_dir: str, notation: str | None, base: str | None, preset: str,
        epochs: int | None, batch_size: int, lr: float, encoder_lr: float | None, freeze: bool,
        pool: str, val_fraction: float, max_chars: int | None, seed: int, resume: bool,
        overwrite: bool, device: str) -> None:
    """Train a classifier on DATA: one subfolder per label (DATA/reel/*.abc,
    DATA/jig/*.abc, ...), files in any notation notegen reads.

    Prints the held-out accuracy and confusion matrix of the best epoch.

    \b
    notegen classify fit tunes/ --notation notes --out runs/types
    notegen classify fit tunes/ --base folk --encoder-lr 3e-4 --out runs/types-lm
    notegen classify fit tunes/ --out runs/types --resume --epochs 20
    """
    from notegen.models.classifier import ClassifyConfig, format_confusion
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
        epochs = int(saved["classify_config"]["epochs"]) if saved else 10
    config = ClassifyConfig(preset=preset, pool=pool, epochs=epochs, batch_size=batch_size, lr=lr,
                            encoder_lr=encoder_lr, freeze=freeze, val_fraction=val_fraction,
                            max_chars=max_chars, seed=seed, device=device)
    labelled = read_folders(data, notation)
    if labelled.skipped:
        click.echo(f"notegen: skipped {len(labelled.skipped)} unreadable item(s), first: "
                   f"{labelled.skipped[0]}", err=True)
    counts = ", ".join(f"{n} {c}" for n, c in zip(labelled.names, labelled.counts(), strict=True))
    click.echo(f"{len(labelled)} documents: {counts}", err=True)
    result = fit_model(labelled, notation, out_dir, config, base=base, resume=resume,
                       overwrite=overwrite)
    best = result.best
    if best.get("val_accuracy") is not None:
        click.echo(f"held-out accuracy {best['val_accuracy']:.3f} on {best['val_count']} documents "
                   f"(epoch {best['epoch']}); rows are true labels, columns predicted:")
        for line in format_confusion(best["confusion"], result.labels):
            click.echo(line)
    state = "stopped" if result.interrupted else "trained"
    where = (f"classifier in {result.best_path}" if result.best_path.is_file()
             else "no epoch finished yet, so no classifier to use")
    click.echo(f"{state} at epoch {result.epoch:.2f} ({result.step} steps); {where}", err=True)
    if result.interrupted:
        click.echo(f"saved {result.last_path}; fit again with --resume to continue", err=True)
        sys.exit(130)  # stopped by Ctrl-C, as a shell expects (and as `notegen train`)


@classify.command()
@click.option("--model", "-m", required=True, help="A classifier's run folder or checkpoint file.")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--device", default="cpu", show_default=True)
def predict(model: str, files: tuple[str, ...], device: str) -> None:
    """Print one line per file: the file, its likeliest label and that label's
    probability. A file of several ABC tunes gives one line per tune (file#2 ...).

    \b
    notegen classify predict --model runs/types tune.abc tunes/
    """
    from notegen.models.classifier import predict_files

    for name, label, p in predict_files(model, list(files), device):
        click.echo(f"{name} {label} {p:.3f}")
