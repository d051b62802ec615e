"""Bulk ingestion over NATS JetStream: the API queues EPCIS documents, workers store them.

When ``YAOJIAN_NATS_URL`` is set, ``POST /api/v1/epcis/capture`` validates a document as it does
in-process (a refused document gets its 422 at once and is never queued), opens a running capture
job, commits it and publishes the document to the stream; ``yaojian worker trace`` processes
(``yaojian.trace.worker``) store it and finish the job. Delivery is at-least-once: a document may
reach a worker twice, which is harmless because a finished job is not stored again and events are
kept once per event hash.

A message is the document (deflated: EPCIS JSON and XML shrink several-fold, and NATS limits a
message to ``max_payload``, 1 MB by default) with the job id, the capturing actor and the error
behaviour in headers. The actor travels as data because the worker must authorise exactly as the
API did; only trusted processes may publish on the subject (NATS accounts or permissions).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import zlib
from typing import Any

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StorageType
from sqlalchemy.orm import Session

from yaojian.auth.actor import Actor
from yaojian.auth.models import Role
from yaojian.kit.errors import DomainError
from yaojian.settings import Settings
from yaojian.trace import capture as capturing
from yaojian.trace.models import CaptureJob

HEADER_JOB = "Yaojian-Capture-Job"
HEADER_ACTOR = "Yaojian-Actor"
HEADER_BEHAVIOUR = "GS1-Capture-Error-Behaviour"
HEADER_ENCODING = "Yaojian-Content-Encoding"
# JetStream drops a second message with the same id within its duplicate window, so a publish
# retried after a lost acknowledgement does not queue the document twice.
HEADER_MSG_ID = "Nats-Msg-Id"


class QueueUnavailable(DomainError):
    def __init__(self, reason: str) -> None:
        super().__init__(
            detail=f"the capture queue is unavailable ({reason}); send the document again later",
            status=503,
            title="Capture queue unavailable",
            type_slug="capture-queue-unavailable",
        )


@dataclasses.dataclass(frozen=True)
class Queued:
    """A document as a worker receives it."""

    job_id: str
    actor: Actor
    error_behaviour: str
    data: bytes


def encode(
    job_id: str, actor: Actor, error_behaviour: str, data: bytes
) -> tuple[bytes, dict[str, str]]:
    fields = dataclasses.asdict(actor) | {"role": actor.role.value}
    headers = {
        HEADER_JOB: job_id,
        # ASCII JSON: header values are sent as bytes on one line, and names may be Chinese.
        HEADER_ACTOR: json.dumps(fields, ensure_ascii=True),
        HEADER_BEHAVIOUR: error_behaviour,
        HEADER_ENCODING: "deflate",
        HEADER_MSG_ID: job_id,
    }
    return zlib.compress(data, 1), headers


def decode(payload: bytes, headers: dict[str, str] | None) -> Queued:
    """The queued document; ValueError when the message is not one of ours."""
    headers = headers or {}
    try:
        fields: dict[str, Any] = json.loads(headers[HEADER_ACTOR])
        actor = Actor(**(fields | {"role": Role(fields["role"])}))
        data = zlib.decompress(payload) if headers.get(HEADER_ENCODING) == "deflate" else payload
        return Queued(headers[HEADER_JOB], actor, headers[HEADER_BEHAVIOUR], data)
    except (KeyError, TypeError, json.JSONDecodeError, zlib.error) as exc:
        raise ValueError(f"not a queued capture: {exc!r}") from exc


async def ensure_stream(js: JetStreamContext, settings: Settings) -> None:
    """Create the stream on first use, so that neither API nor worker must start first."""
    try:
        await js.stream_info(settings.nats_stream)
    except nats.js.errors.NotFoundError:
        # A work queue: a document acknowledged by a worker is gone from the stream, and the
        # server refuses a second consumer of the same subjects, so every worker shares one.
        await js.add_stream(
            name=settings.nats_stream,
            subjects=[settings.nats_subject],
            retention=RetentionPolicy.WORK_QUEUE,
            storage=StorageType.FILE,
        )


class Bus:
    """The API's connection, opened on first use in the serving event loop and kept open."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._nc: Client | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def _client(self) -> Client:
        loop = asyncio.get_running_loop()
        # A connection belongs to the loop that opened it (test clients start a loop per client).
        if self._nc is None or self._nc.is_closed or self._loop is not loop:
            self._nc = await nats.connect(
                self.settings.nats_url, name="yaojian-api", connect_timeout=2,
                max_reconnect_attempts=2, allow_reconnect=True,
            )  # fmt: skip
            self._loop = loop
            await ensure_stream(self._nc.jetstream(), self.settings)
        return self._nc

    async def max_payload(self) -> int:
        return (await self._client()).max_payload

    async def publish(self, payload: bytes, headers: dict[str, str]) -> None:
        js = (await self._client()).jetstream()
        await js.publish(
            self.settings.nats_subject, payload, stream=self.settings.nats_stream, headers=headers
        )

    async def close(self) -> None:
        if self._nc is not None and not self._nc.is_closed:
            await self._nc.close()
        self._nc = None


async def enqueue(
    bus: Bus, session: Session, actor: Actor, data: bytes, *, error_behaviour: str
) -> CaptureJob:
    """Validate now, queue for a worker; the job is running when this returns."""
    prepared = capturing.prepare(session, actor, data, error_behaviour=error_behaviour)
    job = capturing.open_job(session, actor, prepared, error_behaviour)
    payload, headers = encode(job.id, actor, error_behaviour, data)
    try:
        limit = await bus.max_payload()
    except (nats.errors.Error, OSError, TimeoutError) as exc:
        raise QueueUnavailable(str(exc) or type(exc).__name__) from exc  # nothing committed yet
    if len(payload) > limit:
        # Larger than the server takes in one message: store it here, as without NATS. Raise
        # the server's max_payload (up to 64 MB) to send every document through the queue.
        return capturing.store(session, actor, prepared, job)
    # A worker looks the job up by id as soon as the message is out: commit it first.
    session.commit()
    try:
        await bus.publish(payload, headers)
    except (nats.errors.Error, OSError, TimeoutError) as exc:
        error = QueueUnavailable(str(exc) or type(exc).__name__)
        capturing.fail_job(session, job, error)
        session.commit()
        raise error from exc
    return job
