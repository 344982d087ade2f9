"""Alerts: one masked JSON document per event, delivered to JSON lines on stdout, a webhook
(HMAC-SHA256 signed) and SMTP e-mail.

Never a leak itself: the payload carries the verdict, the people count, the policy's reasons,
drift figures and the masked findings of the FileReport (``Finding.masked``), nothing raw.

Webhook: ``POST`` of the JSON body with ``Content-Type: application/json`` and
``X-Clearance-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes under the shared
secret>`` (the GitHub webhook convention, so existing receivers verify it unchanged), plus
``X-Clearance-Event: alert`` and ``X-Clearance-Delivery: <alert id>``. A 5xx, 429 or network
failure is retried with exponential backoff; whatever still fails is logged and left pending in
the state (the runner retries it next pass) — delivery trouble never stops the watch loop.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage
from typing import Any, BinaryIO, Protocol

import httpx

from clearance.config.schema import SmtpConfig
from clearance.model import FileReport

log = logging.getLogger("clearance.watch")

SIGNATURE_HEADER = "X-Clearance-Signature"
# Webhook attempts per delivery and the first backoff (doubled each time): 0.5 + 1 + 2 s keeps a
# pass short while riding out a receiver restart.
WEBHOOK_ATTEMPTS = 4
WEBHOOK_BACKOFF_S = 0.5
WEBHOOK_TIMEOUT_S = 10.0
# Findings listed in an alert (the full report is in the review app).
MAX_ALERT_FINDINGS = 20


@dataclass(frozen=True)
class Alert:
    id: str  # stable: sha256 + kinds; receivers can de-duplicate on it
    url: str
    sha256: str
    kinds: tuple[str, ...]  # exposure | not-cleared | drift | unscannable
    verdict: str
    people: int
    reasons: tuple[str, ...]
    drift: tuple[dict[str, Any], ...] = ()
    categories: tuple[str, ...] = ()
    media_type: str = ""
    size: int = 0
    findings: tuple[dict[str, Any], ...] = ()
    review_url: str | None = None
    detected_at: str = ""
    cleared: bool | None = None  # None: no gate store consulted
    first_seen: str | None = None

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["tool"] = "clearance-watch"
        return d

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Alert:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        for k, v in known.items():
            if isinstance(v, list):
                known[k] = tuple(v)
        return cls(**known)

    def body(self) -> bytes:
        return json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def masked_findings(report: FileReport) -> tuple[dict[str, Any], ...]:
    return tuple(
        {
            "rule": f.rule,
            "entity": f.entity,
            "visibility": f.visibility.value,
            "location": f.location.describe(),
            "count": f.count,
            "masked": f.masked,
        }
        for f in report.findings[:MAX_ALERT_FINDINGS]
    )


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, header: str | None) -> bool:
    """For receivers (and tests): constant-time check of the signature header."""
    return header is not None and hmac.compare_digest(sign(body, secret), header)


class Channel(Protocol):
    name: str

    def send(self, alert: Alert, body: bytes) -> None:
        """Deliver or raise."""


@dataclass
class StdoutChannel:
    stream: BinaryIO
    name: str = "stdout"

    def send(self, alert: Alert, body: bytes) -> None:
        self.stream.write(body + b"\n")
        self.stream.flush()


@dataclass
class WebhookChannel:
    url: str
    secret: str
    attempts: int = WEBHOOK_ATTEMPTS
    backoff: float = WEBHOOK_BACKOFF_S
    timeout: float = WEBHOOK_TIMEOUT_S
    user_agent: str = "clearance-watch"
    sleep: Callable[[float], None] = time.sleep
    name: str = "webhook"

    def send(self, alert: Alert, body: bytes) -> None:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": self.user_agent,
            SIGNATURE_HEADER: sign(body, self.secret),
            "X-Clearance-Event": "alert",
            "X-Clearance-Delivery": alert.id,
        }
        last = "no attempt"
        with httpx.Client(timeout=self.timeout, trust_env=False, follow_redirects=False) as client:
            for attempt in range(self.attempts):
                if attempt:
                    self.sleep(self.backoff * 2 ** (attempt - 1))
                try:
                    resp = client.post(self.url, content=body, headers=headers)
                except httpx.HTTPError as exc:
                    last = type(exc).__name__
                    continue
                if resp.status_code < 300:
                    return
                last = f"HTTP {resp.status_code}"
                if resp.status_code < 500 and resp.status_code != 429:
                    break  # the receiver refused it; retrying the same body will not help
        raise RuntimeError(f"webhook {self.url}: {last}")


def email_text(alert: Alert) -> str:
    lines = [
        f"clearance watch: {alert.verdict.upper()} — {alert.url}",
        "",
        f"URL:      {alert.url}",
        f"SHA-256:  {alert.sha256}",
        f"Alerts:   {', '.join(alert.kinds)}",
        f"Verdict:  {alert.verdict}; {alert.people:,} people",
    ]
    if alert.cleared is False:
        lines.append("Gate:     these bytes were never cleared for publication (or were revoked)")
    if alert.first_seen:
        lines.append(f"Seen since: {alert.first_seen}")
    if alert.review_url:
        lines.append(f"Review:   {alert.review_url}")
    if alert.reasons:
        lines += ["", "Why:"] + [f"  - {r}" for r in alert.reasons]
    if alert.drift:
        lines += ["", "Changed since the previous version:"] + [f"  - {d['message']}" for d in alert.drift]
    if alert.findings:
        lines += ["", "Findings (masked):"]
        lines += [
            f"  - {f['entity']} x{f['count']} in {f['location'] or f['visibility']}: {f['masked']}"
            for f in alert.findings
        ]
    return "\n".join(lines) + "\n"


@dataclass
class EmailChannel:
    config: SmtpConfig
    password: str | None = None
    name: str = "email"

    def send(self, alert: Alert, body: bytes) -> None:
        msg = EmailMessage()
        msg["From"] = self.config.sender
        msg["To"] = ", ".join(self.config.to)
        msg["Subject"] = f"[clearance] {alert.verdict.upper()}: {', '.join(alert.kinds)} — {alert.url}"[:200]
        msg["X-Clearance-Alert"] = alert.id
        msg.set_content(email_text(alert))
        with smtplib.SMTP(self.config.host, self.config.port, timeout=self.config.timeout) as smtp:
            if self.config.starttls:
                smtp.starttls()
            if self.config.username:
                smtp.login(self.config.username, self.password or "")
            smtp.send_message(msg)


@dataclass
class Dispatcher:
    channels: Sequence[Channel] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.channels]

    def deliver(self, alert: Alert, only: Sequence[str] | None = None) -> dict[str, str]:
        """Send to each channel (or those named in ``only``); return {channel: error} of failures."""
        body = alert.body()
        failed: dict[str, str] = {}
        for ch in self.channels:
            if only is not None and ch.name not in only:
                continue
            try:
                ch.send(alert, body)
            except Exception as exc:  # a broken channel must never stop the loop
                failed[ch.name] = f"{type(exc).__name__}: {exc}"[:500]
                log.warning("alert %s not delivered to %s: %s", alert.id, ch.name, failed[ch.name])
        return failed


__all__ = [
    "SIGNATURE_HEADER",
    "Alert",
    "Dispatcher",
    "EmailChannel",
    "StdoutChannel",
    "WebhookChannel",
    "email_text",
    "masked_findings",
    "sign",
    "verify",
]
