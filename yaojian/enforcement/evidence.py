"""Evidence files (电子证据固定): stored under the var dir by their SHA-256, the hash written
into the audit chain, and checked again whenever the file is read back."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from yaojian.audit.chain import record, snapshot
from yaojian.auth.actor import Actor
from yaojian.auth.permissions import Action, authorize
from yaojian.auth.scope import get_visible, scoped
from yaojian.enforcement.choices import CaseStage
from yaojian.enforcement.models import Evidence
from yaojian.enforcement.service import get_case, load_for
from yaojian.kit.errors import Conflict, InvalidInput, NotFound

MAX_BYTES = 50 * 1024 * 1024


def blob_path(var_dir: Path, sha256: str) -> Path:
    return var_dir / "evidence" / sha256[:2] / sha256


def add_evidence(
    session: Session,
    actor: Actor,
    case_id: int,
    *,
    filename: str,
    content_type: str,
    data: bytes,
    description: str,
    var_dir: Path,
) -> Evidence:
    case = load_for(session, actor, case_id, Action.CASE_HANDLE)
    if case.stage is CaseStage.CLOSED:
        raise Conflict("case_closed: no evidence is added to a closed case", "case_closed")
    if not data:
        raise InvalidInput("file", "the file is empty")
    if len(data) > MAX_BYTES:
        raise InvalidInput("file", f"a file is at most {MAX_BYTES // (1024 * 1024)} MB")
    digest = hashlib.sha256(data).hexdigest()
    path = blob_path(var_dir, digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed, so that a crash never leaves a partial file under the hash.
        partial = path.with_suffix(f".{os.getpid()}.part")
        partial.write_bytes(data)
        partial.replace(path)
    item = Evidence(
        case_id=case.id,
        region_code=case.region_code,
        filename=Path(filename or "evidence").name[:255],
        content_type=(content_type or "application/octet-stream")[:120],
        size=len(data),
        sha256=digest,
        description=description[:500],
        uploaded_by=actor.audit_label(),
    )
    session.add(item)
    session.flush()
    record(session, actor, "evidence.add", "enforcement_evidence", item.id, None, snapshot(item))
    return item


def list_evidence(session: Session, actor: Actor, case_id: int) -> list[Evidence]:
    case = get_case(session, actor, case_id)
    stmt = select(Evidence).where(Evidence.case_id == case.id).order_by(Evidence.id)
    return list(session.scalars(scoped(stmt, actor, Evidence)))


def read_evidence(
    session: Session, actor: Actor, evidence_id: int, var_dir: Path
) -> tuple[Evidence, bytes]:
    """The file and its bytes, after checking them against the recorded hash (409 if altered).

    Each read is audited: who looked at the evidence is part of its chain of custody.
    """
    item = get_visible(session, actor, Evidence, evidence_id, "evidence")
    authorize(actor, Action.CASE_HANDLE, item.region_code)
    path = blob_path(var_dir, item.sha256)
    if not path.exists():
        raise NotFound("evidence file", item.sha256)
    data = path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != item.sha256:
        record(session, actor, "evidence.mismatch", "enforcement_evidence", item.id, None,
               {"recorded": item.sha256, "actual": actual})  # fmt: skip
        raise Conflict(
            f"evidence_altered: the stored file's SHA-256 is {actual}, not the {item.sha256} "
            "recorded when it was fixed",
            "evidence_altered",
        )
    record(session, actor, "evidence.read", "enforcement_evidence", item.id, None,
           {"sha256": item.sha256})  # fmt: skip
    return item, data
