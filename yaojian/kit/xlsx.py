"""Spreadsheets for officials: one sheet, a bold frozen header, set column widths, rows
streamed (write-only), so that an export of tens of thousands of rows stays quick."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from io import BytesIO
from typing import Any

from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(
    title: str, columns: Sequence[tuple[str, float | None]], rows: Iterable[Sequence[Any]]
) -> bytes:
    """``columns`` are (header, width in characters; None leaves Excel's default)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    for index, (_, width) in enumerate(columns, start=1):
        if width is not None:
            sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name, _ in columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def attachment(body: bytes, filename: str) -> Response:
    """The spreadsheet as a download named ``filename`` (ASCII)."""
    return Response(
        body,
        media_type=MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
