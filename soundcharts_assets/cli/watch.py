"""`soundcharts-assets watch ...`: the artists, labels and charts you want to hear about (no API call).

``watch add artist SLUG_OR_UUID...``, ``watch add label "NAME"``, ``watch add chart SLUG``, ``watch list``,
``watch remove KIND TARGET``; ``--watchlist NAME`` (default ``default``) groups them, and alert digests are
grouped by watchlist. Every target is checked before any is stored; a malformed one is one line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from soundcharts_assets.cli.errors import UsageError, one_line_errors
from soundcharts_assets.clock import utc_now
from soundcharts_assets.vocabulary import WatchKind, validate_chart_slug
from soundcharts_assets.warehouse import Warehouse
from soundcharts_assets.warehouse.watchlists import Watch

DEFAULT_WATCHLIST = "default"
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_ARTIST_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")
_WATCHLIST = re.compile(r"^[\w][\w .:@+-]{0,63}$")
NOT_STORED = "not stored yet: watched from the day it appears"
F = TypeVar("F", bound=Callable[..., Any])


def watchlist_option(default: str | None = DEFAULT_WATCHLIST) -> Callable[[F], F]:
    return click.option(
        "--watchlist",
        "-w",
        default=default,
        show_default=default is not None,
        help="The watchlist (digests are grouped by watchlist).",
    )


@click.group()
def watch() -> None:
    """Watch artists, labels and charts; alerts say what changed about them (watching costs no API call)."""


@watch.command("add")
@click.argument("kind")
@click.argument("targets", nargs=-1)
@watchlist_option()
@one_line_errors
def watch_add(kind: str, targets: tuple[str, ...], watchlist: str) -> None:
    """Watch artists (slug or uuid), a label (its name) or charts (their slug): KIND is artist, label or chart."""
    from soundcharts_assets.cli.registry import open_warehouse

    what = _kind(kind)
    name = _watchlist(watchlist)
    if not targets:
        raise UsageError(f"name at least one {what.value} to watch (see `soundcharts-assets watch add --help`)")
    checked = [_target(what, target) for target in targets]
    with open_warehouse() as wh:
        resolved = [_resolve(wh, what, target) for target in checked]
        for target, shown, note in resolved:
            added = wh.add_watch(Watch(name, what.value, target, shown, utc_now()))
            verb = "watching" if added else "already watching"
            click.echo(f"{verb} {what.value} {shown or target} in watchlist {name}" + (f" ({note})" if note else ""))


@watch.command("list")
@watchlist_option(default=None)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@one_line_errors
def watch_list(watchlist: str | None, as_json: bool) -> None:
    """Every watched artist, label and chart, by watchlist."""
    from soundcharts_assets.cli.registry import open_warehouse

    with open_warehouse() as wh:
        watches = wh.list_watches(watchlist)
    if as_json:
        click.echo(json.dumps([vars(w) for w in watches], default=str))
        return
    if not watches:
        click.echo("nothing watched: soundcharts-assets watch add artist|label|chart TARGET")
    for w in watches:
        shown = w.display_name or w.target
        extra = f" ({w.target})" if shown != w.target else ""
        click.echo(f"{w.watchlist:<16} {w.kind:<7} {shown}{extra}  since {w.added_at:%Y-%m-%d}")


@watch.command("remove")
@click.argument("kind")
@click.argument("target")
@watchlist_option()
@one_line_errors
def watch_remove(kind: str, target: str, watchlist: str) -> None:
    """Stop watching one artist, label or chart (events already found stay in `alerts`)."""
    from soundcharts_assets.cli.registry import open_warehouse

    what = _kind(kind)
    with open_warehouse() as wh:
        candidates = [target, *_stored_forms(wh, what, target)]
        if not any(wh.remove_watch(watchlist, what.value, candidate) for candidate in dict.fromkeys(candidates)):
            raise UsageError(
                f"{what.value} {target!r} is not in watchlist {watchlist!r} (see `soundcharts-assets watch list`)"
            )
    click.echo(f"stopped watching {what.value} {target} in watchlist {watchlist}")


def _kind(raw: str) -> WatchKind:
    try:
        return WatchKind.parse(raw.lower(), "watch kind")
    except ValueError as error:
        raise UsageError(str(error)) from None


def _watchlist(raw: str) -> str:
    name = raw.strip()
    if not _WATCHLIST.match(name):
        raise UsageError(f"invalid watchlist name {raw!r}: use 1-64 letters, digits, spaces or . : @ + - _")
    return name


def _target(kind: WatchKind, raw: str) -> str:
    """The target as stored, or a one-line error saying what it should look like."""
    text = raw.strip()
    if kind == WatchKind.ARTIST:
        lowered = text.lower()
        if _UUID.match(lowered) or _ARTIST_SLUG.match(text):
            return lowered if _UUID.match(lowered) else text
        raise UsageError(f"invalid artist {raw!r}: use its Soundcharts slug (e.g. billie-eilish) or uuid")
    if kind == WatchKind.LABEL:
        if not text or len(text) > 200 or not text.isprintable():
            raise UsageError(f'invalid label {raw!r}: use the label\'s name as tracks show it, e.g. "Interscope"')
        return text
    return validate_chart_slug(text)


def _resolve(wh: Warehouse, kind: WatchKind, target: str) -> tuple[str, str | None, str | None]:
    """(what to store, what to show, a note): a stored artist is kept by uuid under its name, a label under its
    stored spelling; an unknown artist or label is accepted as typed; a chart must be followed."""
    if kind == WatchKind.ARTIST:
        artist = wh.find_artist(target)
        if artist is None:
            return target, None, NOT_STORED
        return artist.uuid, artist.name or artist.slug, None
    if kind == WatchKind.LABEL:
        stored = wh.stored_label(target)
        return (
            (stored, stored, None)
            if stored
            else (target, None, "no stored track has it yet: watched from the day one does")
        )
    chart = wh.get_chart(target)
    if chart is None:
        raise UsageError(
            f"chart {target!r} is not followed: run `soundcharts-assets charts add {target}` first "
            "(watching costs no API call; following a chart does)"
        )
    return target, None, None


def _stored_forms(wh: Warehouse, kind: WatchKind, target: str) -> list[str]:
    """Other spellings a watch of ``target`` may be stored under (an artist's uuid, a label's stored name)."""
    if kind == WatchKind.ARTIST:
        artist = wh.find_artist(target.strip())
        return [artist.uuid] if artist else []
    if kind == WatchKind.LABEL:
        stored = wh.stored_label(target.strip())
        return [stored] if stored else []
    return []


def watch_summary(wh: Warehouse) -> dict[str, dict[str, int]]:
    """Watches per watchlist and kind, for `status`."""
    found: dict[str, dict[str, int]] = {}
    for w in wh.list_watches():
        kinds = found.setdefault(w.watchlist, {})
        kinds[w.kind] = kinds.get(w.kind, 0) + 1
    return found


def watch_summary_lines(
    summary: dict[str, dict[str, int]], deliveries: dict[str, dict[str, int]], errors: dict[str, str]
) -> Sequence[str]:
    """``watchlists: ...`` and ``alerts: ...`` lines of `status`."""
    if summary:
        parts = [
            f"{name} ({', '.join(_count(n, kind) for kind, n in sorted(kinds.items()))})"
            for name, kinds in sorted(summary.items())
        ]
        lines = [f"watchlists: {'; '.join(parts)}"]
    else:
        lines = ["watchlists: none (soundcharts-assets watch add artist|label|chart TARGET)"]
    if deliveries:
        shown = "; ".join(
            f"{channel} {', '.join(f'{n} {status}' for status, n in sorted(counts.items()))}"
            + (f" (last error: {errors[channel]})" if channel in errors else "")
            for channel, counts in sorted(deliveries.items())
        )
        lines.append(f"alert deliveries: {shown}")
    return lines


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"
