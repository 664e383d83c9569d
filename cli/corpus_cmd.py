"""`notegen corpus`: build a model-text corpus file from sources."""

from __future__ import annotations

import click

from notetokens.registry import NOTATIONS

from .options import force_option
from .progress import progress_option


@click.command()
@click.argument("sources", nargs=-1, required=True)
@click.option(
    "--notation",
    "-n",
    type=click.Choice(list(NOTATIONS)),
    default="notes",
    show_default=True,
    help="The model text to write: notes, tab, abc, midi (= notes) or text.",
)
@click.option("--out", "-o", type=click.Path(dir_okay=False), required=True, help="The corpus file (.jsonl).")
@click.option("--jobs", "-j", type=click.IntRange(1), help="Worker processes (default: one per core).")
@click.option(
    "--transpose",
    is_flag=True,
    help="Also add each tune moved to the nearest fiddle key (G, D, A major; E, A, B minor), "
    "where it stays in the fiddle's range (note strings only).",
)
@click.option(
    "--parts-weight",
    type=click.IntRange(1, 10),
    default=1,
    show_default=True,
    help="Write each tune that is written in repeated parts (after --transpose) this many "
    "times, so that dance tunes are not drowned by songs (note strings only).",
)
@force_option
@progress_option
def corpus(
    sources: tuple[str, ...], notation: str, out: str, jobs: int | None, transpose: bool,
    parts_weight: int, force: bool,
) -> None:
    """Build a corpus of model-text documents from SOURCES.

    A source is `folk` (the ABC collections music21 ships: essenFolksong,
    oneills1850, ryansMammoth), `folk-test` (airdsAirs, miscFolk), `kjv` / `kjv-test`
    (the King James Bible from Debian's bible-kjv), or files and folders of notes,
    tab, ABC, MIDI or text. Parsing runs in parallel and is cached, so a second
    build is instant; tunes that cannot be read are skipped and counted.

    \b
    Example:
      notegen corpus folk --notation notes --out folk.jsonl
      notegen corpus kjv --notation text --out kjv.jsonl
      notegen corpus my_tunes/ --out mine.jsonl
      notegen corpus folk --transpose --parts-weight 2 --out folk-train.jsonl
    """
    from notetokens.corpus import SOURCES, Corpus, build, describe, save_jsonl, source
    from notetokens.errors import NotegenError
    from notetokens.outputs import check

    from .progress import bar

    note_strings = NOTATIONS[notation].model_text == "notes"  # the registry: tunes as note strings
    if transpose and not note_strings:
        raise NotegenError(f"--transpose moves tunes; {notation} text has none")
    if parts_weight > 1 and not note_strings:
        raise NotegenError(f"--parts-weight counts tunes in parts; {notation} text has none")
    check(out, force=force)  # before minutes of parsing
    total = Corpus()
    files = [s for s in sources if s not in SOURCES]
    with bar("parsing", unit="file") as progress:
        for name in sources:
            if name in SOURCES:
                total.extend(source(name, notation, progress=progress))
        if files:
            total.extend(build(files, notation, jobs=jobs, progress=progress))
    if not total.documents:
        first = f" (first: {total.skipped[0]})" if total.skipped else ""
        raise NotegenError(
            f"no {notation} documents from {total.files} file(s): "
            f"{len(total.skipped)} skipped{first}; {out} not written"
        )
    if transpose:
        from notetokens.transpose import fiddle_copy

        copies = [c for c in map(fiddle_copy, total.documents) if c is not None]
        click.echo(f"--transpose: {len(copies)} tunes moved to a fiddle key and added", err=True)
        total.documents += copies
    if parts_weight > 1:
        from notetokens.repeats import written_in_parts

        again = [d for d in total.documents if written_in_parts(d)] * (parts_weight - 1)
        click.echo(f"--parts-weight {parts_weight}: {len(again)} copies of tunes in parts added", err=True)
        total.documents += again
    save_jsonl(out, total, notation)
    click.echo(
        f"{out}: {len(total.documents)} documents, {total.chars:,} characters "
        f"from {total.files} files; {len(total.skipped)} skipped",
        err=True,
    )
    if note_strings:
        for line in describe(total):
            click.echo(f"  {line}", err=True)
    for line in total.skipped[:5]:
        click.echo(f"  skipped {line}", err=True)
