"""`notegen judge`: musical figures of a model's tunes against held-out tunes."""

from __future__ import annotations

import click

from notegen.models.options import JUDGE

from .options import command_options, force_option, model_option, options_from
from .progress import progress_option


@click.command()
@model_option("A bundled model name, a run directory or a checkpoint file (a note-string model).")
@click.option(
    "--num", "-n", type=click.IntRange(1, 10000), default=200, show_default=True, help="Tunes to sample."
)
@click.option(
    "--held-out",
    multiple=True,
    type=click.Path(exists=True),
    help="Compare with these tunes (files or folders, any music notation, or a corpus .jsonl) "
    "instead of music21's airdsAirs and miscFolk.",
)
@click.option(
    "--save",
    type=click.Path(dir_okay=False),
    help="Also write the sampled tunes to this corpus file (.jsonl).",
)
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Sample in this many worker processes (the tunes are the same).")
@force_option
@command_options(JUDGE)
@progress_option
def judge(
    model: str,
    num: int,
    held_out: tuple[str, ...],
    save: str | None,
    jobs: int,
    force: bool,
    seed: int | None,
    **sampling: object,
) -> None:
    """Sample NUM tunes the way `notegen sample` does and print a table of
    musical figures for them and for the held-out tunes (music21's airdsAirs and
    miscFolk): tunes written and failures, normal meters, exact bars, tonic
    endings, recurring 8-note phrases, notes tied over bar lines, lengths in
    whole 4-bar multiples, and pitch-class and interval JS divergence. Tune i
    uses seed SEED + i (SEED defaults to 0); a tune whose sampling fails is
    counted, and the run goes on.

    \b
    Example:
      notegen judge --model folk --num 200 --seed 1000 --temperature 1.0
      notegen judge --model runs/mine --num 50 --held-out data/folk-test.jsonl
    """
    from notegen.models import judge as j
    from notegen.models.checkpoint import load
    from notetokens.errors import NotegenError
    from notetokens.registry import get

    from .progress import bar

    if save:
        from notetokens.outputs import check

        check(save, force=force, inputs=held_out)  # before minutes of sampling
    chosen = options_from({"seed": seed, **sampling}, JUDGE).but(seed=None)  # checked before loading
    given = {k: getattr(chosen, k) for k in sampling}
    lm = load(model)
    if get(lm.notation).model_text != "notes":  # the judge reads note strings
        raise NotegenError(f"the judge reads note-string models; {model} is a {lm.notation} model")
    with bar("held-out tunes", unit="file") as progress:  # before minutes of sampling
        reference, skipped = j.held_out(list(held_out), progress)
    with bar("sampling", unit="tune") as progress:
        texts, failures = j.sample_parallel(model, num, seed or 0, jobs, progress, **given)
    if save:
        from notetokens.corpus import Corpus, save_jsonl

        save_jsonl(save, Corpus(texts), "notes")
    ref = j.judge(reference, failures=skipped)
    got = j.judge(texts, failures=failures)
    told = j.told_apart(texts, reference, chosen.tune_type)
    click.echo(j.table(got, ref, name=model, told=told))
