"""Provides the HTTP client of the sync protocol (httpx): enrol, me, push, pull.

Network trouble and refusals become `SyncError`s that say what happened and that the rep's
work stays on the device; nothing here touches the store.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, NamedTuple

import httpx

from crm_tui.domain.ops import Op
from crm_tui.errors import SyncError
from crm_tui.storage.replica import Pulled
from crm_tui.storage.version import SCHEMA_VERSION
from crm_tui.sync import protocol as p


class PullReply(NamedTuple):
    """A page from the server."""

    pulled: list[Pulled]
    cursor: str
    more: bool
    server_time_ms: int


class PushReply(NamedTuple):
    """The server's verdict on a batch: one result per op, and its clock."""

    results: list[dict[str, Any]]
    server_time_ms: int


class SyncClient:
    """Talks to one team server as one device."""

    def __init__(self, url: str, token: str | None = None, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        headers = {p.PROTOCOL_HEADER: str(p.PROTOCOL_VERSION), p.SCHEMA_HEADER: str(SCHEMA_VERSION)}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        # Plain http needs no TLS context, and building one (loading the CA store) costs more
        # than a small sync's own work.
        tls = self.url.startswith("https://")
        self.http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout, verify=tls)

    def close(self) -> None:
        """Closes the connection."""
        self.http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._send(method, path, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise SyncError(f"The team server at {self.url} did not answer in JSON.") from None

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Sends a request; refusals and network trouble become `SyncError`s."""
        try:
            response = self.http.request(method, f"{p.PREFIX}{path}", **kwargs)
        except httpx.HTTPError as error:
            raise SyncError(
                f"Cannot reach the team server at {self.url} ({type(error).__name__}); "
                "you are offline: your work is kept and goes out at the next `crm sync`."
            ) from None
        if response.status_code == 426:
            raise SyncError(
                "The team server needs a newer crm: upgrade crm. Your work is kept on this device."
            )
        if response.status_code == 401:
            raise SyncError(
                "The team server does not accept this device any more (revoked or unknown); "
                "ask your manager for a new code and run `crm login URL CODE`."
            )
        if response.status_code >= 400:
            try:
                message = response.json().get("message", response.text)
            except ValueError:
                message = response.text[:200]
            raise SyncError(
                f"The team server refused the request ({response.status_code}): {message}"
            )
        return response

    def enrol(self, code: str, site_id: str, label: str | None) -> dict[str, Any]:
        """Turns a one-time code into this device's token, rep and role."""
        data = self._call("POST", "/enrol", json={"code": code, "site_id": site_id, "label": label})
        if not isinstance(data, dict) or "token" not in data:
            raise SyncError("The team server's answer to the enrolment was not understood.")
        return data

    def me(self) -> dict[str, Any]:
        """Who this device is, the team's reps and the server's clock."""
        data = self._call("GET", "/me")
        if not isinstance(data, dict):
            raise SyncError("The team server's answer was not understood.")
        return data

    def push(self, ops: Sequence[Op]) -> PushReply:
        """Sends a batch of ops; returns one result per op."""
        body = json.dumps({"ops": [p.op_to_wire(op) for op in ops]}, ensure_ascii=False)
        data = self._call(
            "POST", "/push", content=body.encode(), headers={"Content-Type": "application/json"}
        )
        results = data.get("results") if isinstance(data, dict) else None
        if not isinstance(results, list) or len(results) != len(ops):
            raise SyncError("The team server's answer to a push was not understood.")
        return PushReply(results, int(data.get("server_time_ms", 0)))

    def pull(self, cursor: str | None, limit: int) -> PullReply:
        """Fetches the ops after the cursor."""
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = self._send("GET", "/pull", params=params)
        try:
            text = response.content.decode()
            data = json.loads(text)
        except ValueError:
            raise SyncError(f"The team server at {self.url} did not answer in JSON.") from None
        try:
            items = data["ops"]
            # Each payload's text as sent, so the log keeps it without encoding it again.
            texts = p.payload_texts(text, len(items)) or [None] * len(items)
            pulled = [
                Pulled(*p.pulled_from_wire(item), text)
                for item, text in zip(items, texts, strict=True)
            ]
            return PullReply(
                pulled, str(data["cursor"]), bool(data["more"]), int(data["server_time_ms"])
            )
        except (KeyError, TypeError, ValueError) as error:
            raise SyncError(
                f"The team server sent a page that was not understood ({error})."
            ) from None
