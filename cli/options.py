"""Sampling options shared by `sample`, `text` and `live`, declared once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable[..., object])


def sampling_options(f: F) -> F:
    for option in reversed(
        [
            click.option(
                "--temperature",
                "-t",
                type=float,
                default=1.0,
                show_default=True,
                help="Randomness: below 1 safer and more repetitive, above 1 wilder (must be > 0).",
            ),
            click.option(
                "--top-k", type=click.IntRange(1), help="Sample only among the k likeliest characters."
            ),
            click.option(
                "--top-p",
                type=click.FloatRange(0, 1, min_open=True),
                help="Sample among the likeliest characters holding this much probability.",
            ),
            click.option(
                "--argmax",
                is_flag=True,
                help="Always take the likeliest character (the temperature -> 0 limit).",
            ),
            click.option("--seed", type=int, help="Random seed: the same seed gives the same output."),
        ]
    ):
        f = option(f)
    return f
