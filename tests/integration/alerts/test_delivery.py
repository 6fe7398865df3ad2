"""Alerts over real sockets, day by day: the emulator's clock moves over natural and scripted events, the
cascade's steps store each day's data, and alerts go to an HTTP receiver standing for Slack and for a JSON
webhook, and to an SMTP server with a login (aiosmtpd), all on loopback.

One story, in order: every expected event reaches every channel once; a steady series never alerts; a
channel outage delivers nothing that day and everything the next; repeated runs send nothing; a run killed
between a send and its ledger write sends that digest again under the same id, once. The expectations come
from the emulator's catalogue (its editions and its scripted events), not from the code under test.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from soundcharts_assets import cascade, clock
from soundcharts_assets.alerts.refresh import AlertsOutcome, refresh_alerts
from soundcharts_assets.emulator import EmulatorConfig, EmulatorServer
from soundcharts_assets.emulator.catalogue import Catalogue
from soundcharts_assets.settings import alert_settings_from_env, api_settings_from_env, freshness_from_env
from soundcharts_assets.soundcharts.client import SoundchartsClient
from soundcharts_assets.warehouse import Warehouse
from soundcharts_assets.warehouse.alerts import AlertEvent
from soundcharts_assets.warehouse.schema import alert_deliveries
from soundcharts_assets.warehouse.watchlists import Watch
from tests.integration.alert_receivers import (
    SECRETS,
    SLACK_PATH,
    WEBHOOK_PATH,
    HttpReceiver,
    SmtpReceiver,
    http_receiver,
    smtp_receiver,
)

pytestmark = pytest.mark.slow

START = date(2026, 12, 1)
SLUG = "shazam-top-50-fr"  # daily, 50 songs: a week of refreshes in seconds
SPIKE_DAY = START + timedelta(days=2)
ENTRY_DAY = START + timedelta(days=2)  # the edition dated then is served from START + 3 on


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc)


@dataclass
class World:
    server: EmulatorServer
    wh: Warehouse
    client: SoundchartsClient
    http: HttpReceiver
    smtp: SmtpReceiver
    artist: str  # watched by slug in "roster", its monthly listeners jump on SPIKE_DAY
    artist_slug: str
    song: str  # one of the artist's songs, placed at #2 of the ENTRY_DAY edition
    milestone: int


def script() -> tuple[str, str, str, int]:
    """The watched artist (the main artist of the chart's #1 at START), a song of theirs off the chart, and a
    milestone the scripted jump crosses."""
    catalogue = Catalogue(seed=7, today=START)
    top = catalogue.song_record(catalogue.edition(SLUG).entries[0]["song"]["uuid"])
    assert top is not None
    artist = catalogue.artist_record(top.artist_uuids[0])
    assert artist is not None
    charted = {e["song"]["uuid"] for e in catalogue.edition(SLUG).entries}
    song = next(uuid for uuid in catalogue.song_uuids() if artist.uuid in catalogue.song_record(uuid).artist_uuids and uuid not in charted)  # type: ignore[union-attr]  # fmt: skip
    listeners = catalogue.monthly_listeners(artist.uuid, START - timedelta(days=10), START)[-1]["value"]
    return artist.uuid, artist.slug, song, round(listeners * 1.25)


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> Iterator[World]:
    artist, artist_slug, song, milestone = script()
    config = EmulatorConfig(
        seed=7,
        today=START,
        spikes=[{"uuid": artist, "source": "listening", "date": SPIKE_DAY.isoformat(), "factor": 1.6}],
        chart_entries=[{"chart": SLUG, "song": song, "date": ENTRY_DAY.isoformat(), "position": 2}],
    )
    with http_receiver() as http, smtp_receiver() as smtp, EmulatorServer(config) as server:
        for name, value in {
            "SOUNDCHARTS_BASE_URL": server.url,
            "SOUNDCHARTS_RATE_LIMIT_PER_MINUTE": "1000000",
            "SOUNDCHARTS_TODAY": START.isoformat(),
            "SOUNDCHARTS_ALERTS_SLACK_WEBHOOK_URL": http.url + SLACK_PATH,
            "SOUNDCHARTS_ALERTS_WEBHOOK_URL": http.url + WEBHOOK_PATH,
            "SOUNDCHARTS_ALERTS_SMTP_URL": smtp.url(),
            "SOUNDCHARTS_ALERTS_EMAIL_TO": "label@example.com, a&r@example.com",
            "SOUNDCHARTS_ALERTS_MILESTONES": str(milestone),
        }.items():
            monkeypatch.setenv(name, value)
        wh = Warehouse(sqlite_url)
        wh.migrate()
        wh.register_chart(SLUG, "daily")
        with SoundchartsClient(api_settings_from_env()) as client:
            yield World(server, wh, client, http, smtp, artist, artist_slug, song, milestone)
        wh.dispose()


def refresh_day(world: World, monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    """Move the clocks to ``day`` and run the cascade's steps for the chart, as a scheduled run would."""
    world.server.set_today(day)
    monkeypatch.setenv("SOUNDCHARTS_TODAY", day.isoformat())
    clock.reset()
    freshness, now, slugs = freshness_from_env(), noon(day), [SLUG]
    cascade.refresh_rankings(world.client, world.wh, slugs)
    cascade.refresh_tracks(world.client, world.wh, slugs, freshness, now=now)
    cascade.link_artists(world.wh, slugs)
    cascade.refresh_artist_metadata(world.client, world.wh, slugs, freshness, now=now)
    cascade.refresh_track_audience(world.client, world.wh, slugs, freshness, now=now)
    cascade.refresh_artist_audience(world.client, world.wh, slugs, freshness, now=now)


def alerts(world: World, at: datetime) -> AlertsOutcome:
    return refresh_alerts(world.wh, [SLUG], alert_settings_from_env(), at)


def errors(outcome: AlertsOutcome) -> dict[str, str | None]:
    return {channel.channel: channel.error for channel in outcome.channels}


def expected_chart_events(catalogue: Catalogue, first: date, last: date) -> set[tuple[str, str, date]]:
    """What watching the chart must report for the editions dated ``first`` to ``last``, from the catalogue."""
    found: set[tuple[str, str, date]] = set()
    previous: list[dict] | None = None
    day = first
    while day <= last:
        entries = catalogue.ranking(SLUG, day)
        for entry in entries:
            kind = {"NEW": "entry", "RE_ENTRY": "re_entry"}.get(entry["entryState"])
            if kind:
                found.add((kind, entry["song"]["uuid"], day))
        top = entries[0]["song"]["uuid"]
        if (previous is None and entries[0]["oldPosition"] != 1) or (previous and previous[0]["song"]["uuid"] != top):
            found.add(("number_one", top, day))
        if previous is not None:
            here = {entry["song"]["uuid"] for entry in entries}
            found |= {("exit", e["song"]["uuid"], day) for e in previous if e["song"]["uuid"] not in here}
        previous, day = entries, day + timedelta(days=1)
    return found


def stored(world: World) -> list[AlertEvent]:
    return [event for event, _ in world.wh.alert_events_since()]


def bullet_lines(texts: list[str]) -> Counter[str]:
    return Counter(line[2:] for text in texts for line in text.splitlines() if line.startswith("• "))


def test_alerts_reach_every_channel_once_through_outages_repeats_and_a_crash(world, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    wh, http, smtp = world.wh, world.http, world.smtp
    now = noon(START)
    wh.add_watch(Watch("charts", "chart", SLUG, None, now))
    wh.add_watch(Watch("roster", "artist", world.artist_slug, None, now))

    for offset in range(3):  # three ordinary days
        day = START + timedelta(days=offset)
        refresh_day(world, monkeypatch, day)
        outcome = alerts(world, noon(day))
        assert errors(outcome) == {"slack": None, "email": None, "webhook": None}
    assert len(http.received(WEBHOOK_PATH)) == len(http.received(SLACK_PATH)) == len(smtp.received()) == 3

    outage = START + timedelta(days=3)  # Slack and the webhook answer 500; e-mail still works
    refresh_day(world, monkeypatch, outage)
    http.status = 500
    down = alerts(world, noon(outage))
    assert errors(down) == {
        "slack": "slack: the webhook answered 500 (internal_error)",
        "email": None,
        "webhook": "webhook: the webhook answered 500 (internal_error)",
    }
    assert down.new_keys, "the outage day has events of its own"
    again = alerts(world, noon(outage) + timedelta(minutes=1))  # within the backoff: not even tried
    assert [c.digests + c.failed for c in again.channels] == [0, 0, 0]

    back = START + timedelta(days=4)
    http.status = 200
    refresh_day(world, monkeypatch, back)
    assert all(channel.error is None for channel in alerts(world, noon(back)).channels)
    sent_before = (len(http.posts), len(smtp.received()))
    repeat = alerts(world, noon(back) + timedelta(minutes=1))  # a repeated (or retried) run: nothing is due
    assert repeat.new_keys == frozenset() and (len(http.posts), len(smtp.received())) == sent_before

    # A run killed after the webhook took its digest and before the ledger said so.
    crash = START + timedelta(days=5)
    refresh_day(world, monkeypatch, crash)
    finish = Warehouse.finish_alert_delivery

    def killed_after_the_webhook(self, claim, at, error=None, retry_at=None):
        if claim.channel == "webhook" and error is None:
            raise KeyboardInterrupt("the run was killed here")
        return finish(self, claim, at, error=error, retry_at=retry_at)

    monkeypatch.setattr(Warehouse, "finish_alert_delivery", killed_after_the_webhook)
    with pytest.raises(KeyboardInterrupt):
        alerts(world, noon(crash))
    monkeypatch.setattr(Warehouse, "finish_alert_delivery", finish)
    hooks_before = len(http.received(WEBHOOK_PATH))
    alerts(world, noon(crash) + timedelta(minutes=1))  # its lease still holds: not sent again yet
    assert len(http.received(WEBHOOK_PATH)) == hooks_before
    resent = alerts(world, noon(crash) + timedelta(minutes=11))
    assert [(c.channel, c.digests) for c in resent.channels if c.digests] == [("webhook", 1)]

    events = stored(world)
    keys = {event.key for event in events}
    # Every channel got every event; the webhook got the killed run's digest twice under one id.
    hooks = http.received(WEBHOOK_PATH)
    by_id = {post.body["id"]: post for post in hooks}
    assert len(hooks) == len(by_id) + 1
    repeated = [post for post in hooks if post.body["resent"]]
    assert len(repeated) == 1 and repeated[0].headers["Idempotency-Key"] == repeated[0].body["id"]
    assert Counter(e["key"] for post in by_id.values() for e in post.body["events"]) == Counter(keys)
    messages = Counter(event.message for event in events)
    assert bullet_lines([post.body["text"] for post in http.received(SLACK_PATH)]) == messages
    mails = smtp.received()
    assert bullet_lines([mail.get_payload(decode=True).decode() for mail in mails]) == messages
    assert len({mail["Message-ID"] for mail in mails}) == len(mails)
    assert all(mail["To"] == "label@example.com, a&r@example.com" for mail in mails)
    assert wh.delivery_counts() == {channel: {"sent": len(keys)} for channel in ("slack", "email", "webhook")}

    # The chart's watchlist heard of exactly the catalogue's entries, re-entries, exits and new #1s.
    last_edition = crash - timedelta(days=1)
    expected = expected_chart_events(world.server.catalogue, START - timedelta(days=1), last_edition)
    assert {(e.kind, e.subject_uuid, e.event_date) for e in events if e.watchlist == "charts"} == expected
    assert ("entry", world.song, ENTRY_DAY) in expected or ("re_entry", world.song, ENTRY_DAY) in expected

    # The roster heard of the scripted entry of its artist's song, of the scripted jump and the milestone it
    # crossed, and of no spike anywhere else: every other series is steady.
    roster = [e for e in events if e.watchlist == "roster"]
    assert {(e.kind, e.event_date) for e in roster if e.subject_uuid == world.song} >= {("entry", ENTRY_DAY)} or {
        (e.kind, e.event_date) for e in roster if e.subject_uuid == world.song
    } >= {("re_entry", ENTRY_DAY)}
    spikes = [e for e in events if e.kind == "spike"]
    assert [(e.subject_uuid, e.figures["series"]) for e in spikes] == [(world.artist, "Spotify monthly listeners")]
    assert SPIKE_DAY <= spikes[0].event_date <= SPIKE_DAY + timedelta(days=2)  # the first crawl on or after it
    figures = spikes[0].figures
    assert figures["change_per_day"] > figures["threshold_per_day"] > figures["baseline_median_per_day"]
    crossed = [e for e in events if e.kind == "milestone" and e.subject_uuid == world.artist]
    assert [(e.figures["series"], e.event_date) for e in crossed] == [
        ("Spotify monthly listeners", spikes[0].event_date)
    ]
    assert all(e.figures["value"] >= world.milestone for e in events if e.kind == "milestone")

    # No secret anywhere: not in the events, the ledger's errors, the outcomes or the logs.
    with wh.engine.connect() as conn:
        ledger_errors = [str(v) for v in conn.execute(sa.select(alert_deliveries.c.last_error)).scalars()]
    shown = " ".join([*(e.message + str(e.figures) for e in events), *ledger_errors, caplog.text])
    shown += " ".join(c.summary() for o in (down, again, resent) for c in o.channels)
    assert not [secret for secret in SECRETS if secret in shown]


def test_an_smtp_server_refusing_the_login_is_one_line_and_the_other_channels_deliver(world, monkeypatch):
    world.wh.add_watch(Watch("charts", "chart", SLUG, None, noon(START)))
    refresh_day(world, monkeypatch, START)
    monkeypatch.setenv("SOUNDCHARTS_ALERTS_SMTP_URL", world.smtp.url(password="wrong-s3cr3t"))
    outcome = alerts(world, noon(START))
    email = errors(outcome)["email"]
    assert email is not None and "\n" not in email and "wrong-s3cr3t" not in email
    assert email.startswith("email: the SMTP server refused the login (535 ")
    assert email.endswith("check the user and password in SOUNDCHARTS_ALERTS_SMTP_URL")
    assert errors(outcome)["slack"] is None and errors(outcome)["webhook"] is None
    assert world.smtp.received() == []
    events = len(outcome.new_keys)
    assert world.wh.delivery_counts()["email"] == {"failed": events}  # kept, retried at a later run
    monkeypatch.setenv("SOUNDCHARTS_ALERTS_SMTP_URL", world.smtp.url())
    later = alerts(world, noon(START) + timedelta(minutes=6))
    assert [(c.channel, c.sent) for c in later.channels if c.sent] == [("email", events)]


def test_a_malformed_webhook_url_is_one_line_and_its_events_wait_for_the_fix(world, monkeypatch):
    world.wh.add_watch(Watch("charts", "chart", SLUG, None, noon(START)))
    refresh_day(world, monkeypatch, START)
    monkeypatch.setenv("SOUNDCHARTS_ALERTS_WEBHOOK_URL", "hooks.example.com/s3cr3t-webhook-token")
    outcome = alerts(world, noon(START))
    assert errors(outcome)["webhook"] == (
        "webhook: SOUNDCHARTS_ALERTS_WEBHOOK_URL is not an http(s) URL with a host (its value is not shown: it is "
        "a secret)"
    )
    assert errors(outcome)["slack"] is None and errors(outcome)["email"] is None
    assert world.wh.delivery_counts()["webhook"] == {"failed": len(outcome.new_keys)}
