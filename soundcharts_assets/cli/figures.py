"""The figures the CLI prints about spending, in the same words everywhere, and the account's own figures.

* **calls sent**: every HTTP request (pages, retries, failures): what the rate limit sees, and what the
  emulator counts as ``requests_total``;
* **calls billed**: the 2xx answers among them: what the monthly quota is charged, and what the spend
  ledger (``api_spend``) records;
* **quota left**: one number per moment, the lowest ``x-quota-remaining`` seen.

A figure nobody told us is printed as "unknown", never guessed and never a traceback: ``/team/usage`` names
its fields as it likes (the reference does not document them).
"""

from __future__ import annotations

import dataclasses
from typing import Any

CALLS_SENT = "calls sent"
CALLS_BILLED = "calls billed"
QUOTA_LEFT = "quota left"
UNKNOWN = "unknown"
USAGE_RETRIES = 1
"""``/team/usage`` is informational beside `status` and `budget`: one retry covers a blip, more only delays
the answer (the figures are then shown as unknown)."""


def shown(value: float | None, decimals: int = 0) -> str:
    """A figure with thousands separators, or "unknown"."""
    return UNKNOWN if value is None else f"{value:,.{decimals}f}"


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def account_usage() -> dict[str, Any]:
    """The account's figures from ``/team/usage`` (a free call); ``None`` where the answer does not say, and
    ``unavailable`` the reason when there was no answer."""
    from soundcharts_assets.settings import api_settings_from_env
    from soundcharts_assets.soundcharts import SoundchartsClient, SoundchartsError

    try:  # the settings too: a stopped `make demo` emulator leaves the account unknown, not the whole report
        settings = dataclasses.replace(api_settings_from_env(), max_retries=USAGE_RETRIES)
        with SoundchartsClient(settings) as client:
            usage = client.get_team_usage()
    except SoundchartsError as error:
        reason = (str(error).splitlines() or [type(error).__name__])[0]
        return {"quota_left": None, "calls_billed_this_month": None, "monthly_quota": None, "month": None,
                "unavailable": reason}  # fmt: skip
    return {
        "quota_left": usage.quota_remaining,
        "calls_billed_this_month": usage.used_this_month,
        "monthly_quota": usage.monthly_quota,
        "month": usage.month,
        "unavailable": None,
    }


def account_line(account: dict[str, Any]) -> str:
    """``quota left 998,540; monthly quota 1,000,000; calls billed in 2026-12: 1,460``: the whole account's
    figures (every client of the account), "unknown" where ``/team/usage`` did not say."""
    month = f"in {account['month']}" if account["month"] else "this month"
    line = (
        f"{QUOTA_LEFT} {shown(account['quota_left'])}; monthly quota {shown(account['monthly_quota'])}; "
        f"{CALLS_BILLED} {month}: {shown(account['calls_billed_this_month'])}"
    )
    if account["unavailable"]:
        line += f" (/team/usage did not answer: {account['unavailable']})"
    return line
