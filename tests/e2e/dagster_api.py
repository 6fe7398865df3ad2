"""The few GraphQL calls the end-to-end tests make to a running dagster-webserver, over plain httpx."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

LOCATION = "soundcharts_assets"
REPOSITORY = "__repository__"
PARTITIONS = "charts"
CASCADE_JOB = "chart_cascade"
FINISHED = {"SUCCESS", "FAILURE", "CANCELED"}
#: Daemons the tests rely on: sensors launch runs, the queue starts them, automation evaluates conditions.
NEEDED_DAEMONS = {"SENSOR", "QUEUED_RUN_COORDINATOR", "ASSET"}


class GraphQLError(AssertionError):
    """The webserver answered with errors, or with a union member that is an error."""


@dataclass(frozen=True)
class Materialization:
    asset: str
    partition: str | None
    run_id: str
    timestamp_ms: int
    metadata: dict[str, Any]


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    status: str
    job_name: str
    tags: dict[str, str]
    assets: list[str]


REPOSITORY_SELECTOR = {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY}
METADATA_FIELDS = """
    metadataEntries {
      label
      ... on IntMetadataEntry { intValue }
      ... on FloatMetadataEntry { floatValue }
      ... on TextMetadataEntry { text }
      ... on MarkdownMetadataEntry { mdStr }
    }
