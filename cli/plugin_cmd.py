"""`notegen plugin`: install the LV2 plugin where DAWs find it, or remove it."""

from __future__ import annotations

import click

DIR_HELP = ("The folder of LV2 bundles [default: ~/.lv2; macOS ~/Library/Audio/Plug-Ins/LV2; "
            "Windows %APPDATA%/LV2].")


@click.group()
def plugin() -> None:
    """The LV2 plugin (urn:notegen:generator): tunes in your DAW, in time with it.

    \b
    notegen plugin install                 build it, put it in ~/.lv2 with the folk model
    notegen plugin install --model runs/mine --dir /tmp/lv2
    notegen plugin uninstall
    """


@plugin.command()
@click.option("--model", "-m", default="folk", show_default=True,
              help="A bundled notes model, a run directory or a checkpoint file.")
@click.option("--dir", "folder", type=click.Path(file_okay=False), help=DIR_HELP)
def install(model: str, folder: str | None) -> None:
    """Build the plugin (make -C plugin/lv2) and install the bundle notegen.lv2,
    replacing an older one only once the new one is complete.

    Needs a C compiler (gcc) and the LV2 headers (Debian: lv2-dev).
    """
    from pathlib import Path

    from notegen.plugin_install import URI
    from notegen.plugin_install import install as run_install

    done = run_install(model, Path(folder) if folder else None)
    verb = "replaced" if done.replaced else "installed"
    click.echo(f"{verb} {done.path} (model {done.model})")
    where = "" if done.visible else f"LV2_PATH={done.path.parent} "
    click.echo(f"check it: {where}lv2info {URI}")
    if not done.visible:
        click.echo(f"hosts look there only with LV2_PATH naming {done.path.parent}")


@plugin.command()
@click.option("--dir", "folder", type=click.Path(file_okay=False), help=DIR_HELP)
def uninstall(folder: str | None) -> None:
    """Remove the bundle notegen.lv2 (only a notegen bundle, never anything else)."""
    from pathlib import Path

    from notegen.plugin_install import BUNDLE, default_dir
    from notegen.plugin_install import uninstall as run_uninstall

    gone = run_uninstall(Path(folder) if folder else None)
    if gone is None:
        click.echo(f"nothing to remove: no {BUNDLE} in {folder or default_dir()}")
    else:
        click.echo(f"removed {gone}")
