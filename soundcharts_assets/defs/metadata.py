"""The metadata users read in the Dagster UI: cascade step reports, and markdown tables of results."""

from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg
import pandas as pd

from soundcharts_assets.cascade import StepReport

PREVIEW_ROWS = 10


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"
    text = str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    """A GitHub-style markdown table (what the Dagster UI renders in metadata); '_no rows_' when empty."""
    if not rows:
        return "_no rows_"
    columns = list(columns or rows[0].keys())
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def report_metadata(report: StepReport, preview: pd.DataFrame | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "rows_written": dg.MetadataValue.int(report.rows_written),
        "entities_fetched": dg.MetadataValue.int(report.fetched),
        "entities_reused": dg.MetadataValue.int(report.reused),
        # The words of every surface (cli/figures.py): calls sent (every request, what the rate limit sees),
        # calls billed (2xx answers, what the quota is charged and the spend ledger records), quota left.
        "calls_sent": dg.MetadataValue.int(report.api_calls),
        "calls_billed": dg.MetadataValue.int(report.billed_calls),
    }
    if report.quota_remaining is not None:
        metadata["quota_left"] = dg.MetadataValue.int(report.quota_remaining)
    if report.ranking_date is not None:
        metadata["ranking_date"] = dg.MetadataValue.text(report.ranking_date.date().isoformat())
    if report.not_found or report.not_in_plan:
        metadata["not_found"] = dg.MetadataValue.int(report.not_found)
        metadata["not_in_plan"] = dg.MetadataValue.int(report.not_in_plan)
        metadata["gaps"] = dg.MetadataValue.md("\n".join(f"- {gap}" for gap in report.gaps[:50]))
    if report.notes:
        metadata["notes"] = dg.MetadataValue.md("\n".join(f"- {note}" for note in report.notes))
    if preview is not None:
        rows = preview.head(PREVIEW_ROWS).to_dict("records")
        metadata["preview"] = dg.MetadataValue.md(markdown_table(rows))
    return metadata
