"""Printable documents (HTML and PDF with Chinese text) for licences and departments' forms."""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from fastapi.responses import HTMLResponse
from reportlab.graphics import renderPDF, renderSVG
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from service_runtime.security_headers import DOCUMENT_POLICY

FONT = "STSong-Light"  # a CID font built into PDF readers: Chinese renders without embedding


@dataclass(frozen=True)
class Document:
    title_zh: str
    title_en: str
    rows: Sequence[tuple[str, str]]  # (label, value)
    footer: str = ""
    qr_url: str | None = None


@cache
def _register_font() -> None:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _qr(url: str, size: float) -> Drawing:
    widget = QrCodeWidget(url)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def render_html(document: Document) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>"
        for label, value in document.rows
    )
    qr = ""
    if document.qr_url:
        svg = renderSVG.drawToString(_qr(document.qr_url, 120))
        qr = f"<figure>{svg}<figcaption>{html.escape(document.qr_url)}</figcaption></figure>"
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(document.title_zh)}</title>"
        "<style>body{font-family:'Noto Sans CJK SC',sans-serif;max-width:48rem;margin:2rem auto}"
        "th{text-align:left;padding-right:1rem;white-space:nowrap}td,th{border-bottom:1px solid #ddd;padding:.4rem}"
        "</style></head><body>"
        f"<h1>{html.escape(document.title_zh)}</h1><p>{html.escape(document.title_en)}</p>"
        f"<table>{rows}</table>{qr}<footer><p>{html.escape(document.footer)}</p></footer></body></html>"
    )


def html_response(document: Document) -> HTMLResponse:
    """The HTML page with the policy its inline styles need and that forbids every script."""
    return HTMLResponse(render_html(document), headers={"Content-Security-Policy": DOCUMENT_POLICY})


def render_pdf(document: Document) -> bytes:
    _register_font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setTitle(document.title_zh)
    width, height = A4
    y = height - 25 * mm
    canvas.setFont(FONT, 18)
    canvas.drawString(20 * mm, y, document.title_zh)
    y -= 8 * mm
    canvas.setFont(FONT, 10)
    canvas.drawString(20 * mm, y, document.title_en)
    y -= 12 * mm
    for label, value in document.rows:
        lines = _wrap(value, 34)
        if y - 6 * mm * len(lines) < 30 * mm:
            canvas.showPage()
            canvas.setFont(FONT, 10)
            y = height - 25 * mm
        canvas.setFont(FONT, 11)
        canvas.drawString(20 * mm, y, label)
        for line in lines:
            canvas.drawString(70 * mm, y, line)
            y -= 6 * mm
        y -= 2 * mm
    if document.qr_url:
        renderPDF.draw(_qr(document.qr_url, 30 * mm), canvas, width - 50 * mm, 20 * mm)
    canvas.setFont(FONT, 8)
    canvas.drawString(20 * mm, 15 * mm, document.footer)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _wrap(text: str, width: int) -> list[str]:
    """Wrap by character count: Chinese has no spaces to break at."""
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]
