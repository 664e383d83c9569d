"""A tqdm progress bar fed by `progress(done, total)` callbacks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def bar(label: str, unit: str = "it") -> Iterator[Callable[[int, int], None]]:
    from tqdm import tqdm

    with tqdm(desc=label, unit=unit, dynamic_ncols=True, leave=True) as t:

        def update(done: int, total: int) -> None:
            if t.total != total:
                t.reset(total=total)
            t.n = done
            t.refresh()

        yield update
