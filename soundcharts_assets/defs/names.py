"""Names that other processes refer to (the CLI, the daemon, the UI, run configs): defined once, import-light.

The CLI imports this module without loading the code location (assets, pandas), so it stays fast.
"""

CHARTS_PARTITIONS_NAME = "charts"
"""The dynamic partitions definition: one partition per followed chart slug."""
CASCADE_JOB_NAME = "chart_cascade"
"""The job that refreshes the whole cascade of a chart (schedules and ``soundcharts-assets cascade``)."""
ALERTS_JOB_NAME = "chart_alerts"
"""The job of the ``alerts`` asset alone (automation starts its runs after a cascade; the demo runs it by hand)."""
ALERTS_ASSET = "alerts"
API_POOL = "soundcharts_api"
"""The concurrency pool of every API-calling step (dagster.yaml sets its limit)."""
DEFINITIONS_MODULE = "soundcharts_assets.definitions"
"""The code location's module, as workspace.yaml and `dagster ... -m` name it."""
CELERY_QUEUE_TAG = "dagster-celery/queue"
"""The op tag dagster-celery routes a step by: API-calling steps go to the queue named like the pool."""
PRIORITY_TAG = "dagster/priority"
"""The op tag Dagster's executors order ready steps by (higher first); dagster-celery passes it to Celery."""
TRIGGER_TAG = "soundcharts/trigger"
"""The run tag of every run we launch over whole cascades (the editions sensor, the schedules, the CLI) and of the
alerts runs that follow them: what started it (``new_edition``, ``daily_schedule``, ``cli``...). Automation
ignores what these runs update (``defs/conventions.py``, ``FOLLOW_UPSTREAM``)."""
FAILED_CHARTS_METADATA = "failed_charts"
"""Metadata of a step's failure: ``{slug: why}`` for the charts that failed on their own (`cascade --wait`)."""
