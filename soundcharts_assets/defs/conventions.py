"""What every chart asset shares: owners, kinds, the API pool and retry policy, the partition key as a chart
slug, and how our own errors become one-line Dagster failures.

Each asset group (``charts/``, ``catalogue/``, ``audience/``, ``insight/``, ``alerts/``) builds its assets from
these, so a rule such as "API-calling steps share the ``soundcharts_api`` pool" is written once. A group names
another group's assets by key (``deps=["chart_rankings"]``), never by import: groups stand alone (import-linter).
"""

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import dagster as dg
import httpx

from soundcharts_assets.defs.names import API_POOL, CELERY_QUEUE_TAG, PRIORITY_TAG, TRIGGER_TAG
from soundcharts_assets.defs.partitions import chart_partitions
from soundcharts_assets.settings import SettingsError, api_settings_from_env
from soundcharts_assets.soundcharts.errors import RateLimitedError, ServiceUnavailableError, SoundchartsError
from soundcharts_assets.vocabulary import InvalidChartSlugError, validate_chart_slug
from soundcharts_assets.warehouse import WarehouseError

OWNERS = ["team:chart-analytics"]
KINDS = {"soundcharts", "python", "sql"}
#: Transient API trouble outlasting the client's own retries gets two more tries a little later.
API_RETRY = dg.RetryPolicy(max_retries=2, delay=20, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)


_condition = dg.AutomationCondition


def _updated_outside_our_runs() -> dg.AutomationCondition:
    """A dependency updated by a run that is not one of ours (a UI click, an automation run) or by a runless
    report, or requested now.

    Why: eager remembers "a dependency updated" from the moment a fleet run stores its ranking, and forgets it
    only when its automation tick sees the asset's own materialization. A materialization landing while a tick
    evaluates is seen neither as in progress nor as new, so the next tick re-ran it: 22 runs after a 50-chart
    fleet run (``track_audience``, then ``alerts`` for 31 charts, then ``track_momentum``), 100 s on a 230 s
    fleet (docs/benchmarks.md). Dagster's own exception (a dependency updated by a run that also targets the
    asset) holds only when the run names its assets (``asset_selection``), which a job's runs do not, and only
    for an asset's last materialized partition; ``all_new_updates_have_run_tags`` looks at each partition's
    new materializations, so a UI click followed by one of our runs still counts.

    That test reads the event log from the previous tick's last event id. After a tick that saw an empty event
    log (a brand-new instance) there is none, and it names no run; our event logs are therefore never empty
    when a tick asks (``instance_events.py``).
    """
    return _condition.any_deps_match(
        (
            _condition.newly_updated()
            & ~_condition.executed_with_root_target()
            & ~_condition.all_new_updates_have_run_tags(tag_keys={TRIGGER_TAG})
        ).with_label("newly_updated_outside_our_runs")
        | _condition.will_be_requested()
    ).with_label("any_deps_updated_outside_our_runs")


def _eager(trigger: dg.AutomationCondition, label: str) -> dg.AutomationCondition:
    """Dagster's ``eager()`` with our own trigger: what it remembers until the asset is requested or updated."""
    return (
        _condition.in_latest_time_window()
        & trigger.since_last_handled()
        & ~_condition.any_deps_missing()
        & ~_condition.any_deps_in_progress()
        & ~_condition.in_progress()
    ).with_label(label)


#: The cascade and insight steps: ``eager()``, except that an update made by one of our own runs (tagged
#: ``TRIGGER_TAG``) pulls nothing: those runs refresh the whole cascade in one go, and their alerts are started
#: by the sensors of ``defs/alerts/sensors.py``. What a user materializes in the UI (no such tag) still pulls the
#: rest, and a new chart's missing steps are filled in.
FOLLOW_UPSTREAM = _eager(_condition.newly_missing() | _updated_outside_our_runs(), "eager, except after our own runs")

