"""Progress bars, on a terminal only.

A bar is frames of one line redrawn with carriage returns: on a terminal it reads
as one line, but a script, a CI log or a notebook that captures stderr gets every
frame as a line of its own, mixed into the messages. So bars are shown when stderr
is a terminal, and `--progress/--no-progress` on the commands that have one
overrides that. `bar()` is a tqdm bar fed by `progress(done, total)` callbacks.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

# None: decide by whether stderr is a terminal; True or False: the user's choice
_choice: bool | None = None


def shown() -> bool:
    """Whether this command draws progress bars."""
    if _choice is not None:
        return _choice
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stderr
        return False


def _choose(ctx: click.Context, param: click.Parameter, value: bool | None) -> None:
    global _choice
    _choice = value


def progress_option(f: F) -> F:
    """`--progress/--no-progress` for a command that draws bars; the choice is
    read back with `shown()`, so the command's function takes no parameter."""
    return click.option(
        "--progress/--no-progress", default=None, expose_value=False, callback=_choose,
        is_eager=True,
        help="Draw progress bars on stderr (default: only when stderr is a terminal).",
    )(f)


@contextmanager
def bar(label: str, unit: str = "it") -> Iterator[Callable[[int, int], None] | None]:
    """A bar's update callback, or None (no bar) when bars are not shown."""
    if not shown():
        yield None
        return
    from tqdm import tqdm

    with tqdm(desc=label, unit=unit, dynamic_ncols=True, leave=True) as t:

        def update(done: int, total: int) -> None:
            if t.total != total:
                t.reset(total=total)
            t.n = done
            t.refresh()

        yield update