"""


def _metadata_value(entry: dict[str, Any]) -> Any:
    for key in ("intValue", "floatValue", "text", "mdStr"):
        if key in entry:
            return entry[key]
    return None


class DagsterApi:
    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.url = f"{base_url}/graphql"
        self.timeout = timeout

    def query(self, document: str, **variables: Any) -> dict[str, Any]:
        body = {"query": document, "variables": variables}
        response = httpx.post(self.url, json=body, timeout=self.timeout)
        response.raise_for_status()
        body = response.json()
        if body.get("errors"):
            raise GraphQLError(f"GraphQL errors: {body['errors']}")
        return body["data"]

    # -- readiness ------------------------------------------------------------------------------------------

    def code_location_loaded(self) -> bool:
        data = self.query(
            """{ workspaceOrError { __typename ... on Workspace { locationEntries {
                   name loadStatus
                   locationOrLoadError { __typename ... on PythonError { message } } } } } }"""
        )
        entries = {e["name"]: e for e in data["workspaceOrError"].get("locationEntries", [])}
        entry = entries.get(LOCATION)
        if entry is None or entry["loadStatus"] != "LOADED":
            return False
        loaded = entry["locationOrLoadError"]
        if loaded["__typename"] == "PythonError":
            raise GraphQLError(f"code location failed to load: {loaded['message']}")
        return loaded["__typename"] == "RepositoryLocation"

    def daemons_healthy(self) -> bool:
        data = self.query("{ instance { daemonHealth { allDaemonStatuses { daemonType healthy } } } }")
        statuses = data["instance"]["daemonHealth"]["allDaemonStatuses"]
        healthy = {s["daemonType"] for s in statuses if s["healthy"]}
        return healthy >= NEEDED_DAEMONS

    # -- partitions, sensors, runs --------------------------------------------------------------------------

    def add_chart_partition(self, slug: str) -> dict[str, Any]:
        """Returns the mutation's result (typename and message when refused)."""
        data = self.query(
            """mutation($key: String!, $name: String!, $repo: RepositorySelector!) {
                 addDynamicPartition(
                   partitionKey: $key, partitionsDefName: $name, repositorySelector: $repo
                 ) {
                   __typename
                   ... on AddDynamicPartitionSuccess { partitionKey }
                   ... on PythonError { message }
                   ... on UnauthorizedError { message }
                   ... on DuplicateDynamicPartitionError { message }
                 } }""",
            key=slug,
            name=PARTITIONS,
            repo=REPOSITORY_SELECTOR,
        )
        return data["addDynamicPartition"]

    def stop_sensor(self, name: str) -> str:
        data = self.query(
            """query($selector: SensorSelector!) { sensorOrError(sensorSelector: $selector) {
                 __typename ... on Sensor { id sensorState { status } } } }""",
            selector={**REPOSITORY_SELECTOR, "sensorName": name},
        )
        sensor = data["sensorOrError"]
        if sensor["__typename"] != "Sensor":
            raise GraphQLError(f"sensor {name}: {sensor}")
        result = self.query(
            """mutation($id: String!) { stopSensor(id: $id) { __typename
                 ... on StopSensorMutationResult { instigationState { status } }
                 ... on PythonError { message } } }""",
            id=sensor["id"],
        )["stopSensor"]
        if result["__typename"] != "StopSensorMutationResult":
            raise GraphQLError(f"stopSensor {name}: {result}")
        return result["instigationState"]["status"]

    def launch_cascade(self, slug: str, run_config: dict[str, Any] | None = None) -> str:
        """Launch job chart_cascade for one chart partition; returns the run id (the run is queued)."""
        data = self.query(
            """mutation($params: ExecutionParams!) { launchRun(executionParams: $params) { __typename
                 ... on LaunchRunSuccess { run { runId } }
                 ... on PythonError { message }
                 ... on RunConfigValidationInvalid { errors { message } }
                 ... on InvalidSubsetError { message } } }""",
            params={
                "selector": {**REPOSITORY_SELECTOR, "jobName": CASCADE_JOB},
                "runConfigData": run_config or {},
                "executionMetadata": {"tags": [{"key": "dagster/partition", "value": slug}]},
            },
        )["launchRun"]
        if data["__typename"] != "LaunchRunSuccess":
            raise GraphQLError(f"launchRun for {slug!r}: {data}")
        return data["run"]["runId"]

    def run(self, run_id: str) -> RunInfo:
        data = self.query(
            """query($id: ID!) { runOrError(runId: $id) { __typename ... on Run {
                 runId status jobName tags { key value } assets { key { path } } } } }""",
            id=run_id,
        )["runOrError"]
        if data["__typename"] != "Run":
            raise GraphQLError(f"run {run_id}: {data}")
        return RunInfo(
            run_id=data["runId"],
            status=data["status"],
            job_name=data["jobName"],
            tags={t["key"]: t["value"] for t in data["tags"]},
            assets=["/".join(a["key"]["path"]) for a in data["assets"]],
        )

    def runs(self, partition: str | None = None) -> list[RunInfo]:
        """Runs, newest first, optionally only those of one chart partition."""
        tags = [{"key": "dagster/partition", "value": partition}] if partition else None
        data = self.query(
            """query($filter: RunsFilter) { runsOrError(filter: $filter) { __typename ... on Runs { results {
                 runId status jobName tags { key value } assets { key { path } } } } } }""",
            filter={"tags": tags} if tags else {},
        )["runsOrError"]
        return [
            RunInfo(
                r["runId"],
                r["status"],
                r["jobName"],
                {t["key"]: t["value"] for t in r["tags"]},
                ["/".join(a["key"]["path"]) for a in r["assets"]],
            )
            for r in data["results"]
        ]

    def wait_for_run(self, run_id: str, timeout: float, on_poll=None) -> RunInfo:
        deadline = time.monotonic() + timeout
        while True:
            if on_poll is not None:
                on_poll()
            run = self.run(run_id)
            if run.status in FINISHED:
                return run
            if time.monotonic() > deadline:
                raise TimeoutError(f"run {run_id} still {run.status} after {timeout:.0f} s")
            time.sleep(0.5)

    def run_failure_messages(self, run_id: str) -> list[str]:
        """Messages of the run's failure events (step failures and the run failure)."""
        data = self.query(
            """query($id: ID!) { logsForRun(runId: $id, limit: 1000) { __typename ... on EventConnection {
                 events { __typename ... on MessageEvent { message level }
                          ... on ExecutionStepFailureEvent { error { message } } } } } }""",
            id=run_id,
        )["logsForRun"]
        messages = []
        for event in data.get("events", []):
            if event["__typename"] == "ExecutionStepFailureEvent":
                messages.append(event["error"]["message"] if event.get("error") else event["message"])
            elif event["__typename"] == "RunFailureEvent":
                messages.append(event["message"])
        return messages

    # -- lineage and materializations -----------------------------------------------------------------------

    def asset_dependencies(self) -> dict[str, set[str]]:
        """Each asset of the cascade job and the assets it depends on."""
        data = self.query(
            """query($job: PipelineSelector!) { assetNodes(pipeline: $job) {
                 assetKey { path } dependencyKeys { path } } }""",
            job={**REPOSITORY_SELECTOR, "pipelineName": CASCADE_JOB},
        )
        return {
            "/".join(n["assetKey"]["path"]): {"/".join(d["path"]) for d in n["dependencyKeys"]}
            for n in data["assetNodes"]
        }

    def materializations(self, asset: str, partition: str) -> list[Materialization]:
        """Materializations of one asset partition, newest first."""
        data = self.query(
            f"""query($key: AssetKeyInput!, $partitions: [String!]) {{ assetOrError(assetKey: $key) {{
                 __typename ... on Asset {{ assetMaterializations(partitions: $partitions) {{
                   runId timestamp partition {METADATA_FIELDS} }} }} }} }}""",
            key={"path": asset.split("/")},
            partitions=[partition],
        )["assetOrError"]
        if data["__typename"] != "Asset":
            return []
        return [
            Materialization(
                asset=asset,
                partition=m["partition"],
                run_id=m["runId"],
                timestamp_ms=int(m["timestamp"]),
                metadata={e["label"]: _metadata_value(e) for e in m["metadataEntries"]},
            )
            for m in data["assetMaterializations"]
        ]
