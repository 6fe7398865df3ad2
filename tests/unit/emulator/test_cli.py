"""The emulator's CLI flags reach the config: parsed by click exactly as ``python -m ...emulator`` parses them."""

from __future__ import annotations

from datetime import date

import click
import pytest

from soundcharts_assets.emulator.cli import config_from_options, main


def _config(*args: str):
    return config_from_options(**main.make_context("emulator", list(args)).params)


def test_new_flags_set_their_knobs() -> None:
    config = _config(
        "--today",
        "2026-11-30",
        "--charts",
        "120",
        "--no-current-stats",
        "--no-crawl-cadence",
        "--small-accounts",
        "--seed",
        "3",
    )
    assert config.today == date(2026, 11, 30) and config.charts == 120 and config.seed == 3
    assert config.current_stats_in_plan is False and config.crawl_cadence is False and config.small_accounts is True


def test_defaults_leave_the_default_catalogue() -> None:
    config = _config()
    assert (config.today, config.charts, config.small_accounts) == (None, None, None)
    assert config.current_stats_in_plan is True and config.crawl_cadence is True


def test_a_fleet_larger_than_the_candidates_is_refused() -> None:
    with pytest.raises(click.BadParameter):
        _config("--charts", "5000")
