"""The one partitions definition of the graph: one partition per registered chart."""

import dagster as dg

CHARTS_PARTITIONS_NAME = "charts"

chart_partitions = dg.DynamicPartitionsDefinition(name=CHARTS_PARTITIONS_NAME)
