"""Events are pure functions of stored data: chart moves, spikes, milestones, stale charts; digests; channels'
settings. Everything here is computed from hand-made inputs; the warehouse and real servers come later
(tests/integration/alerts/test_delivery.py)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import pytest
from pydantic import SecretStr

from soundcharts_assets.alerts.audience import Subject, audience_events, milestones, spikes
from soundcharts_assets.alerts.channels import BrokenChannel, EmailChannel, SlackChannel, channels_from_settings, redact
from soundcharts_assets.alerts.charts import ChartContext, chart_events, split_editions, stale_event
from soundcharts_assets.alerts.delivery import LONGEST_RETRY, retry_delay
from soundcharts_assets.alerts.digest import MAX_LINES_PER_WATCHLIST, build_digest
from soundcharts_assets.alerts.events import Watchers
from soundcharts_assets.settings import AlertSettings, SettingsError, alert_settings_from_env
from soundcharts_assets.warehouse.alert_inputs import RankedSong, SongCredits
from soundcharts_assets.warehouse.alerts import AlertEvent, Claim
from soundcharts_assets.warehouse.watchlists import StoredArtist, Watch

NOW = datetime(2026, 12, 10, 8, tzinfo=timezone.utc)
D0 = datetime(2026, 12, 7, tzinfo=timezone.utc)
D1, D2 = D0 + timedelta(days=1), D0 + timedelta(days=2)
STAR = StoredArtist("a-star", "the-star", "The Star")


def row(day: datetime, position: int, song: str, old: int | None = None, state: str | None = None) -> RankedSong:
    return RankedSong(day, position, song, f"Song {song}", "Credit", old, state, D0 - timedelta(days=30))


def credits(song: str, *artists: StoredArtist, labels: tuple[str, ...] = ()) -> SongCredits:
    return SongCredits(song, f"Song {song}", "Credit", artists, labels)


def watchers(*watches: tuple[str, str, str]) -> Watchers:
    return Watchers.of(Watch(watchlist, kind, target, None, NOW) for watchlist, kind, target in watches)


def context(editions: list[list[RankedSong]], since: datetime, songs: dict[str, SongCredits], history: datetime | None = None) -> ChartContext:  # fmt: skip
    rows = [r for edition in editions for r in edition]
    grouped, first = split_editions(rows, since)
    best: dict[str, int] = {}
    for r in (r for edition in grouped[:first] for r in edition):  # what best_positions_before reads
        best[r.song_uuid] = min(best.get(r.song_uuid, r.position), r.position)
    return ChartContext("top-xx", "Top XX", grouped, first, best, songs, history)


def test_a_watched_chart_reports_every_entry_re_entry_exit_and_a_new_number_one():
    day0 = [row(D0, 1, "a", 1, "SAME"), row(D0, 2, "b", 3, "UP"), row(D0, 3, "c", 2, "DOWN")]
    day1 = [row(D1, 1, "b", 2, "UP"), row(D1, 2, "a", 1, "DOWN"), row(D1, 3, "d", 0, "NEW")]
    day2 = [row(D2, 1, "b", 1, "SAME"), row(D2, 2, "c", 3, "RE_ENTRY"), row(D2, 3, "a", 2, "DOWN")]
    events = chart_events(context([day0, day1, day2], D1, {}), watchers(("charts", "chart", "top-xx")))
    found = {(e.kind, e.subject_uuid, e.event_date.isoformat()) for e in events}
    assert found == {
        ("number_one", "b", "2026-12-08"),  # b replaced a at #1; #1 kept on the 9th is no news
        ("entry", "d", "2026-12-08"),
        ("exit", "c", "2026-12-08"),
        ("re_entry", "c", "2026-12-09"),
        ("exit", "d", "2026-12-09"),
    }
    assert {e.watchlist for e in events} == {"charts"}
    number_one = next(e for e in events if e.kind == "number_one")
    assert number_one.message == 'New #1 on Top XX (top-xx) on 2026-12-08: "Song b" by Credit (was #2)'
    assert number_one.figures["previous_position"] == 2
    assert len({e.key for e in events}) == len(events)


def test_an_artist_or_label_hears_of_its_songs_moves_once_each_and_says_why():
    songs = {"a": credits("a", STAR), "b": credits("b", labels=("Indie Co",)), "c": credits("c")}
    day0 = [row(D0, i, s, i, "SAME") for i, s in enumerate(["x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "a", "c"], 1)]  # fmt: skip
    day1 = [row(D1, 1, "x1", 1, "SAME"), row(D1, 2, "a", 11, "UP"), row(D1, 3, "b", 0, "NEW")]
    found = chart_events(
        context([day0, day1], D1, songs, history=D0 - timedelta(days=60)),
        watchers(("roster", "artist", "the-star"), ("roster", "label", "indie co")),
    )
    kinds = {(e.kind, e.subject_uuid): e for e in found}
    assert set(kinds) == {("top_10", "a"), ("entry", "b")}  # c is nobody's; a's top-10 entry is its one move
    assert kinds[("top_10", "a")].message.endswith("[The Star]")
    assert kinds[("entry", "b")].message.endswith("[label Indie Co]")


def test_a_new_peak_needs_the_songs_whole_history_stored():
    songs = {"a": credits("a", STAR)}
    day0 = [row(D0, 1, "x", 1, "SAME"), row(D0, 2, "y", 2, "SAME"), row(D0, 30, "a", 31, "UP")]
    day1 = [row(D1, 1, "x", 1, "SAME"), row(D1, 2, "y", 2, "SAME"), row(D1, 20, "a", 30, "UP")]
    roster = watchers(("roster", "artist", "a-star"))
    known = chart_events(context([day0, day1], D1, songs, history=D0 - timedelta(days=60)), roster)
    assert [(e.kind, e.figures["best_before"]) for e in known] == [("new_peak", 30)]
    unknown = chart_events(context([day0, day1], D1, songs, history=D0), roster)  # entered before history
    assert unknown == []


def test_a_chart_is_stale_once_its_newest_edition_is_older_than_its_cadence_allows():
    today = date(2026, 12, 10)
    assert stale_event("d", "Daily", "daily", datetime(2026, 12, 8, tzinfo=timezone.utc), today) is None
    late = stale_event("d", "Daily", "daily", datetime(2026, 12, 7, tzinfo=timezone.utc), today)
    assert late is not None and late.watchlist == "*" and late.figures["age_days"] == 3
    assert (
        late.key
        == stale_event("d", "Daily", "daily", datetime(2026, 12, 7, tzinfo=timezone.utc), today + timedelta(days=4)).key
    )  # type: ignore[union-attr]  # one event per stall
    assert stale_event("w", "Weekly", "weekly", datetime(2026, 12, 2, tzinfo=timezone.utc), today) is None
    assert stale_event("w", "Weekly", "weekly", datetime(2026, 12, 1, tzinfo=timezone.utc), today) is not None


def steady(days: int, start: int = 1_000_000, pace: float = 2_000, noise: float = 300, seed: int = 1) -> list[tuple[date, int]]:  # fmt: skip
    draw = random.Random(seed)
    value, points = float(start), []
    for offset in range(days):
        value += pace + draw.gauss(0, noise)
        points.append((date(2026, 10, 1) + timedelta(days=offset), round(value)))
    return points


def test_a_steady_series_has_no_spike_however_long_it_runs():
    for seed in range(20):
        points = steady(120, seed=seed)
        assert list(spikes(points, points[0][0], k=6, baseline_days=28)) == []


def test_a_jump_far_beyond_the_series_pace_is_one_spike_with_its_figures():
    points = steady(60)
    day, value = points[50]
    jumped = points[:50] + [(d, v + 250_000) for d, v in points[50:]]  # a level shift, as the emulator scripts it
    found = list(spikes(jumped, jumped[0][0], k=6, baseline_days=28))
    assert [s.day for s in found] == [day]
    spike = found[0]
    assert spike.change_per_day > spike.threshold > spike.baseline_median
    assert 1_500 < spike.baseline_median < 2_500 and spike.baseline_points == 28


def test_a_series_crawled_every_few_days_compares_change_per_day():
    points = [(date(2026, 9, 1) + timedelta(days=3 * i), 50_000 + 3 * 400 * i) for i in range(30)]
    assert list(spikes(points, points[0][0], k=6, baseline_days=28)) == []  # 400 a day, every point 3 days apart


def test_milestones_are_passed_once_on_the_day_they_are_crossed():
    points = [(date(2026, 12, 1), 990_000), (date(2026, 12, 3), 1_004_000), (date(2026, 12, 4), 1_010_000)]
    assert list(milestones(points, date(2026, 12, 1), [1_000_000, 10_000_000])) == [
        (1_000_000, date(2026, 12, 3), 1_004_000)
    ]
    events = audience_events(Subject("a-star", "The Star", "spotify", "monthly_listeners"), points, {"roster": "The Star"}, date(2026, 12, 1), 6.0, 28, [1_000_000])  # fmt: skip
    assert [e.message for e in events] == ["The Star: Spotify monthly listeners passed 1M on 2026-12-03 (1,004,000)"]
    assert events[0].key == "roster|milestone|-|a-star|spotify.monthly_listeners>=1000000"


def event(watchlist: str, n: int) -> AlertEvent:
    return AlertEvent(f"{watchlist}|k|{n}", watchlist, "entry", "top-xx", f"s{n}", date(2026, 12, 9), f"event {n}")


def test_a_digest_groups_by_watchlist_and_stays_readable():
    claim = Claim("slack", "d1", [event("*", 0), *(event("roster", n) for n in range(MAX_LINES_PER_WATCHLIST + 3))], 0)
    digest = build_digest(claim, NOW)
    lines = digest.text.splitlines()
    assert lines[0] == f"Soundcharts alerts: {MAX_LINES_PER_WATCHLIST + 4} new events (2026-12-10 08:00 UTC)"
    assert "Followed charts: 1" in lines and 'Watchlist "roster": 43' in lines
    assert lines[-1] == "• ... and 3 more: soundcharts-assets alerts --watchlist 'roster'"
    assert len(digest.payload["events"]) == MAX_LINES_PER_WATCHLIST + 4  # the webhook gets every event
    assert digest.id == "d1" and digest.subject == f"Soundcharts alerts: {MAX_LINES_PER_WATCHLIST + 4} new events (Followed charts, roster)"  # fmt: skip


def test_retries_back_off_and_stay_bounded():
    assert [retry_delay(n) for n in (1, 2, 3)] == [timedelta(minutes=5), timedelta(minutes=10), timedelta(minutes=20)]
    assert retry_delay(30) == LONGEST_RETRY == timedelta(hours=6)


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        (
            {"slack_webhook_url": "hooks.slack.com/services/T/B/s3cr3t"},
            "slack: SOUNDCHARTS_ALERTS_SLACK_WEBHOOK_URL is not an http(s) URL with a host",
        ),
        ({"webhook_url": "ftp://x/s3cr3t"}, "webhook: SOUNDCHARTS_ALERTS_WEBHOOK_URL is not an http(s) URL"),
        (
            {"smtp_url": "mail://u:s3cr3t@h", "email_to": "a@b.c"},
            "email: SOUNDCHARTS_ALERTS_SMTP_URL is not an SMTP URL",
        ),
        ({"smtp_url": "smtp://u:s3cr3t@h:2525"}, "email: set SOUNDCHARTS_ALERTS_EMAIL_TO"),
    ],
)
def test_a_malformed_channel_setting_is_one_line_without_the_secret(settings, reason):
    values = {k: SecretStr(v) if k.endswith("url") else v for k, v in settings.items()}
    (channel,) = channels_from_settings(AlertSettings(**values))
    assert isinstance(channel, BrokenChannel)
    assert channel.reason.startswith(reason) and "\n" not in channel.reason and "s3cr3t" not in channel.reason


def test_well_formed_channels_keep_their_secrets_out_of_repr():
    settings = AlertSettings(
        slack_webhook_url=SecretStr("https://hooks.slack.com/services/T/B/s3cr3t"),
        smtp_url=SecretStr("smtps://u:s3cr3t@mail.example.com"),
        email_to="a@b.c, d@e.f",
    )
    slack, email = channels_from_settings(settings)
    assert isinstance(slack, SlackChannel) and isinstance(email, EmailChannel)
    assert email.recipients == ("a@b.c", "d@e.f")
    assert "s3cr3t" not in repr(slack) + repr(email) + repr(settings)


def test_redact_hides_every_form_of_a_secret():
    text = "failed for https://h/x/s3cr3t%21 and /x/s3cr3t!\nagain"
    assert redact(text, ["https://h/x/s3cr3t%21", "/x/s3cr3t%21"]) == "failed for *** and *** again"


def test_alert_settings_read_milestones_and_refuse_bad_numbers():
    assert alert_settings_from_env({"SOUNDCHARTS_ALERTS_MILESTONES": "10M, 1M,2.5k"}).milestones == (2_500, 1_000_000, 10_000_000)  # fmt: skip
    with pytest.raises(SettingsError, match=r"SOUNDCHARTS_ALERTS_SPIKE_K=0 must be above 0"):
        alert_settings_from_env({"SOUNDCHARTS_ALERTS_SPIKE_K": "0"})
    with pytest.raises(SettingsError, match=r"SOUNDCHARTS_ALERTS_MILESTONES='lots'"):
        alert_settings_from_env({"SOUNDCHARTS_ALERTS_MILESTONES": "lots"})
