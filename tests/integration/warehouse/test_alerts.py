"""The watchlists and the delivery ledger on SQLite and PostgreSQL: events stored once, a row claimed by one
sender only, failures retried after their backoff, a dead sender's digest taken back whole."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone

from soundcharts_assets import clock
from soundcharts_assets.warehouse import Warehouse
from soundcharts_assets.warehouse.alerts import AlertEvent
from soundcharts_assets.warehouse.watchlists import Watch
from tests.integration.warehouse.builders import ranking, song

NOW = datetime(2026, 12, 10, 8, tzinfo=timezone.utc)
LEASE = timedelta(minutes=10)


def events(*names: str) -> list[AlertEvent]:
    return [
        AlertEvent(
            f"roster|entry|top-fr|{n}|2026-12-09",
            "roster",
            "entry",
            "top-fr",
            n,
            date(2026, 12, 9),
            f"{n} entered",
            {"position": 3},
        )
        for n in names
    ]


def states(wh: Warehouse, channel: str) -> dict[str, str]:
    found = wh.alert_deliveries_of(e.key for e, _ in wh.alert_events_since())
    return {key: d.status for key, ds in found.items() for d in ds if d.channel == channel}


def test_an_event_is_stored_once_with_a_pending_delivery_per_channel(wh: Warehouse):
    assert wh.record_alert_events(events("a", "b"), ["slack", "email"], NOW) == [e.key for e in events("a", "b")]
    assert wh.record_alert_events(events("a", "b", "c"), ["slack", "email", "webhook"], NOW) == [events("c")[0].key]
    stored = wh.alert_events_since()
    assert [e.subject_uuid for e, _ in stored] == ["a", "b", "c"]
    assert stored[0][0].figures == {"position": 3} and stored[0][0].detected_at == NOW
    assert {d.channel for d in stored[0][1]} == {"slack", "email"}  # channels of the run that found it
    assert {d.channel for d in stored[2][1]} == {"slack", "email", "webhook"}
    assert wh.delivery_counts() == {"slack": {"pending": 3}, "email": {"pending": 3}, "webhook": {"pending": 1}}


def test_a_claimed_row_is_no_other_senders_until_it_is_finished(wh: Warehouse):
    wh.record_alert_events(events("a", "b"), ["slack"], NOW)
    (first,) = wh.claim_alert_deliveries("slack", "d1", NOW, NOW + LEASE)
    assert [e.subject_uuid for e in first.events] == ["a", "b"] and not first.resent
    assert wh.claim_alert_deliveries("slack", "d2", NOW, NOW + LEASE) == []  # nothing left to claim
    wh.record_alert_events(events("c"), ["slack"], NOW)
    (second,) = wh.claim_alert_deliveries("slack", "d3", NOW, NOW + LEASE)
    assert [e.subject_uuid for e in second.events] == ["c"]
    assert wh.finish_alert_delivery(first, NOW) == 2
    assert states(wh, "slack") == {
        events("a")[0].key: "sent",
        events("b")[0].key: "sent",
        events("c")[0].key: "sending",
    }


def test_a_failure_waits_for_its_backoff_then_goes_again(wh: Warehouse):
    wh.record_alert_events(events("a"), ["webhook"], NOW)
    (claim,) = wh.claim_alert_deliveries("webhook", "d1", NOW, NOW + LEASE)
    wh.finish_alert_delivery(claim, NOW, error="webhook: the webhook answered 500", retry_at=NOW + timedelta(minutes=5))
    assert wh.last_delivery_errors() == {"webhook": "webhook: the webhook answered 500"}
    assert wh.claim_alert_deliveries("webhook", "d2", NOW + timedelta(minutes=4), NOW + LEASE) == []
    (again,) = wh.claim_alert_deliveries("webhook", "d3", NOW + timedelta(minutes=5), NOW + LEASE)
    assert again.digest_id == "d3" and again.attempts == 1


def test_a_dead_senders_digest_is_taken_back_whole_once_its_lease_lapses(wh: Warehouse):
    wh.record_alert_events(events("a", "b"), ["email"], NOW)
    wh.claim_alert_deliveries("email", "dead", NOW, NOW + LEASE)  # ... and the process died before finishing
    wh.record_alert_events(events("c"), ["email"], NOW + timedelta(minutes=1))
    two = NOW + timedelta(minutes=2)
    (fresh,) = wh.claim_alert_deliveries("email", "d2", two, two + LEASE)
    assert [e.subject_uuid for e in fresh.events] == ["c"]  # the dead one's rows are still leased
    later = NOW + LEASE + timedelta(seconds=1)
    (resent,) = wh.claim_alert_deliveries("email", "d3", later, later + LEASE)
    assert (resent.digest_id, resent.resent, [e.subject_uuid for e in resent.events]) == ("dead", True, ["a", "b"])
    assert wh.claim_alert_deliveries("email", "d4", later, later + LEASE) == []  # taken back once


def test_two_senders_at_once_never_claim_the_same_row(wh: Warehouse):
    wh.record_alert_events(events(*(f"s{n:03}" for n in range(200))), ["slack"], NOW)
    claimed: list[list[str]] = []
    barrier = threading.Barrier(4)

    def sender(name: str) -> None:
        barrier.wait()
        for claim in wh.claim_alert_deliveries("slack", name, NOW, NOW + LEASE):
            claimed.append([e.key for e in claim.events])

    threads = [threading.Thread(target=sender, args=(f"d{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    keys = [key for claim in claimed for key in claim]
    assert len(keys) == len(set(keys)) == 200


def test_watchlists_keep_one_watch_per_target_and_find_stored_artists_and_labels(wh: Warehouse):
    watch = Watch("roster", "artist", "artist-a1", None, NOW)
    assert wh.add_watch(watch) is True
    assert wh.add_watch(watch) is False
    assert wh.add_watch(Watch("other", "artist", "artist-a1", None, NOW)) is True
    assert [(w.watchlist, w.target) for w in wh.list_watches()] == [("other", "artist-a1"), ("roster", "artist-a1")]
    wh.write_ranking(ranking(NOW, ["s1"]))
    wh.upsert_songs([song("s1", "a1")], fetched_at=NOW)
    wh.link_track_artists(wh.credited_artists(["s1"]))
    found = wh.find_artist("artist-a1")
    assert found is not None and found.uuid == "a1"
    assert wh.find_artist("a1") == found
    assert wh.find_artist("nobody") is None
    assert wh.stored_label("indie") == "Indie"  # as tracks spell it
    assert wh.stored_label("Major") is None
    assert wh.remove_watch("roster", "artist", "artist-a1") is True
    assert wh.remove_watch("roster", "artist", "artist-a1") is False


def test_events_of_a_stored_chart_and_the_reports_alerts_section(warehouse_url: str, monkeypatch):
    from soundcharts_assets.alerts.refresh import refresh_alerts
    from soundcharts_assets.insight.report import build_report
    from soundcharts_assets.settings import AlertSettings
    from tests.integration.insight_seed import SLUG, seed

    seed(warehouse_url)
    settings = AlertSettings(milestones=(1_200,))
    with Warehouse(warehouse_url) as wh:
        wh.add_watch(Watch("<b>lab</b>", "chart", SLUG, None, NOW))
        wh.add_watch(Watch("roster", "artist", "x", None, NOW))
        found = refresh_alerts(wh, [SLUG], settings, datetime(2024, 5, 12, 8, tzinfo=timezone.utc), channels=[])
        events = {(e.watchlist, e.kind, e.subject_uuid, e.event_date.isoformat()) for e in found.events_of(SLUG)}
        on_edition = "2024-05-10"
        assert events == {
            ("<b>lab</b>", "number_one", "c", on_edition),  # C took #1 from A
            ("<b>lab</b>", "entry", "f", on_edition),
            ("<b>lab</b>", "entry", "g", on_edition),  # NEW by the API's entry state
            ("<b>lab</b>", "re_entry", "h", on_edition),
            ("<b>lab</b>", "exit", "d", on_edition),
            ("<b>lab</b>", "exit", "e", on_edition),
            ("roster", "re_entry", "h", on_edition),  # h is Xavi Lume's
            ("roster", "milestone", "x", on_edition),  # Xavi Lume's followers: 1,100 -> 1,210
        }
        stale = refresh_alerts(wh, [SLUG], settings, datetime(2024, 5, 20, 8, tzinfo=timezone.utc), channels=[])
        assert [(e.watchlist, e.kind, e.figures["age_days"]) for e in stale.events_of(SLUG)] == [("*", "stale", 10)]
        monkeypatch.setenv("SOUNDCHARTS_TODAY", "2024-05-14")  # the report shows a week
        clock.reset()
        page = build_report(wh, SLUG).html
    section = page[page.index("<h2>Alerts</h2>") :]
    assert "&lt;b&gt;lab&lt;/b&gt;" in section and "<b>lab</b>" not in section
    assert "New #1 on Insight Test Top 6 (insight-test) on 2024-05-10: &quot;Northern Lights&quot;" in section
    assert "insight-test is stale" in section or "Insight Test Top 6 (insight-test) is stale" in section
    assert section.count("<tr>") == 1 + 9  # the header, then the 8 events of the edition and the stall
