"""PDF renditions of confirmations and statements (reportlab), from the same dicts the JSON
responses render."""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _table(rows: list[list[Any]], header: bool = True) -> Table:
    table = Table([[_text(c) for c in row] for row in rows], hAlign="LEFT")
    style = [("FONTSIZE", (0, 0), (-1, -1), 8), ("GRID", (0, 0), (-1, -1), 0.25, colors.grey)]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey))
    table.setStyle(TableStyle(style))
    return table


def _pdf(title: str, story: list) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=LETTER, title=title, author=settings.TRADING_INSTITUTION_NAME)
    styles = getSampleStyleSheet()
    doc.build(
        [Paragraph(settings.TRADING_INSTITUTION_NAME, styles["Title"]), Paragraph(title, styles["Heading2"]), *story]
    )
    return buffer.getvalue()


def confirmation_pdf(data: dict) -> bytes:
    rows = [["Item", "Value"]] + [[key.replace("_", " "), data[key]] for key in data]
    return _pdf(f"Trade confirmation {data['confirmation_number']}", [_table(rows)])


def statement_pdf(data: dict) -> bytes:
    styles = getSampleStyleSheet()
    summary = [
        ["Period", f"{data['period_start']} to {data['period_end']}"],
        ["Opening cash", data["opening_cash"]],
        ["Closing cash", data["closing_cash"]],
        ["Holdings value", data["holdings_value"]],
        ["Closing total", data["closing_total"]],
        ["Realised gains", data["realized_gains"]],
    ]
    activity = [["Date", "Type", "Status", "Symbol", "Quantity", "Price", "Amount", "Fee"]] + [
        [a["date"], a["type"], a["status"], a["symbol"], a["quantity"], a["price"], a["amount"], a["fee"]]
        for a in data["activity"]
    ]
    holdings = [["Symbol", "Quantity", "Price", "Market value"]] + [
        [h["symbol"], h["quantity"], h["price"], h["market_value"]] for h in data["holdings"]
    ]
    story = [
        _table(summary, header=False),
        Spacer(1, 12),
        Paragraph("Activity", styles["Heading3"]),
        _table(activity),
        Spacer(1, 12),
        Paragraph("Holdings", styles["Heading3"]),
        _table(holdings),
    ]
    return _pdf(f"Statement {data['month']} — portfolio {data['portfolio_id']}", story)
