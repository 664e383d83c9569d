"""`notegen eval`: bits per character of a model on held-out files (static; dynamic
and with the continuation cache on request), a thin wrapper over
notegen.models.evaluate. Only click is imported at the top, so listing commands
never imports torch."""

from __future__ import annotations

import click

from .model_cmds import _documents
from .options import SEED


@click.command("eval")
@click.option(
    "--model",
    "-m",
    required=True,
    help="A checkpoint file, a training run's folder, or a bundled model's name.",
)
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option(
    "--samples",
    "-n",
    "n_samples",
    type=click.IntRange(0),
    default=20,
    show_default=True,
    help="Samples for the validity rate and statistics (music).",
)
@click.option(
    "--max-chars", type=click.IntRange(1), default=400, show_default=True, help="Length bound of each sample."
)
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--device", default="cpu", show_default=True)
@click.option(
    "--dynamic",
    is_flag=True,
    help="Also score with dynamic evaluation: the model takes an SGD step on each chunk "
    "after scoring it (adapts to the text as it reads it, as PPMd does).",
)
@click.option(
    "--dynamic-lr",
    type=click.FloatRange(0, min_open=True),
    help="Learning rate of the dynamic evaluation's SGD steps [default: the model card's, "
    "chosen on its validation text; else 0.01].",
)
@click.option(
    "--dynamic-chunk",
    type=click.IntRange(1, 100_000),
    help="Characters the dynamic evaluation reads between two SGD steps [default: the model "
    "card's; else 128].",
)
@click.option(
    "--cache",
    is_flag=True,
    help="Also score with the continuation cache: what followed the same context earlier "
    "in the text read so far is mixed into the model's prediction (static, and with "
    "--dynamic the dynamic model too).",
)
@click.option(
    "--cache-weights",
    metavar="ORDER:W,...",
    help="The cache's weight for each context length, e.g. 4:0.1,16:0.6 (implies --cache) "
    "[default: the model card's, chosen on its validation text; else 6:0.15,12:0.3,24:0.45,48:0.6].",
)
def eval_cmd(
    model: str, files: tuple[str, ...], n_samples: int, max_chars: int, seed: int, device: str,
    dynamic: bool, dynamic_lr: float | None, dynamic_chunk: int | None, cache: bool,
    cache_weights: str | None,
) -> None:
    """Bits per character of a model on held-out FILES; for music models also the
    validity rate of unconstrained samples and musical statistics against FILES."""
    from notegen.models.cache import WEIGHTS, format_weights, parse_weights
    from notegen.models.checkpoint import load
    from notegen.models.evaluate import evaluate_model

    weights = parse_weights(cache_weights) if cache_weights is not None else None
    cache = cache or weights is not None
    lm = load(model, device=device)
    if weights is None:
        weights = parse_weights(str(lm.metrics.get("cache_weights", format_weights(WEIGHTS))))
    dynamic_lr = dynamic_lr or float(lm.metrics.get("dynamic_lr", 0.01))
    dynamic_chunk = dynamic_chunk or int(lm.metrics.get("dynamic_chunk", 128))
    report = evaluate_model(
        lm, _documents(files, lm.notation), n_samples=n_samples, seed=seed, max_chars=max_chars,
        dynamic_lr=dynamic_lr if dynamic else None, dynamic_chunk=dynamic_chunk,
        cache_weights=weights if cache else None,
    )
    click.echo(f"model              {lm.path}")
    for line in report.lines():
        click.echo(line)
