"""User errors on the command line: one line, ``error: ...``, exit 1, no traceback.

A mistake a user can fix (a typo in a slug, bad credentials, a missing warehouse) is one of our typed errors
and becomes a :class:`UserError`. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import IO, Any

import click


class UserError(click.ClickException):
    """Printed as ``error: <first line>`` on stderr, exit code 1."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True, file=file)


def _typed_user_errors() -> tuple[type[BaseException], ...]:
    """Imported late: the CLI must start without loading the HTTP client or SQLAlchemy."""
    from soundcharts_assets.settings import SettingsError
    from soundcharts_assets.soundcharts.errors import SoundchartsError
    from soundcharts_assets.vocabulary import InvalidChartSlugError
    from soundcharts_assets.warehouse import WarehouseError

    return (SoundchartsError, WarehouseError, SettingsError, InvalidChartSlugError)


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def one_line_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn our typed errors into :class:`UserError`; other exceptions are bugs and keep their traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except _typed_user_errors() as error:
            raise UserError(first_line(error)) from None

    return wrapper
