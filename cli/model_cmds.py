"""`notegen train` and `notegen text` (`notegen eval` is in eval_cmd.py): thin wrappers over
notegen.models (each parses options and calls one library function). Only click
is imported at the top, so listing commands never imports torch."""

from __future__ import annotations

import sys

import click

from .options import SEED, FiniteFloat, sampling_options
from .progress import progress_option, shown


def _documents(paths: tuple[str, ...], notation: str) -> list[str]:
    from notetokens.corpus import documents
    from notetokens.errors import NotegenError

    from .main import echo

    skipped: list[str] = []
    docs = documents(list(paths), notation, skipped)
    if not docs:  # one line: what was skipped is why
        why = f": {len(skipped)} skipped (first: {skipped[0]})" if skipped else ""
        raise NotegenError(f"no {notation} documents in {', '.join(paths)}{why}")
    if skipped:
        echo(f"notegen: skipped {len(skipped)} unreadable item(s), first: {skipped[0]}")
    return docs


@click.command()
@click.argument("corpus", nargs=-1, required=True, type=click.Path())
@click.option(
    "--notation",
    "-n",
    help="Model text to train on: notes, tab, abc, midi or text (with --resume, the checkpoint's).",
)
@click.option(
    "--preset",
    "-p",
    default="tiny",
    show_default=True,
    help="Model size: tiny (seconds on a CPU), small (~1.4 M weights), medium (~2.5 M), base (~5 M).",
)
@click.option(
    "--out",
    "-o",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for best.safetensors and last.safetensors.",
)
@click.option("--epochs", type=click.IntRange(1), help="Passes over the corpus.")
@click.option(
    "--steps",
    type=click.IntRange(1),
    help="Optimizer steps (with --epochs, the smaller bound wins; neither means 10 epochs).",
)
@click.option(
    "--resume",
    is_flag=True,
    help="Continue the run saved in --out, with its settings where not given here "
    "(--batch-size, --seq-len and --seed must stay as they were).",
)
@click.option("--overwrite", is_flag=True, help="Start afresh even if --out holds a run.")
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--batch-size", type=click.IntRange(1), default=32, show_default=True)
@click.option(
    "--seq-len",
    type=click.IntRange(1),
    default=128,
    show_default=True,
    help="Characters per row of a batch (truncated back-propagation length).",
)
@click.option("--lr", type=FiniteFloat(0, min_open=True, rule="> 0"), default=3e-3, show_default=True)
@click.option(
    "--dropout",
    type=FiniteFloat(0, 1, max_open=True, rule="in [0, 1)"),
    help="Dropout between layers and before the output, instead of the preset's (a new run only).",
)
@click.option(
    "--weight-decay", type=FiniteFloat(0, rule=">= 0"), default=0.01, show_default=True, help="AdamW's."
)
@click.option(
    "--schedule",
    type=click.Choice(["cosine", "step", "constant"]),
    default="cosine",
    show_default=True,
    help="Learning-rate decay after the warmup.",
)
@click.option(
    "--eval-every",
    type=click.IntRange(1),
    default=200,
    show_default=True,
    help="Steps between validations and checkpoints.",
)
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda, cuda:N or mps.")
@click.option(
    "--precision",
    type=click.Choice(["auto", "fp32", "bf16"]),
    default="auto",
    show_default=True,
    help="Arithmetic of the training step: auto = bfloat16 where the CPU or GPU runs it fast "
    "and the model is wide enough to gain (small and up), else fp32; weights stay fp32.",
)
@progress_option
def train(
    corpus: tuple[str, ...],
    notation: str | None,
    preset: str,
    out_dir: str,
    epochs: int | None,
    steps: int | None,
    resume: bool,
    overwrite: bool,
    seed: int,
    batch_size: int,
    seq_len: int,
    lr: float,
    dropout: float | None,
    weight_decay: float,
    schedule: str,
    eval_every: int,
    device: str,
    precision: str,
) -> None:
    """Train a model on CORPUS files and folders.

    \b
    notegen train tunes/ --notation notes --preset tiny --out runs/tunes --steps 300
    notegen train book.txt --notation text --out runs/book --epochs 5
    notegen train tunes/ --out runs/tunes --resume --steps 600
    torchrun --nproc_per_node=2 "$(which notegen)" train ...   (several processes)
    """
    from dataclasses import replace

    from notegen.models.config import preset as preset_config
    from notegen.models.resume import resume_config, resumed_notation
    from notegen.models.training import ProgressBar, TrainConfig
    from notegen.models.training import train as train_model

    if notation is None:
        notation = resumed_notation(out_dir) if resume else None
        if notation is None:
            raise click.UsageError("name the corpus notation with --notation (notes, tab, abc, midi or text)")
    if resume and dropout is not None:
        raise click.UsageError("--dropout shapes a new run; a resumed run keeps its own")
    config = TrainConfig(
        preset=preset,
        batch_size=batch_size,
        seq_len=seq_len,
        lr=lr,
        weight_decay=weight_decay,
        epochs=epochs,
        steps=steps,
        schedule=schedule,
        eval_every=eval_every,
        seed=seed,
        device=device,
        precision=precision,
    )
    if resume:  # what is not given here comes from the saved run
        config = resume_config(out_dir, config, [f for f in config.to_dict() if _given(f)])
    result = train_model(
        _documents(corpus, notation), notation, out_dir, config, resume=resume, overwrite=overwrite,
        progress=ProgressBar() if shown() else None,
        model_config=None if dropout is None else replace(preset_config(preset), dropout=dropout),
    )
    best = f"{result.best_val_bpc:.3f}" if result.best_val_bpc is not None else "-"
    click.echo(
        f"{'stopped' if result.interrupted else 'trained'} at step {result.step}/"
        f"{result.total_steps}; best validation {best} bits/char; "
        f"{result.chars_per_sec:,.0f} chars/s ({result.precision}); model in {result.best}",
        err=True,
    )
    if result.interrupted:
        click.echo(f"saved {result.last}; train again with --resume to continue", err=True)
        sys.exit(130)  # stopped by Ctrl-C, as a shell expects


def _given(name: str) -> bool:
    """Whether the user set option `name` (not its default)."""
    from click.core import ParameterSource

    source = click.get_current_context().get_parameter_source(name)
    return source in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)


@click.command()
@click.option(
    "--model",
    "-m",
    default="kjv",
    show_default=True,
    help="A checkpoint file, a training run's folder, or a bundled model's name.",
)
@click.option(
    "--prime", default="", help="Text to start from (every character must be in the model's vocabulary)."
)
@click.option(
    "--length",
    "-l",
    type=click.IntRange(0),
    default=500,
    show_default=True,
    help="Characters to write at most (the model may end sooner).",
)
@sampling_options
@click.option("--device", default="cpu", show_default=True)
def text(
    model: str,
    prime: str,
    length: int,
    temperature: float,
    top_k: int | None,
    top_p: float | None,
    argmax: bool,
    seed: int | None,
    device: str,
) -> None:
    """Write text from a model to stdout, character by character."""
    from notegen.models.checkpoint import load
    from notegen.models.sampling import stream
    from notetokens.outputs import check, stdout_error

    check("-")  # a closed stdout fails before the model loads
    lm = load(model, device=device)
    chars = stream(
        lm,
        prime,
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        seed=seed,
        max_chars=length,
        argmax=argmax,
    )
    out = sys.stdout
    try:
        out.write(prime)
        for ch in chars:
            out.write(ch)
            if ch == "\n":
                out.flush()
        out.write("\n")
        out.flush()
    except OSError as e:  # a full disk behind stdout, or the reader gone (| head)
        raise stdout_error(e) from None
