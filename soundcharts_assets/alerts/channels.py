"""Where digests go: a Slack incoming webhook, e-mail over SMTP, a generic JSON webhook.

Each channel sends one digest or raises :class:`ChannelError`, one line that says what to fix and never shows
a secret (a Slack webhook URL is its own credential, an SMTP URL carries a password): every error text passes
through :func:`redact` first. A channel whose setting is malformed is still built, as a :class:`BrokenChannel`
that fails every send with the reason, so its deliveries wait in the ledger until the setting is fixed.

Libraries, not hand-written protocol code: Slack's own SDK (``slack_sdk``'s ``WebhookClient``, the client
dagster-slack is built on) posts JSON to the URL given, Slack's or any other webhook's; the standard library's
``smtplib`` speaks SMTP. Not httpx for the webhook: httpx logs every request's URL at INFO, and a webhook's
URL is its secret; the SDK takes a logger of ours, which stays silent.
"""

from __future__ import annotations

import http.client
import logging
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from pydantic import SecretStr

from soundcharts_assets.alerts.digest import Digest
from soundcharts_assets.settings import AlertSettings
from soundcharts_assets.vocabulary import AlertChannel

SMTP_SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
_SILENT = logging.Logger("soundcharts_assets.alerts.webhooks", level=logging.CRITICAL + 1)
"""Given to the webhook client instead of its own logger, which writes each request's URL (a secret) at DEBUG."""


class ChannelError(Exception):
    """A digest could not be delivered; the message is one line without secrets."""


