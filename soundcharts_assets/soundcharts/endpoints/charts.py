"""Charts: the platforms, the charts of a platform, a ranking (latest or at a date), and the edition dates."""

from __future__ import annotations

from datetime import datetime

from .. import parsing
from ..models import Chart, ChartRanking
from .base import EndpointBase, atom, seg


class ChartEndpoints(EndpointBase):
    def list_song_chart_platforms(self) -> list[str]:
        path = "/api/v2/chart/song/platforms"
        return parsing.parse_chart_platforms(self._get("chart_platforms", path).data, f"chart_platforms (GET {path})")

    def list_song_charts(self, platform: str, country_code: str | None = None) -> list[Chart]:
        path = f"/api/v2/chart/song/by-platform/{seg(platform)}"
        params = {"countryCode": country_code} if country_code else {}
        items = self._all_items("charts_by_platform", path, params, subject=f"platform '{platform}'")
        return [parsing.parse_chart(item, f"charts_by_platform (GET {path})") for item in items]

    def get_chart_ranking(self, slug: str, at: datetime | None = None, max_entries: int | None = None) -> ChartRanking:
        """The latest edition when ``at`` is None, else the edition at ``at`` (see :meth:`list_ranking_dates`).

        With ``max_entries`` paging stops once that many entries are known: ``max_entries=1`` is one call that
        still tells the chart (name, platform, frequency, country, size) and its edition date.
        """
        endpoint = "ranking_latest" if at is None else "ranking_at"
        path = f"/api/v2.14/chart/song/{seg(slug)}/ranking/{'latest' if at is None else atom(at)}"
        where = f"{endpoint} (GET {path})"
        page_size = min(100, max_entries) if max_entries else 100
        pages = []
        for page in self._pages(endpoint, path, subject=f"chart '{slug}'", page_size=page_size):
            pages.append(page)
            if max_entries is not None and sum(len(p.items) for p in pages) >= max_entries:
                break
        chart, when = parsing.parse_ranking_related(pages[0].payload, where, slug, at)
        items = [i for page in pages for i in page.items]
        return parsing.build_ranking(chart, when, items[:max_entries] if max_entries else items, where)

    def list_ranking_dates(self, slug: str, max_items: int | None = None) -> list[datetime]:
        """Dates of the chart's editions, newest first.

        With ``max_items`` paging stops once that many are known: the API lists editions newest first, so a
        sensor asking for the latest edition costs one call instead of the whole history.
        """
        path = f"/api/v2/chart/song/{seg(slug)}/available-rankings"
        where = f"ranking_dates (GET {path})"
        page_size = min(100, max_items) if max_items else 100
        dates: list[datetime] = []
        for page in self._pages("ranking_dates", path, subject=f"chart '{slug}'", page_size=page_size):
            dates.extend(parsing.parse_ranking_dates(page.items, where))
            if max_items is not None and len(dates) >= max_items:
                break
        dates = sorted(set(dates), reverse=True)
        return dates[:max_items] if max_items is not None else dates
