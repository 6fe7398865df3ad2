"""A RabbitMQ vhost of one's own on the local broker (127.0.0.1:5672), for the Celery tests and the Celery
benchmark: deleting it deletes every queue and exchange made in it, so runs never see each other's messages."""

from __future__ import annotations

import subprocess
import uuid


def rabbitmqctl(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["rabbitmqctl", "-q", *args], check=check, capture_output=True, text=True, timeout=60)


class RabbitVhost:
    """A vhost named ``prefix`` and a random suffix, open to the broker's ``guest`` user."""

    def __init__(self, prefix: str = "sca_test") -> None:
        self.name = f"{prefix}_{uuid.uuid4().hex[:10]}"

    def create(self) -> RabbitVhost:
        rabbitmqctl("add_vhost", self.name)
        rabbitmqctl("set_permissions", "-p", self.name, "guest", ".*", ".*", ".*")
        return self

    def url(self, host: str = "127.0.0.1") -> str:
        return f"amqp://guest:guest@{host}:5672/{self.name}"

    def queues(self) -> dict[str, tuple[int, int]]:
        """Queue name -> (messages, consumers)."""
        out = rabbitmqctl("list_queues", "-p", self.name, "name", "messages", "consumers", "--no-table-headers").stdout
        rows = [line.split() for line in out.splitlines() if line.strip()]
        return {row[0]: (int(row[1]), int(row[2])) for row in rows if len(row) == 3}

    def delete(self) -> None:
        rabbitmqctl("delete_vhost", self.name, check=False)
