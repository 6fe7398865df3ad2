"""The new-editions sensor's pure core: which editions are new, and its cursor."""

from datetime import datetime, timezone

from soundcharts_assets.defs.charts.editions import EditionRequest, dump_cursor, new_editions, parse_cursor

D1 = datetime(2026, 11, 20, tzinfo=timezone.utc)
D2 = datetime(2026, 11, 21, tzinfo=timezone.utc)


def test_new_chart_is_requested_once_and_stored_editions_are_skipped():
    latest = {"global-28": D2, "top-200-us": D2}
    requests = new_editions(latest, seen={}, stored_latest={"global-28": None, "top-200-us": D2})
    assert requests == [EditionRequest("global-28", D2)]
    assert requests[0].run_key == "global-28:2026-11-21"
    seen = {"global-28": D2.isoformat()}
    assert new_editions({"global-28": D2}, seen, {"global-28": None}) == []
    assert new_editions({"global-28": D2}, {"global-28": D1.isoformat()}, {"global-28": D1}) == [
        EditionRequest("global-28", D2)
    ]


def test_cursor_round_trip_and_garbage():
    assert parse_cursor(dump_cursor({"b": "2", "a": "1"})) == {"a": "1", "b": "2"}
    assert parse_cursor("not json") == {} and parse_cursor(None) == {} and parse_cursor("[1]") == {}
