"""Loading a user's licensed MedDRA release from its ASCII files (none ships: MedDRA is licensed).

The files are ``$``-delimited with a trailing ``$``: ``llt.asc`` (llt_code, llt_name, pt_code …),
``pt.asc`` (pt_code, pt_name, -, pt_soc_code …), the hierarchy ``hlt.asc``, ``hlt_pt.asc``,
``hlgt.asc``, ``hlgt_hlt.asc``, ``soc.asc``, ``soc_hlgt.asc`` and the flattened ``mdhier.asc``
(pt, hlt, hlgt, soc codes and names … primary_soc_fg). Each LLT and PT becomes a
``MeddraTerm`` carrying its PT and the PT's primary HLT → HLGT → SOC path.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from yaojian.audit.chain import record
from yaojian.auth.actor import Actor
from yaojian.auth.permissions import Action, authorize
from yaojian.pv.models import MeddraTerm, ReportReaction


class MeddraError(Exception):
    pass


@dataclass
class LoadResult:
    release: str
    llts: int
    pts: int
    recoded_reactions: int


def _rows(
    directory: Path, name: str, *, required: bool = False, coded: bool = True
) -> list[list[str]]:
    path = next((p for p in directory.iterdir() if p.name.lower() == name), None)
    if path is None:
        if required:
            raise MeddraError(
                f"{directory.name}: {name} is missing; is this a MedDRA ASCII folder?"
            )
        return []
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("$")
        if len(fields) < 2 or (coded and not fields[0].strip().isdigit()):
            raise MeddraError(f"{path.name} line {number}: not a MedDRA record")
        rows.append([f.strip() for f in fields])
    return rows


def _paths(directory: Path, pts: dict[str, list[str]]) -> dict[str, tuple[str, str, str]]:
    """PT code → (HLT, HLGT, SOC) names along the PT's primary SOC."""
    primary: dict[str, tuple[str, str, str]] = {}
    for row in _rows(directory, "mdhier.asc"):
        if len(row) > 11 and row[11] == "Y":
            primary[row[0]] = (row[5], row[6], row[7])
    if primary:
        return primary
    hlt_names = {r[0]: r[1] for r in _rows(directory, "hlt.asc")}
    hlgt_names = {r[0]: r[1] for r in _rows(directory, "hlgt.asc")}
    soc_names = {r[0]: r[1] for r in _rows(directory, "soc.asc")}
    hlts_of_pt: dict[str, list[str]] = defaultdict(list)
    for row in _rows(directory, "hlt_pt.asc"):
        hlts_of_pt[row[1]].append(row[0])
    hlgt_of_hlt = {r[1]: r[0] for r in _rows(directory, "hlgt_hlt.asc")}
    socs_of_hlgt: dict[str, list[str]] = defaultdict(list)
    for row in _rows(directory, "soc_hlgt.asc"):
        socs_of_hlgt[row[1]].append(row[0])
    for pt_code, row in pts.items():
        primary_soc = row[3] if len(row) > 3 else ""
        for hlt in hlts_of_pt.get(pt_code, []):
            hlgt = hlgt_of_hlt.get(hlt, "")
            socs = socs_of_hlgt.get(hlgt, [])
            if primary_soc in socs or (not primary_soc and socs):
                soc = primary_soc or socs[0]
                primary[pt_code] = (
                    hlt_names.get(hlt, ""),
                    hlgt_names.get(hlgt, ""),
                    soc_names.get(soc, ""),
                )
                break
    return primary


def load(session: Session, actor: Actor, directory: Path, release: str | None = None) -> LoadResult:
    """Replace the loaded MedDRA release with the one in ``directory``; recode coded reactions."""
    authorize(actor, Action.PV_TERMINOLOGY)
    if not directory.is_dir():
        raise MeddraError(f"{directory} is not a folder")
    pts = {r[0]: r for r in _rows(directory, "pt.asc", required=True)}
    llts = _rows(directory, "llt.asc", required=True)
    if release is None:
        version = _rows(directory, "meddra_release.asc", coded=False)
        release = version[0][0] if version else directory.name
    paths = _paths(directory, pts)
    terms: dict[str, dict[str, str | None]] = {}

    def add(code: str, name: str, level: str, pt_code: str) -> None:
        if pt_code not in pts:
            raise MeddraError(f"llt.asc: LLT {code} points to PT {pt_code}, which pt.asc lacks")
        hlt, hlgt, soc = paths.get(pt_code, (None, None, None))
        terms[code] = {
            "code": code,
            "name": name[:250],
            "level": level,
            "pt_code": pt_code,
            "pt_name": pts[pt_code][1][:250],
            "hlt_name": hlt or None,
            "hlgt_name": hlgt or None,
            "soc_name": soc or None,
            "release": release[:20],
        }

    for row in llts:
        add(row[0], row[1], "pt" if row[0] == row[2] else "llt", row[2])
    for code, row in pts.items():
        if code not in terms:
            add(code, row[1], "pt", code)
    session.execute(delete(MeddraTerm))
    session.execute(insert(MeddraTerm), list(terms.values()))
    outcome = session.execute(
        update(ReportReaction)
        .where(ReportReaction.meddra_code.in_(select(MeddraTerm.code)))
        .values(
            coded_term=select(MeddraTerm.pt_name)
            .where(MeddraTerm.code == ReportReaction.meddra_code)
            .scalar_subquery()
        )
        .execution_options(synchronize_session=False)
    )
    recoded = int(getattr(outcome, "rowcount", 0) or 0)
    result = LoadResult(
        release, sum(1 for t in terms.values() if t["level"] == "llt"), len(pts), recoded
    )
    record(
        session, actor, "pv.meddra.load", "pv_meddra_term", release, None,
        {"release": release, "llts": result.llts, "pts": result.pts, "recoded": recoded},
    )  # fmt: skip
    session.flush()
    return result
