"""The account's usage: quota and rate limit, the one call that costs nothing."""

from __future__ import annotations

from .. import parsing
from ..models import TeamUsage
from .base import EndpointBase


class UsageEndpoints(EndpointBase):
    def get_team_usage(self) -> TeamUsage:
        """Quota and usage; free, so it is allowed even below the quota floor."""
        response = self._get("team_usage", "/api/v2/team/usage", free=True)
        return parsing.parse_team_usage(response.data, response.headers.get("x-quota-remaining"))
