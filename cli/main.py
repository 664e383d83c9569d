"""The `notegen` command: a click group whose commands live in their own modules
and are imported only when used, so `notegen --help` stays fast (no torch)."""

from __future__ import annotations

import importlib
import os
import sys
import warnings
from collections.abc import Callable

import click

from notegen import __version__
from notetokens.errors import NotegenError, NotegenWarning, ParseError

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
    "plugin": "notegen.cli.plugin_cmd:plugin",
}


# commands whose result is printed on standard output: refused up front when it
# is closed, before any work (`text` and `convert ... -` check it themselves)
REPORTS = frozenset({"models", "embed", "eval", "judge", "compare", "ports", "classify"})

# `notegen` alone shows the help (click 8.2+ raises this; 8.1 prints and exits itself)
_NO_ARGS_IS_HELP: type[BaseException] | tuple[()] = getattr(click.exceptions, "NoArgsIsHelpError", ())
_PYTHON_SHOWWARNING = warnings.showwarning


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._load(name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, cmd, rest = super().resolve_command(ctx, args)
        if name in REPORTS:
            from notetokens.outputs import require_stdout

            require_stdout(f"notegen {name}")
        return name, cmd, rest

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


def printable(text: str) -> str:
    """`text` on one line: a control character (a newline or an escape in a
    file's name) is shown as Python writes it in a string (`\\n`, `\\x1b`), so
    every message the command prints stays one line that says what is there."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def echo(text: str) -> None:
    """One line on stderr, shown with `printable`."""
    click.echo(printable(text), err=True)


def report(error: Exception) -> None:
    """One line on stderr: `file:line:col: message` when the place is known."""
    if isinstance(error, ParseError) and error.source:
        echo(str(error))
    else:
        echo(f"notegen: {error}")


def _show_warning(message: Warning | str, category: type[Warning], *args: object, **kw: object) -> None:
    """A notegen warning as one line; others as Python shows them."""
    if issubclass(category, NotegenWarning):
        echo(f"notegen: warning: {message}")
    else:
        _PYTHON_SHOWWARNING(message, category, *args, **kw)  # type: ignore[arg-type]


def usage_line(error: click.UsageError) -> str:
    """A usage error in one line naming the command, instead of click's usage
    block, help hint and message on three or four lines."""
    where = error.ctx.command_path if error.ctx is not None else "notegen"
    message = " ".join(error.format_message().split())
    return printable(f"{where}: {message.rstrip('.')} (see '{where} --help')")


def _open_std_streams() -> None:
    """Give closed standard file descriptors /dev/null, so a file opened later
    cannot take descriptor 1 or 2 and receive output meant for the terminal.
    Python has already set sys.stdout to None for a closed stdout; `main` wraps
    it in a `GuardedStdout`, which the output checks read as 'standard output
    is closed' and which refuses every print."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)


def main(argv: list[str] | None = None) -> None:
    from notetokens.outputs import GuardedStdout

    _open_std_streams()
    stdout = sys.stdout
    sys.stdout = GuardedStdout(stdout)  # type: ignore[assignment]  # a failed print names stdout
    warnings.showwarning = _show_warning
    try:
        code = _run(argv)
    finally:  # also past a command's own sys.exit
        sys.stdout = stdout
        warnings.showwarning = _PYTHON_SHOWWARNING
        if argv is None:  # the process's own command line, not a caller in Python
            _quiet_exit()
    sys.exit(code)


def _quiet_exit() -> None:
    """The exit status is decided and the process ends: a late Ctrl-C (a second
    one just after the one that stopped `train`) must not raise a KeyboardInterrupt
    traceback out of the interpreter's exit handlers (torch's among them)."""
    import signal
    from contextlib import suppress

    with suppress(ValueError):  # ValueError: not the main thread, not ours to set
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run(argv: list[str] | None) -> int:
    """The command's exit status; every failure a user can cause is one line."""
    try:
        cli.main(args=argv, prog_name="notegen", standalone_mode=False)
        _flush_stdout()  # a full stdout fails here, not in the interpreter's exit
        return 0
    except NotegenError as e:
        report(e)
        return 2
    except _NO_ARGS_IS_HELP as e:
        return _shown(e.show, e.exit_code)
    except click.UsageError as e:
        click.echo(usage_line(e), err=True)
        return e.exit_code
    except click.exceptions.Abort:
        click.echo("notegen: aborted", err=True)
        return 130
    except click.ClickException as e:
        report(Exception(" ".join(e.format_message().split())))
        return e.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _quiet_stdout()  # the reader has gone (| head): stop quietly, status 1 as click does
        return 1
    except OSError as e:  # the environment failed (a vanished disk, a device), not the code
        _flush_stdout(quiet=True)
        where = f"{e.filename}: " if e.filename else ""
        report(Exception(f"{where}{e.strerror or e}"))
        return 2


def _shown(show: Callable[[], object], code: int) -> int:
    """`show()` (the help), or 2 with one line if standard output fails."""
    try:
        show()
        _flush_stdout()
    except NotegenError as e:
        report(e)
        return 2
    except BrokenPipeError:
        _quiet_stdout()
        return 1
    return code


def _flush_stdout(quiet: bool = False) -> None:
    from notetokens.outputs import stdout_error

    if sys.stdout is None:
        return
    try:
        sys.stdout.flush()
    except (OSError, NotegenError) as e:  # GuardedStdout has already made it one line
        error = stdout_error(e) if isinstance(e, OSError) else e  # stdout now at /dev/null
        if not quiet:
            raise error from None


def _quiet_stdout() -> None:
    from notetokens.outputs import silence_stdout

    silence_stdout()
