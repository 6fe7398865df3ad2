"""The GraphQL documents the Dagster UI sends for an asset's page and its partitions view, taken from the
installed ``dagster-webserver`` bundle (its source maps carry the UI's ``gql`` literals), so the benchmark
times the same queries as the browser, for the Dagster version in the venv.

Fragments are resolved by name: the UI interpolates them (``${FRAGMENT}``) into each query at build time;
here every ``fragment X on T {...}`` definition of the bundle is indexed and the ones a query spreads
(recursively) are appended to it.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

ASSET = "artist_audience"

#: Per page, the queries it issues on load (names as in ui-core/src/assets/*.tsx and asset-data/*.tsx).
ASSET_PAGE = (
    "AssetViewDefinitionQuery",
    "AssetGraphLiveQuery",
    "AssetHealthQuery",
    "AssetOverviewMetadataEventsQuery",
    "AssetChecksQuery",
    "AssetsFreshnessInfoQuery",
    "AssetStaleStatusDataQuery",
)
PARTITIONS_VIEW = (
    "AssetViewDefinitionQuery",
    "PartitionHealthQuery",
    "AssetPartitionDetailQuery",
    "AssetPartitionStaleQuery",
)


def _bundle_dir() -> Path:
    import dagster_webserver

    return Path(dagster_webserver.__file__).parent / "webapp" / "build" / "_next" / "static"


def _split_definitions(text: str) -> list[tuple[str, str]]:
    """Top-level ``query|fragment|mutation NAME ... { ... }`` definitions of one gql literal."""
    found = []
    for match in re.finditer(r"\b(query|fragment|mutation|subscription)\s+(\w+)", text):
        # Only definitions at depth 0: count braces before the match.
        if text[: match.start()].count("{") != text[: match.start()].count("}"):
            continue
        start = text.find("{", match.end())
        if start < 0:
            continue
        depth, i = 0, start
        while i < len(text):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            if depth == 0:
                break
            i += 1
        found.append((match.group(2), text[match.start() : i + 1]))
    return found


@cache
def definitions() -> dict[str, str]:
    defs: dict[str, str] = {}
    for path in _bundle_dir().rglob("*.js.map"):
        data = json.loads(path.read_text())
        for content in data.get("sourcesContent") or []:
            if not content or "gql`" not in content:
                continue
            for body in re.findall(r"gql`(.*?)`", content, re.S):
                for name, definition in _split_definitions(re.sub(r"\$\{\w+\}", "", body)):
                    defs.setdefault(name, definition)
    return defs


def document(name: str) -> str:
    """The query ``name`` with every fragment it uses, directly or not."""
    defs = definitions()
    included, todo, parts = set(), [name], []
    while todo:
        current = todo.pop()
        if current in included:
            continue
        if current not in defs:
            raise KeyError(f"{current} is not in the webserver bundle")
        included.add(current)
        parts.append(defs[current])
        todo.extend(re.findall(r"\.\.\.\s*(?!on\b)(\w+)", defs[current]))
    return "\n".join(parts)


def ui_queries(asset: str = ASSET, partition: str = "global-28") -> dict[str, dict[str, tuple[str, dict[str, Any]]]]:
    key = {"path": [asset]}
    variables: dict[str, dict[str, Any]] = {
        "AssetViewDefinitionQuery": {"assetKey": key},
        "AssetGraphLiveQuery": {"assetKeys": [key]},
        "AssetHealthQuery": {"assetKeys": [key]},
        "AssetOverviewMetadataEventsQuery": {"assetKey": key},
        "PartitionHealthQuery": {"assetKey": key},
        "AssetPartitionDetailQuery": {"assetKey": key, "partitionKey": partition},
        "AssetChecksQuery": {"assetKey": key},
        "AssetsFreshnessInfoQuery": {"assetKeys": [key]},
        "AssetStaleStatusDataQuery": {"assetKeys": [key]},
        "AssetPartitionStaleQuery": {"assetKey": key, "partitionKey": partition},
    }
    return {
        "asset page": {name: (document(name), variables[name]) for name in ASSET_PAGE},
        "partitions view": {name: (document(name), variables[name]) for name in PARTITIONS_VIEW},
    }