#: ``alerts``: only updates outside our runs pull it, not "missing": a new chart's alerts are missing for the
#: whole of its first cascade run: eager requested them as soon as the steps they read had stored, and the
#: run's end started them again. ``alerts_when_stored`` starts them at that moment, once per cascade run.
FOLLOW_UPDATES_OUTSIDE_OUR_RUNS = _eager(_updated_outside_our_runs(), "after updates outside our runs")


def chart_slugs(context: dg.AssetExecutionContext) -> list[str]:
    """The chart partitions of this step: one (a UI Materialize) or a whole fleet (a range run)."""
    try:
        return [validate_chart_slug(key) for key in context.partition_keys]
    except InvalidChartSlugError as error:
        raise dg.Failure(description=str(error), allow_retries=False) from None


def lease_owner(context: dg.AssetExecutionContext) -> str:
    """Leases belong to a run, not to a chart: two runs of one chart never both fetch, and a retry of a
    killed run (same root run) takes back what the killed run had leased."""
    return context.run.tags.get("dagster/root_run_id") or context.run_id


@contextmanager
def failures_for_users() -> Iterator[None]:
    """Turn our own errors into one-line Dagster failures; only transient API trouble is worth a retry.

    The line is what `cascade --wait` prints for each chart of the run, so it says what went wrong and what to
    do. An API nobody answers at (connection refused, unknown host) is named with its URL and not retried: the
    client has already retried, and a mistyped URL should not keep a user waiting for a minute.
    """
    try:
        yield
    except (SoundchartsError, WarehouseError, SettingsError) as error:
        unreachable = isinstance(error, ServiceUnavailableError) and isinstance(error.__cause__, httpx.ConnectError)
        transient = isinstance(error, (ServiceUnavailableError, RateLimitedError)) and not unreachable
        description = unreachable_api_message(error) if unreachable else str(error)
        raise dg.Failure(description=description, allow_retries=transient) from None


def unreachable_api_message(error: Exception) -> str:
    """Where the API was looked for, and the variable that says where it is (no secret: a base URL has none)."""
    cause = type(error.__cause__).__name__ if error.__cause__ else "no answer"
    try:
        url = httpx.URL(api_settings_from_env().base_url).copy_with(username=None, password=None)
    except (SettingsError, httpx.InvalidURL):
        url = httpx.URL("")
    return f"cannot reach the Soundcharts API at {url} ({cause}): check SOUNDCHARTS_BASE_URL and your network"


# ``backfill_policy`` is "beta" in Dagster 1.13; we rely on it knowingly (tests pin what a fleet run does).
warnings.filterwarnings("ignore", message="Parameter `backfill_policy`")

#: A fleet refresh is one run over a range of charts, each step working over the union of their entities; a
#: backfill from the UI, automation or the CLI of many charts then makes one run per contiguous block.
FLEET = dg.BackfillPolicy.single_run()


def chart_asset(**kwargs: Any) -> Callable[..., dg.AssetsDefinition]:
    """A chart-partitioned asset that can refresh a whole fleet of charts in one step."""
    decorator: Callable[..., dg.AssetsDefinition] = dg.asset(
        partitions_def=chart_partitions, owners=OWNERS, backfill_policy=FLEET, **kwargs
    )
    return decorator


METADATA_FIRST = 1
"""Priority of the metadata steps (``tracks``, ``artist_metadata``): a few batched calls that previews and
insight need. When steps are ready together and run one at a time (the in-process executor, a full pool),
they go before the audience steps, which spend nearly all of a refresh's calls; so a quota floor or budget
met during the audience leaves the metadata stored."""


def api_asset(priority: int = 0, **kwargs: Any) -> Callable[..., dg.AssetsDefinition]:
    """A chart asset that calls the API: in the ``soundcharts_api`` pool, retried on transient trouble;
    ``priority`` orders it among steps ready at once (higher first; Dagster's ``dagster/priority`` tag)."""
    # On the Celery deployment, API-calling steps go to their own queue (deploy/celery/README.md).
    tags = {CELERY_QUEUE_TAG: API_POOL, **({PRIORITY_TAG: str(priority)} if priority else {})}
    return chart_asset(kinds=KINDS, pool=API_POOL, retry_policy=API_RETRY, op_tags=tags, **kwargs)
