"""User errors on the command line: one line, ``error: ...``, no traceback.

Exit codes: 0 success, 1 a failure at run time (a chart that failed, bad credentials, a missing warehouse),
2 bad usage (a malformed slug or date, a chart that is not followed, contradictory arguments), like click's
own usage errors. A mistake a user can fix is one of our typed errors and becomes a :class:`UserError` (or a
:class:`UsageError`); anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import IO, Any

import click

EXIT_FAILED = 1
EXIT_USAGE = 2


class UserError(click.ClickException):
    """Printed as ``error: <first line>`` on stderr, exit code 1."""

    exit_code = EXIT_FAILED

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True, file=file)


class UsageError(UserError):
    """The command was asked for something it cannot do as written: one line, exit code 2."""

    exit_code = EXIT_USAGE


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


def _as_user_error(error: BaseException) -> UserError:
    from soundcharts_assets.vocabulary import InvalidChartSlugError

    return (UsageError if isinstance(error, InvalidChartSlugError) else UserError)(first_line(error))


def one_line_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn our typed errors into :class:`UserError` (:class:`UsageError` for bad usage); other exceptions
    are bugs and keep their traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except _typed_user_errors() as error:
            raise _as_user_error(error) from None

    return wrapper
