"""The one partitions definition of the graph: one partition per registered chart."""

import dagster as dg

from soundcharts_assets.defs.names import CHARTS_PARTITIONS_NAME

chart_partitions = dg.DynamicPartitionsDefinition(name=CHARTS_PARTITIONS_NAME)
