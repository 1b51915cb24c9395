"""Render a certificate as an A4 PDF in Simplified Chinese.

The text uses reportlab's built-in CID font ``STSong-Light`` (Adobe-GB1): it needs no font file
and no network, and every PDF viewer substitutes a Song/Ming face for it. The system's Noto CJK
fonts are CFF-flavoured OpenType, which reportlab cannot embed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from io import BytesIO
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from backend.certificates.records import CertificateData, LedgerLine, hours_text, stars_text

FONT = "STSong-Light"
LATIN_FONT = "Helvetica"  # codes, hashes and figures: the CID font's Latin widths space them unevenly
_ASCII_RUN = re.compile(r"[\x21-\x7e]+")
KIND_ZH = {"service_credit": "服务记录", "reversal": "撤销"}


@dataclass(frozen=True)
class Stamp:
    """What the issuing service adds to the data: the code, where to check it, and when."""

    code: str
    verify_url: str
    issued_at: datetime
    content_hash: str
    star_levels: int  # how many levels the policy has, for the ☆ outline
    timezone: str = "Asia/Shanghai"


def _register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=11, leading=18, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=24, leading=32, alignment=TA_CENTER),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=12, alignment=TA_CENTER,
                                   textColor=colors.HexColor("#555555")),
        "body": ParagraphStyle("body", parent=base, fontSize=12, leading=22, firstLineIndent=24),
        "heading": ParagraphStyle("heading", parent=base, fontSize=13, leading=20, spaceBefore=6),
        "cell": ParagraphStyle("cell", parent=base, fontSize=10, leading=14),
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=13, textColor=colors.HexColor("#444444")),
    }


def _markup(text: str) -> str:
    """Escape for reportlab's paragraph markup and set ASCII runs in the Latin font."""
    return _ASCII_RUN.sub(lambda m: f'<font name="{LATIN_FONT}">{m.group()}</font>', escape(text))


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(_markup(text), style)


def _local(at: datetime, tz: str) -> datetime:
    return at.astimezone(ZoneInfo(tz))


def _summary_table(data: CertificateData, stamp: Stamp, st) -> Table:
    rows = [
        ("姓名", data.name),
        ("身份证号", data.id_masked or "未登记"),
        ("累计服务时长", hours_text(data.service_minutes)),
        ("星级", stars_text(data.star_level, stamp.star_levels)),
        ("星级标准", f"{data.city_zh}时间银行星级标准"),
        ("开具日期", f"{_local(stamp.issued_at, stamp.timezone):%Y年%m月%d日}"),
        ("验证码", stamp.code),
    ]
    table = Table([[_para(k, st["cell"]), _para(v, st["cell"])] for k, v in rows],
                  colWidths=[35 * mm, 125 * mm])
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#F2EEE6")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return table


def coins_figure(minutes: int) -> str:
    """Coins as a plain figure for the table: 90 → '1.5', 45 → '0.75', 120 → '2', -90 → '-1.5'."""
    figure = (Decimal(minutes) / 60).quantize(Decimal("0.01"))
    return f"{figure:f}".rstrip("0").rstrip(".")


def _line_row(line: LedgerLine, tz: str, st) -> list:
    kind = KIND_ZH.get(line.kind, line.kind)
    if line.reverses_seq is not None:
        kind = f"撤销第{line.reverses_seq}号"
    cells = [str(line.seq), f"{_local(line.created_at, tz):%Y-%m-%d}", kind,
             hours_text(line.service_minutes), coins_figure(line.coins_minutes), line.hash_prefix]
    return [_para(c, st["cell"]) for c in cells]


def _entries_table(data: CertificateData, tz: str, st) -> Table:
    header = [_para(h, st["cell"]) for h in ("账本序号", "日期", "类型", "服务时长", "时间币（个）", "记录指纹")]
    rows = [header] + [_line_row(line, tz, st) for line in data.lines]
    if not data.lines:
        rows.append([_para("暂无服务记录", st["cell"])] + [""] * 5)
    table = Table(rows, colWidths=[20 * mm, 26 * mm, 30 * mm, 30 * mm, 24 * mm, 32 * mm], repeatRows=1)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F2EEE6")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    if not data.lines:
        style.append(("SPAN", (0, 1), (-1, 1)))
    table.setStyle(TableStyle(style))
    return table


def _footer(stamp: Stamp):
    """Every page carries the code and its number, so a loose page can still be checked."""
    def draw(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(colors.HexColor("#666666"))
        label = "服务记录证明  验证码 "
        canvas.drawString(doc.leftMargin, 12 * mm, label)
        canvas.setFont(LATIN_FONT, 8)
        canvas.drawString(doc.leftMargin + pdfmetrics.stringWidth(label, FONT, 8), 12 * mm, stamp.code)
        canvas.setFont(FONT, 8)
        canvas.drawRightString(A4[0] - doc.rightMargin, 12 * mm, f"第 {doc.page} 页")
        canvas.restoreState()
    return draw


def render(data: CertificateData, stamp: Stamp) -> bytes:
    """The certificate as PDF bytes."""
    _register_font()
    st = _styles()
    out = BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm, topMargin=20 * mm,
                            bottomMargin=20 * mm, title="服务记录证明", author="银龄时间银行",
                            subject=f"验证码 {stamp.code}")
    stars = stars_text(data.star_level, stamp.star_levels)
    intro = (f"兹证明 {data.name}（身份证号 {data.id_masked or '未登记'}）在银龄时间银行累计提供志愿服务"
             f" {hours_text(data.service_minutes)}，按{data.city_zh}时间银行星级标准，星级为：{stars}。"
             f"以下服务记录取自时间银行账本（截至第 {data.ledger_seq} 号记录），每条记录均可凭记录指纹核对。")
    story = [
        _para("服务记录证明", st["title"]),
        _para("银龄时间银行", st["subtitle"]),
        Spacer(1, 8 * mm),
        _para(intro, st["body"]),
        Spacer(1, 5 * mm),
        _summary_table(data, stamp, st),
        Spacer(1, 6 * mm),
        _para("服务记录明细", st["heading"]),
        Spacer(1, 2 * mm),
        _entries_table(data, stamp.timezone, st),
        Spacer(1, 8 * mm),
        _para(f"验证码：{stamp.code}", st["heading"]),
        _para(f"验证网址：{stamp.verify_url}", st["small"]),
        _para("本证明由时间银行账本自动生成。查验时请打开上述网址或输入验证码；"
                  "若开具后有服务记录被撤销，查验结果将显示本证明已过期。", st["small"]),
        _para(f"内容指纹：{stamp.content_hash}", st["small"]),
    ]
    doc.build(story, onFirstPage=_footer(stamp), onLaterPages=_footer(stamp))
    return out.getvalue()
