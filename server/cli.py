"""The ``attest`` command: the loader's commands, plus ``serve``.

Every setting of :mod:`loader.settings` is a group option (``--kebab-case``),
read before the environment (``ATTEST_*``) and the defaults.
"""

from __future__ import annotations

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
def main(ctx: click.Context, **options: Any) -> None:
    """Attest: a knowledge graph of who claimed what, grounded in the source texts."""
    try:
        ctx.obj = resolve(options)
    except SettingError as exc:
        raise click.UsageError(str(exc)) from None


for _command in loader_cli.COMMANDS:
    main.add_command(_command)


if __name__ == "__main__":
    main()
