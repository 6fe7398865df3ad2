"""The Dagster instance's event log on PostgreSQL, waiting out a brief outage of its server.

``dagster-postgres`` retries opening a connection, but not a statement whose connection the server drops
(a restart terminates open connections): a step that logs at that moment failed the whole run with
"server closed the connection unexpectedly". Events are written by every step process all the time, so
with the instance database restarting for 2 s a run failed about one time in four. Here ``store_event``
is retried, whole, like a warehouse transaction (``warehouse.outages``): same test of what an outage is,
same bounded wait (``SOUNDCHARTS_DB_OUTAGE_WAIT_SECONDS``). A retried insert may store the event twice if
the server committed it just before dropping the connection; a duplicate log line beats a failed run.

deploy/postgres/dagster.yaml names this class as its ``event_log_storage``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from dagster._core.events.log import EventLogEntry
from dagster._serdes import ConfigurableClassData
from dagster_postgres.event_log import PostgresEventLogStorage
from dagster_postgres.utils import get_token_provider_from_config, pg_url_from_config

from soundcharts_assets.warehouse.outages import OutageRetry


class OutageTolerantEventLogStorage(PostgresEventLogStorage):
    """``PostgresEventLogStorage`` whose event writes wait out a server restart (module docstring)."""

    def __init__(self, postgres_url: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(postgres_url, *args, **kwargs)
        self._outages = OutageRetry(sa.make_url(postgres_url))

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> OutageTolerantEventLogStorage:
        return cls(
            inst_data=inst_data,
            postgres_url=pg_url_from_config(config_value),
            should_autocreate_tables=config_value.get("should_autocreate_tables", True),
            token_provider=get_token_provider_from_config(config_value),
        )

    def store_event(self, event: EventLogEntry) -> None:
        self._outages.run(lambda: super(OutageTolerantEventLogStorage, self).store_event(event))