class Channel(Protocol):
    @property
    def name(self) -> str: ...

    def send(self, digest: Digest) -> None: ...


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret (and each secret's URL-decoded form) replaced by ``***``, on one line."""
    for secret in sorted({s for raw in secrets if raw for s in (raw, unquote(raw))}, key=len, reverse=True):
        if len(secret) >= 4:
            text = text.replace(secret, "***")
    return " ".join(text.split())


def _url_secrets(url: str) -> list[str]:
    """The parts of a URL that may be secret: all of it, its path and query (webhook tokens), its password."""
    parts = urlsplit(url)
    return [url, parts.path, parts.query, parts.password or ""]


@dataclass(frozen=True)
class BrokenChannel:
    """A configured channel whose setting cannot be used: every send fails with ``reason``."""

    name: str
    reason: str

    def send(self, digest: Digest) -> None:
        raise ChannelError(self.reason)


def post_json(channel: str, url: str, body: dict[str, Any], timeout: float, headers: dict[str, str]) -> None:
    """POST ``body`` to ``url``; a ChannelError (one line, without the URL) unless the answer is a 2xx."""
    from slack_sdk.webhook import WebhookClient

    client = WebhookClient(url, timeout=max(1, round(timeout)), logger=_SILENT, user_agent_prefix="soundcharts-assets")
    try:
        response = client.send_dict(body, headers=headers)
    except (OSError, http.client.HTTPException) as error:  # URLError, timeouts, TLS, resets: "cannot reach"
        reason = getattr(error, "reason", None) or error
        raise ChannelError(redact(f"{channel}: cannot reach the webhook ({reason})", _url_secrets(url))) from None
    if not 200 <= response.status_code < 300:
        shown = redact(str(response.body or "")[:120], _url_secrets(url))
        raise ChannelError(f"{channel}: the webhook answered {response.status_code}" + (f" ({shown})" if shown else ""))


@dataclass(frozen=True)
class SlackChannel:
    """A Slack incoming webhook: the digest's text, rendered by Slack as it is."""

    url: SecretStr = field(repr=False)
    timeout_seconds: float = 10.0
    name: str = AlertChannel.SLACK.value

    def send(self, digest: Digest) -> None:
        body = {"text": digest.text, "unfurl_links": False, "unfurl_media": False}
        post_json(self.name, self.url.get_secret_value(), body, self.timeout_seconds, {})


@dataclass(frozen=True)
class WebhookChannel:
    """Any HTTP endpoint that takes JSON: the digest's text and its events, with an ``Idempotency-Key``."""

    url: SecretStr = field(repr=False)
    timeout_seconds: float = 10.0
    name: str = AlertChannel.WEBHOOK.value

    def send(self, digest: Digest) -> None:
        headers = {"Idempotency-Key": digest.id}
        post_json(self.name, self.url.get_secret_value(), digest.payload, self.timeout_seconds, headers)


@dataclass(frozen=True)
class EmailChannel:
    """SMTP: ``smtp://`` (plain, for a local relay), ``smtp+starttls://`` (upgraded), ``smtps://`` (TLS)."""

    url: SecretStr = field(repr=False)
    sender: str
    recipients: tuple[str, ...]
    timeout_seconds: float = 10.0
    name: str = AlertChannel.EMAIL.value

    def send(self, digest: Digest) -> None:
        url = self.url.get_secret_value()
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port or SMTP_SCHEMES[parts.scheme]
        message = EmailMessage()
        message["Subject"] = digest.subject
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message["Date"] = formatdate(localtime=False)
        # Stable per digest: a digest sent again after a crash carries the same id, which mail systems dedupe.
        message["Message-ID"] = f"<{digest.id}@soundcharts-assets>"
        message.set_content(digest.text)
        try:
            self._send(message, parts.scheme, host, port, unquote(parts.username or ""), unquote(parts.password or ""))
        except smtplib.SMTPAuthenticationError as error:
            reason = _smtp_reply(error.smtp_code, error.smtp_error)
            raise ChannelError(
                redact(
                    f"email: the SMTP server refused the login ({reason}); check the user and password in "
                    "SOUNDCHARTS_ALERTS_SMTP_URL",
                    _url_secrets(url),
                )
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise ChannelError(
                "email: the SMTP server offers no login here; use smtp+starttls:// or smtps://, or drop the user "
                "from SOUNDCHARTS_ALERTS_SMTP_URL"
            ) from None
        except smtplib.SMTPRecipientsRefused as error:
            refused = ", ".join(sorted(error.recipients))
            raise ChannelError(f"email: the SMTP server refused the recipients {refused}") from None
        except (smtplib.SMTPException, OSError) as error:
            code = getattr(error, "smtp_code", None)
            reason = _smtp_reply(code, getattr(error, "smtp_error", b"")) if code else str(error)
            text = f"email: cannot send through the SMTP server at {host}:{port} ({reason or type(error).__name__})"
            raise ChannelError(redact(text, _url_secrets(url))) from None

    def _send(self, message: EmailMessage, scheme: str, host: str, port: int, user: str, password: str) -> None:
        smtp_class = smtplib.SMTP_SSL if scheme == "smtps" else smtplib.SMTP
        with smtp_class(host, port, timeout=self.timeout_seconds) as smtp:
            if scheme == "smtp+starttls":
                smtp.starttls(context=ssl.create_default_context())
            if user:
                smtp.login(user, password)
            smtp.send_message(message)


def _smtp_reply(code: int, text: bytes | str) -> str:
    shown = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {shown}".strip()


def channels_from_settings(settings: AlertSettings) -> list[Channel]:
    """Every configured channel, in a fixed order; a malformed setting gives a :class:`BrokenChannel`."""
    channels: list[Channel] = []
    if settings.slack_webhook_url is not None:
        channels.append(
            _http_channel(
                AlertChannel.SLACK.value,
                "SOUNDCHARTS_ALERTS_SLACK_WEBHOOK_URL",
                settings.slack_webhook_url,
                SlackChannel(settings.slack_webhook_url, settings.timeout_seconds),
            )
        )
    if settings.smtp_url is not None:
        channels.append(_email_channel(settings))
    if settings.webhook_url is not None:
        channels.append(
            _http_channel(
                AlertChannel.WEBHOOK.value,
                "SOUNDCHARTS_ALERTS_WEBHOOK_URL",
                settings.webhook_url,
                WebhookChannel(settings.webhook_url, settings.timeout_seconds),
            )
        )
    return channels


def _http_channel(name: str, variable: str, url: SecretStr, channel: Channel) -> Channel:
    parts = urlsplit(url.get_secret_value().strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return BrokenChannel(
            name, f"{name}: {variable} is not an http(s) URL with a host (its value is not shown: it is a secret)"
        )
    return channel


def _email_channel(settings: AlertSettings) -> Channel:
    name = AlertChannel.EMAIL.value
    assert settings.smtp_url is not None
    try:
        parts = urlsplit(settings.smtp_url.get_secret_value().strip())
        parts.port  # noqa: B018 (a non-numeric port raises here)
    except ValueError:
        parts = urlsplit("")
    if parts.scheme not in SMTP_SCHEMES or not parts.hostname:
        schemes = ", ".join(f"{scheme}://" for scheme in SMTP_SCHEMES)
        return BrokenChannel(
            name,
            f"email: SOUNDCHARTS_ALERTS_SMTP_URL is not an SMTP URL ({schemes} user:password@host:port); its value "
            "is not shown: it may hold a password",
        )
    recipients = tuple(r.strip() for r in (settings.email_to or "").split(",") if r.strip())
    if not recipients or not all("@" in r for r in recipients):
        return BrokenChannel(name, "email: set SOUNDCHARTS_ALERTS_EMAIL_TO to the recipients (a@x.com,b@y.com)")
    return EmailChannel(settings.smtp_url, settings.email_from, recipients, settings.timeout_seconds)
