"""``yaojian worker trace``: store the EPCIS documents the API queued on NATS JetStream.

A durable pull consumer shared by any number of workers. For each message: one database
transaction validates the document again (locations may have changed hands while it waited),
stores its events and finishes the job; then the message is acknowledged. A worker that dies
between the commit and the acknowledgement gets the message again (it or another worker), finds
the job finished and only acknowledges; one that dies before the commit left nothing behind, so
the document is stored as if for the first time. Either way nothing is lost or stored twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from enum import StrEnum

import nats
import nats.errors
import nats.js.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig
from sqlalchemy.orm import Session, sessionmaker

from yaojian.db import unit_of_work
from yaojian.kit.errors import DomainError
from yaojian.settings import Settings
from yaojian.trace import capture as capturing
from yaojian.trace.bus import Queued, decode, ensure_stream
from yaojian.trace.models import CaptureJob

log = logging.getLogger(__name__)
# Deliveries of one document before its job is failed rather than retried (a document that breaks
# the worker itself must not circle for ever).
MAX_DELIVER = 5
RETRY_DELAY = 2.0  # seconds before a document whose transaction failed is delivered again
FETCH_WAIT = 1.0  # seconds a fetch waits for work, which is also how soon a stop is noticed


class Outcome(StrEnum):
    STORED = "stored"  # the job finished here: succeeded, partial or failed
    ALREADY = "already"  # a redelivery of a job finished before
    MISSING = "missing"  # no such job in this database
    MALFORMED = "malformed"
    RETRY = "retry"


def process(factory: sessionmaker[Session], queued: Queued) -> Outcome:
    """Store one queued document in one transaction."""
    with unit_of_work(factory) as session:
        # FOR UPDATE (PostgreSQL): a second worker given the same document, because the first
        # outlived its acknowledgement deadline, waits here and then sees the job finished.
        job = session.get(CaptureJob, queued.job_id, with_for_update=True)
        if job is None:
            return Outcome.MISSING
        if job.finished_at is not None:
            return Outcome.ALREADY
        try:
            capturing.capture(
                session, queued.actor, queued.data, error_behaviour=queued.error_behaviour, job=job
            )
        except DomainError as exc:
            # Refused before anything was stored (with rollback, a location that is no longer
            # the enterprise's): the job says why.
            capturing.fail_job(session, job, exc)
        log.info(
            "capture job %s %s: %d stored, %d already stored",
            job.id, job.status.value, job.events_stored, job.events_duplicate,
        )  # fmt: skip
        return Outcome.STORED


def give_up(factory: sessionmaker[Session], job_id: str, reason: str) -> None:
    with unit_of_work(factory) as session:
        job = session.get(CaptureJob, job_id, with_for_update=True)
        if job is not None and job.finished_at is None:
            error = DomainError(f"not stored after {MAX_DELIVER} deliveries: {reason}", status=500)
            capturing.fail_job(session, job, error)


async def _keep_alive(waiting: list[Msg], every: float) -> None:
    """Tell JetStream the fetched documents are in hand, so none is handed to another worker
    while it waits its turn in the batch or is being stored."""
    while True:
        await asyncio.sleep(every)
        for msg in list(waiting):
            with contextlib.suppress(nats.errors.Error):
                await msg.in_progress()


async def handle(factory: sessionmaker[Session], msg: Msg) -> Outcome:
    try:
        queued = decode(msg.data, msg.headers)
    except ValueError as exc:
        log.error("dropping message %s: %s", msg.subject, exc)
        await msg.term()
        return Outcome.MALFORMED
    try:
        # In a thread: the connection keeps answering the server's pings while the database works.
        outcome = await asyncio.to_thread(process, factory, queued)
    except Exception as exc:
        # The transaction was rolled back (database unavailable, a race with another worker on
        # the same events): nothing of it is stored, so delivering it again is safe.
        delivered = msg.metadata.num_delivered
        log.warning("capture job %s, delivery %d: %r", queued.job_id, delivered, exc)
        if delivered >= MAX_DELIVER:
            await asyncio.to_thread(give_up, factory, queued.job_id, repr(exc))
            await msg.term()
        else:
            await msg.nak(delay=RETRY_DELAY)
        return Outcome.RETRY
    if outcome is Outcome.MISSING:
        # Jobs are committed before their document is published, so this message belongs to
        # another database; redelivering it would not help.
        log.error("capture job %s does not exist here; dropping its document", queued.job_id)
        await msg.term()
    else:
        if outcome is Outcome.ALREADY:
            log.info("capture job %s was finished before; acknowledging again", queued.job_id)
        await msg.ack()
    return outcome


async def ensure_consumer(js: JetStreamContext, settings: Settings) -> None:
    try:
        await js.consumer_info(settings.nats_stream, settings.nats_consumer)
    except nats.js.errors.NotFoundError:
        await js.add_consumer(
            settings.nats_stream,
            ConsumerConfig(
                durable_name=settings.nats_consumer,
                ack_policy=AckPolicy.EXPLICIT,
                ack_wait=settings.nats_ack_wait,
                max_deliver=MAX_DELIVER + 1,  # the last delivery only fails the job
                filter_subject=settings.nats_subject,
            ),
        )


async def run(
    factory: sessionmaker[Session],
    settings: Settings,
    stop: asyncio.Event | None = None,
    *,
    batch: int = 10,
    until_idle: bool = False,
) -> int:
    """Consume until ``stop`` is set (or, ``until_idle``, until no document waits); the count.

    On stop the document in hand is finished and acknowledged and the rest of the batch is
    handed back at once, rather than after the acknowledgement deadline.
    """
    stop = stop or asyncio.Event()
    nc = await nats.connect(settings.nats_url, name="yaojian-worker-trace")
    handled = 0
    waiting: list[Msg] = []
    keep_alive = asyncio.create_task(_keep_alive(waiting, max(settings.nats_ack_wait / 3, 0.1)))
    try:
        js = nc.jetstream()
        await ensure_stream(js, settings)
        await ensure_consumer(js, settings)
        sub = await js.pull_subscribe_bind(
            durable=settings.nats_consumer, stream=settings.nats_stream
        )
        while not stop.is_set():
            try:
                waiting[:] = await sub.fetch(batch, timeout=FETCH_WAIT)
            except TimeoutError:  # nats.errors.TimeoutError, or the bare one of a partial batch
                if until_idle:
                    break
                continue
            while waiting and not stop.is_set():
                await handle(factory, waiting[0])
                waiting.pop(0)
                handled += 1
            for msg in waiting:
                await msg.nak()
            waiting.clear()
        await sub.unsubscribe()
    finally:
        keep_alive.cancel()
        # The acknowledgements still buffered reach the server before the socket closes.
        with contextlib.suppress(nats.errors.Error, TimeoutError):
            await nc.flush(timeout=5)
        await nc.close()
    return handled
