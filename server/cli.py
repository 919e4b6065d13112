"""The ``attest`` command: the loader's commands, plus ``serve``.

Every setting of :mod:`loader.settings` is a group option (``--kebab-case``),
read before the environment (``ATTEST_*``) and the defaults.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import click

from loader import cli as loader_cli
from loader.errors import SettingError
from loader.settings import SETTINGS
from loader.settings import resolve


def _setting_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for setting in reversed(SETTINGS):
        command = click.option(
            setting.option,
            setting.name,
            default=None,
            metavar=setting.name.upper(),
            help=f"{setting.help} [env {setting.env}; default: {_shown(setting.default)}]",
        )(command)
    return command


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return " ".join(value) or "none"
    from loader.settings import PROJECT_DIR

    text = str(value)
    return text.replace(str(PROJECT_DIR), "<project>") if text else "empty"


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="attest")
@_setting_options
@click.pass_context
def main(ctx: click.Context, /, **options: Any) -> None:
    """Attest: a knowledge graph of who claimed what, grounded in the source texts.

    Every setting is an option of the group (attest --port 8080 serve) and of
    each command (attest serve --port 8080); the command's wins.
    """
    ctx.meta[_GROUP_OPTIONS] = options
    try:
        ctx.obj = resolve(options)
    except SettingError as exc:
        raise click.UsageError(str(exc)) from None


_GROUP_OPTIONS = "attest.group-options"
_COMMAND_OPTIONS = "attest.command-options"


def _remember_setting(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Re-resolve the settings with a command's own option winning over the group's."""
    if value is None or param.name is None:
        return value
    given = ctx.meta.setdefault(_COMMAND_OPTIONS, {})
    given[param.name] = value
    try:
        ctx.obj = resolve({**ctx.meta.get(_GROUP_OPTIONS, {}), **given})
    except SettingError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None
    return value


def _with_setting_options(command: click.Command) -> click.Command:
    """Give *command* (and a group's subcommands) every setting as an option of its own."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _with_setting_options(sub)
        return command
    taken = {opt for param in command.params for opt in getattr(param, "opts", ())}
    taken |= {param.name for param in command.params}
    for setting in SETTINGS:
        if setting.option in taken or setting.name in taken:
            continue
        command.params.append(
            click.Option(
                [setting.option, setting.name],
                default=None,
                metavar=setting.name.upper(),
                expose_value=False,
                callback=_remember_setting,
                help=f"{setting.help} [setting; also a group option]",
            )
        )
    return command


for _command in loader_cli.COMMANDS:
    main.add_command(_with_setting_options(_command))


@main.command()
@click.option(
    "--no-load", is_flag=True, help="Serve the store as it is: never build or rebuild it."
)
@click.pass_context
def serve(ctx: click.Context, no_load: bool) -> None:
    """Serve the graph: SPARQL, provenance API, pages (builds the seed graph if missing or stale)."""
    from loader import pipeline
    from loader.errors import LoadError
    from server import create_app
    from server import shedding

    settings = loader_cli.settings_of(ctx)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        memory = settings.store == "memory"
        if not no_load and not memory and pipeline.is_stale(settings):
            click.echo("The store is missing or older than the seeds: building it first.", err=True)
            report = pipeline.load(settings, progress=loader_cli._ProgressPrinter())
            click.echo(report.summary(), err=True)
        app = create_app(settings=settings)
        if memory and not no_load:
            report = pipeline.load(settings, store=app.extensions["attest"].store)
            click.echo(report.summary(), err=True)
    except LoadError as exc:
        raise click.ClickException(str(exc)) from None
    base = f"http://{settings.host}:{settings.port}"
    click.echo(f"Attest is serving {settings.store} store at {base}/")
    click.echo(f"  browse:   {base}/")
    click.echo(f"  SPARQL:   {base}/sparql")
    click.echo(f"  API:      {base}/api  (OpenAPI: {base}/api/openapi.json)")
    if memory or settings.store == "remote":
        click.echo("  queries:  run by the server or the remote store (no network isolation)")
    elif settings.network_isolation:
        reach = ", ".join(settings.service_allowlist) or "nothing"
        click.echo(f"  queries:  workers in their own network namespace; SERVICE reaches {reach}")
    else:
        click.echo("  queries:  NOT isolated from the network (setting network_isolation is off)")
    click.echo("Press Ctrl+C to stop.", nl=True)
    try:
        shedding.serve(app, settings)
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {settings.host}:{settings.port}: {exc.strerror}; choose another --port"
        ) from None
    finally:
        app.extensions["attest"].close()


_with_setting_options(serve)


if __name__ == "__main__":
    main()
