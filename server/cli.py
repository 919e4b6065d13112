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
    """Attest: a knowledge graph of who claimed what, grounded in the source texts."""
    try:
        ctx.obj = resolve(options)
    except SettingError as exc:
        raise click.UsageError(str(exc)) from None


for _command in loader_cli.COMMANDS:
    main.add_command(_command)


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


if __name__ == "__main__":
    main()
