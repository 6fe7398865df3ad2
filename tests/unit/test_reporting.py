"""Markdown tables shown as asset metadata."""

from soundcharts_assets.defs.reporting import markdown_table


def test_markdown_table_escapes_pipes():
    table = markdown_table([{"name": "a|b", "n": 1234.0}])
    assert table.splitlines()[0] == "| name | n |"
    assert "a\\|b" in table and "1,234" in table
    assert markdown_table([]) == "_no rows_"
