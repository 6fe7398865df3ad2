"""Alerts (issue 23): events computed from what the warehouse already holds, and their delivery, exactly once.

``events.py`` names the events and who watches what; ``charts.py`` and ``audience.py`` find chart, staleness,
spike and milestone events (pure functions); ``detect.py`` reads their inputs from the warehouse; ``digest.py``
writes one message per run and channel; ``channels.py`` sends it (Slack, e-mail, JSON webhook);
``delivery.py`` keeps the ledger that makes every event reach every channel once. No module here calls the
Soundcharts API or imports Dagster (import-linter: ``alerts-cost-no-api-call``).
"""
