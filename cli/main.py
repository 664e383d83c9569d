"""The `notegen` command: a click group whose commands live in their own modules
and are imported only when used, so `notegen --help` stays fast (no torch)."""

from __future__ import annotations

import importlib
import os
import sys

import click

from notegen import __version__
from notetokens.errors import NotegenError, ParseError

# name -> "module:attribute"; each module imports only click at the top.
COMMANDS: dict[str, str] = {
    "sample": "notegen.cli.sample_cmd:sample",
    "text": "notegen.cli.model_cmds:text",
    "train": "notegen.cli.model_cmds:train",
    "eval": "notegen.cli.eval_cmd:eval_cmd",
    "judge": "notegen.cli.judge_cmd:judge",
    "corpus": "notegen.cli.corpus_cmd:corpus",
    "convert": "notegen.cli.convert_cmd:convert",
    "models": "notegen.cli.sample_cmd:models",
    "compare": "notegen.cli.compare_cmd:compare",
    "ports": "notegen.cli.live:ports",
    "live": "notegen.cli.live:live",
    "embed": "notegen.cli.embed_cmd:embed",
    "classify": "notegen.cli.classify_cmd:classify",
}


# `notegen` alone shows the help (click 8.2+ raises this; 8.1 prints and exits itself)
_NO_ARGS_IS_HELP: type[BaseException] | tuple[()] = getattr(click.exceptions, "NoArgsIsHelpError", ())


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


def usage_line(error: click.UsageError) -> str:
    """A usage error in one line naming the command, instead of click's usage
    block, help hint and message on three or four lines."""
    where = error.ctx.command_path if error.ctx is not None else "notegen"
    message = " ".join(error.format_message().split())
    return f"{where}: {message.rstrip('.')} (see '{where} --help')"


def _open_std_streams() -> None:
    """Give closed standard file descriptors /dev/null, so a file opened later
    cannot take descriptor 1 or 2 and receive output meant for the terminal.
    Python has already set sys.stdout to None for a closed stdout, which the
    output checks read as 'standard output is closed'."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)


def main(argv: list[str] | None = None) -> None:
    _open_std_streams()
    try:
        cli.main(args=argv, prog_name="notegen", standalone_mode=False)
        _flush_stdout()  # a full stdout fails here, not in the interpreter's exit
    except NotegenError as e:
        report(e)
        sys.exit(2)
    except _NO_ARGS_IS_HELP as e:
        e.show()
        sys.exit(e.exit_code)
    except click.UsageError as e:
        click.echo(usage_line(e), err=True)
        sys.exit(e.exit_code)
    except click.exceptions.Abort:
        click.echo("notegen: aborted", err=True)
        sys.exit(130)
    except click.ClickException as e:
        report(Exception(" ".join(e.format_message().split())))
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        _quiet_stdout()  # the reader has gone (| head): stop quietly, status 1 as click does
        sys.exit(1)
    except OSError as e:  # the environment failed (a vanished disk, a device), not the code
        _flush_stdout(quiet=True)
        where = f"{e.filename}: " if e.filename else ""
        report(Exception(f"{where}{e.strerror or e}"))
        sys.exit(2)


def _flush_stdout(quiet: bool = False) -> None:
    from notetokens.outputs import stdout_error

    if sys.stdout is None:
        return
    try:
        sys.stdout.flush()
    except OSError as e:
        error = stdout_error(e)  # also points stdout at /dev/null for the exit
        if not quiet:
            raise error from None


def _quiet_stdout() -> None:
    from notetokens.outputs import silence_stdout

    silence_stdout()
