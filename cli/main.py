"""The `notegen` command: a click group whose commands live in their own modules
and are imported only when used, so `notegen --help` stays fast (no torch)."""

from __future__ import annotations

import importlib
import sys

import click

from notegen import __version__
from notetokens.errors import NotegenError, ParseError

# name -> "module:attribute"; each module imports only click at the top.
COMMANDS: dict[str, str] = {
    "sample": "notegen.cli.sample_cmd:sample",
    "text": "notegen.cli.model_cmds:text",
    "train": "notegen.cli.model_cmds:train",
    "eval": "notegen.cli.model_cmds:eval_cmd",
    "judge": "notegen.cli.judge_cmd:judge",
    "corpus": "notegen.cli.corpus_cmd:corpus",
    "convert": "notegen.cli.convert_cmd:convert",
    "models": "notegen.cli.sample_cmd:models",
    "compare": "notegen.cli.compare_cmd:compare",
    "ports": "notegen.cli.live:ports",
    "live": "notegen.cli.live:live",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._load(name)

    @staticmethod
    def _load(name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        return getattr(importlib.import_module(module), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="notegen")
def cli() -> None:
    """notegen: a char-RNN for melodies and text.

    \b
    notegen sample --out song.mid          a new folk tune from the bundled model
    notegen text --prime "In the beginning" text from the bundled KJV model
    notegen convert tune.txt tune.mid      between note strings, tabs, ABC, MIDI
    notegen train tunes/ --notation notes --preset tiny --out runs/mine
    """


def report(error: Exception) -> None:
    """One line on stderr: `file:line:col: message` when the place is known."""
    if isinstance(error, ParseError) and error.source:
        click.echo(str(error), err=True)
    else:
        click.echo(f"notegen: {error}", err=True)


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="notegen", standalone_mode=False)
    except NotegenError as e:
        report(e)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("notegen: aborted", err=True)
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
