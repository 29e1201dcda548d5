"""公文 (.docx) in the 党政机关公文 format (GB/T 9704-2012) with python-docx: 通报, 考评结果通知, 年度报告 and a
person's 实绩档案.

Layout as the standard draws it: A4, margins 37 / 35 / 28 / 26 mm; the 发文机关标志 in red 小标宋 centred; the
发文字号 in 仿宋 三号 centred above a red rule; the 标题 in 小标宋 二号; 主送机关; the 正文 in 仿宋_GB2312 三号 with a
two-character first-line indent on a 28-point line; 落款 and 成文日期 (Arabic numerals) on the right; the 版记 with
抄送 and 印发机关 / 印发日期 between rules. Wording and 发文机关 come from the county's DocumentTemplate (editable in
the browser); a 发文字号 comes from the county's sequence and is never given twice (a unique constraint, and a
retry when a parallel issue took the number first).
"""

import io
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from notifications.models import DocumentKind, DocumentNumber, DocumentTemplate

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
RED = RGBColor(0xFF, 0x00, 0x00)
RED_HEX = "FF0000"
XIAOBIAOSONG = "方正小标宋简体"
FANGSONG = "仿宋_GB2312"
HEITI = "黑体"
SIZE_2 = Pt(22)  # 二号
SIZE_3 = Pt(16)  # 三号
SIZE_4 = Pt(14)  # 四号
MARK_SIZE = Pt(36)  # 发文机关标志: 小初, the size offices commonly use
LINE = Pt(28)  # 正文 line pitch: 22 lines of 28 characters per page

DEFAULTS = {
    DocumentKind.NOTICE: {
        "title": "关于{name}同志连续不在岗情况的通报", "main_to": "各镇（街道）党（工）委，县直有关部门单位：",
        "opening": ("为严格落实第一书记在岗在位管理制度，县委组织部对全县驻村第一书记在岗情况进行了随机抽查。"
                    "现将有关情况通报如下："),
        "closing": "各派出单位和镇（街道）要引以为戒，切实加强对第一书记的日常管理，确保驻村工作落到实处。",
    },
    DocumentKind.RESULTS: {
        "title": "关于{period}第一书记考评结果的通知", "main_to": "各镇（街道）党（工）委，各派出单位：",
        "opening": ("根据“五看四评三争”考评办法，经组织考评、镇街点评、观摩互评和党员群众测评，"
                    "{period}第一书记考评工作已经完成。现将考评结果通知如下："),
        "closing": "希望受到表彰的同志珍惜荣誉、再接再厉；排名靠后的同志要认真查找差距、改进工作。",
    },
    DocumentKind.ANNUAL: {
        "title": "{county}{year}年度第一书记考评工作情况报告", "main_to": "县委：",
        "opening": "现将{year}年度全县驻村第一书记考评工作情况报告如下：",
        "closing": "特此报告。",
    },
    DocumentKind.ARCHIVE: {
        "title": "{name}同志个人实绩档案", "main_to": "",
        "opening": "{name}同志驻村工作期间考评结果和工作实绩如下：", "closing": "",
    },
}


def template_for(region, kind):
    """The county's template of `kind`, made from the defaults the first time it is asked for."""
    county_name = region.name
    defaults = {
        "issuer_mark": f"中共{county_name}委组织部文件", "issuer": f"中共{county_name}委组织部",
        "code_prefix": "" if kind == DocumentKind.ARCHIVE else f"{county_name[:1]}组",
        "copy_to": "" if kind == DocumentKind.ARCHIVE else "市委组织部。",
        "printer": f"中共{county_name}委组织部办公室", **DEFAULTS[kind],
    }
    template, _ = DocumentTemplate.objects.get_or_create(region=region, kind=kind, defaults=defaults)
    return template


def fill(text, **values):
    """Put the placeholders in; an unknown {word} stays as typed (a template is not code)."""
    for key, value in values.items():
        text = text.replace("{" + key + "}", str(value))
    return text


def number_issue(*, template, year, title, user, source=""):
    """The next 发文字号 of the county's sequence (per 机关代字 and year), or the one `source` already has.
    A parallel issue that took the number first makes this one try the next (a unique constraint decides)."""
    if not template.code_prefix:
        return None
    if source:
        existing = DocumentNumber.objects.filter(region=template.region, kind=template.kind, source=source).first()
        if existing is not None:
            return existing
    for _ in range(10):
        last = DocumentNumber.objects.filter(region=template.region, prefix=template.code_prefix, year=year) \
            .aggregate(n=Max("number"))["n"] or 0
        try:
            with transaction.atomic():
                return DocumentNumber.objects.create(
                    region=template.region, prefix=template.code_prefix, year=year, number=last + 1,
                    kind=template.kind, title=title[:200], source=source, issued_by=user)
        except IntegrityError:
            if source and DocumentNumber.objects.filter(region=template.region, kind=template.kind,
                                                        source=source).exists():
                return DocumentNumber.objects.get(region=template.region, kind=template.kind, source=source)
            continue
    raise IntegrityError("发文字号分配冲突，请稍后重试。")


@dataclass
class Official:
    """One 公文's content: filled in by a builder below, written by `docx_bytes`."""

    template: DocumentTemplate
    title: str
    paragraphs: list = field(default_factory=list)  # str, or ("heading", str), or ("table", headers, rows)
    number: DocumentNumber | None = None
    date: object = None

    @property
    def code(self):
        return self.number.code if self.number else ""


def _font(run, name, size, bold=False, color=None):
    run.font.name = name
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    run.font.size = size
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color


def _paragraph(doc, text, *, font=FANGSONG, size=SIZE_3, align=None, indent=False, color=None, bold=False,
               space_after=0):
    paragraph = doc.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, LINE
    fmt.space_before, fmt.space_after = Pt(0), Pt(space_after)
    if indent:
        fmt.first_line_indent = Pt(size.pt * 2)
    if align is not None:
        paragraph.alignment = align
    _font(paragraph.add_run(text), font, size, bold=bold, color=color)
    return paragraph


def _rule(paragraph, color, size=12):
    """A rule under the paragraph (the 版头 red line, the 版记 lines): the paragraph's bottom border."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", str(size)), ("w:space", "1"), ("w:color", color)):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def chinese_date(day):
    return f"{day.year}年{day.month}月{day.day}日"


def docx_bytes(official):
    template = official.template
    day = official.date or timezone.localdate()
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    # 版头: the red 发文机关标志, the 发文字号, the red rule.
    _paragraph(doc, template.issuer_mark, font=XIAOBIAOSONG, size=MARK_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER,
               color=RED, space_after=24).paragraph_format.line_spacing = Pt(48)
    number = _paragraph(doc, official.code, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=6)
    _rule(number, RED_HEX, size=18)
    _paragraph(doc, "")
    # 主体
    _paragraph(doc, official.title, font=XIAOBIAOSONG, size=SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER,
               space_after=14).paragraph_format.line_spacing = Pt(36)
    if template.main_to:
        _paragraph(doc, template.main_to)
    for part in official.paragraphs:
        if isinstance(part, tuple) and part[0] == "heading":
            _paragraph(doc, part[1], font=HEITI, indent=True)
        elif isinstance(part, tuple) and part[0] == "table":
            _table(doc, part[1], part[2])
        else:
            _paragraph(doc, part, indent=True)
    _paragraph(doc, "")
    _paragraph(doc, template.issuer, align=WD_ALIGN_PARAGRAPH.RIGHT).paragraph_format.right_indent = Pt(64)
    _paragraph(doc, chinese_date(day), align=WD_ALIGN_PARAGRAPH.RIGHT).paragraph_format.right_indent = Pt(64)
    # 版记
    if template.copy_to or template.printer:
        _paragraph(doc, "")
        top = _paragraph(doc, "", size=SIZE_4)
        _rule(top, "000000", size=8)
        if template.copy_to:
            copy = _paragraph(doc, f"抄送：{template.copy_to}", size=SIZE_4)
            copy.paragraph_format.left_indent = Pt(14)
            _rule(copy, "000000", size=4)
        printed = _paragraph(doc, f"{template.printer}\u3000\u3000\u3000\u3000{chinese_date(day)}印发", size=SIZE_4)
        printed.paragraph_format.left_indent = Pt(14)
        _rule(printed, "000000", size=8)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _table(doc, headers, rows):
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(str(header)), HEITI, SIZE_4)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            _font(cell.paragraphs[0].add_run("" if value is None else str(value)), FANGSONG, SIZE_4)


# --- Builders: a domain object in, an Official out ------------------------------------------------------------

def notice_document(notice, *, region, user):
    """通报 of three absences, from an issued presence notice."""
    template = template_for(region, DocumentKind.NOTICE)
    name = notice.secretary.name
    title = fill(template.title, name=name, county=region.name)
    day = timezone.localdate(notice.issued_at) if notice.issued_at else timezone.localdate()
    number = number_issue(template=template, year=day.year, title=title, user=user, source=f"notice:{notice.pk}")
    body = [fill(template.opening, name=name, county=region.name)]
    body += [line.strip() for line in notice.body.splitlines() if line.strip()]
    if template.closing:
        body.append(fill(template.closing, name=name, county=region.name))
    return Official(template=template, title=title, paragraphs=body, number=number, date=day)


def results_document(period, rows, *, region, user):
    """考评结果通知 of a published period; `rows` are (name, unit, township, composite, rank, grade)."""
    template = template_for(region, DocumentKind.RESULTS)
    values = {"period": period.label, "county": region.name, "year": period.year}
    title = fill(template.title, **values)
    number = number_issue(template=template, year=timezone.localdate().year, title=title, user=user,
                          source=f"period:{period.pk}")
    body = [fill(template.opening, **values), ("heading", "一、考评结果"),
            ("table", ("县排名", "姓名", "派出单位", "镇街", "综合得分", "等次"), rows)]
    if template.closing:
        body.append(fill(template.closing, **values))
    return Official(template=template, title=title, paragraphs=body, number=number)


def annual_document(report, *, region, user):
    """年度报告: the yearly report's 汇总 as a document."""
    template = template_for(region, DocumentKind.ANNUAL)
    values = {"year": report.year, "county": region.name}
    title = fill(template.title, **values)
    number = number_issue(template=template, year=report.year, title=title, user=user,
                          source=f"annual:{report.year}:{report.region.pk if report.region else ''}")
    summary = report.summary()
    total = summary["total"]
    body = [fill(template.opening, **values), ("heading", "一、总体情况"),
            f"{report.year}年度全县参加考评的第一书记共 {total['people']} 人，其中取得综合得分 {total['ranked']} 人。",
            ("heading", "二、各镇（街道）情况"),
            ("table", summary["headers"], [report.summary_cells(row) for row in summary["rows"]]
             + [report.summary_cells(total)])]
    body += [note for note in report.notes()]
    if template.closing:
        body.append(template.closing)
    return Official(template=template, title=title, paragraphs=body, number=number)


def archive_document(secretary, rows, *, region, user, training=()):
    """个人实绩档案: each period's composite, ranks and grade; `rows` as (period, composite, county rank,
    township rank, grade, honours); `training` as (year, sessions, hours, minimum, 情况)."""
    template = template_for(region, DocumentKind.ARCHIVE)
    values = {"name": secretary.name, "county": region.name}
    title = fill(template.title, **values)
    body = [fill(template.opening, **values),
            f"姓名：{secretary.name}；派出单位：{secretary.unit.name}；职务：{secretary.post or '—'}。",
            ("heading", "一、历次考评结果"),
            ("table", ("考评周期", "综合得分", "县排名", "镇排名", "等次", "荣誉"), rows)]
    if training:
        body += [("heading", "二、培训学时"), ("table", ("年度", "参训次数", "学时", "最低要求", "情况"), training)]
    if template.closing:
        body.append(fill(template.closing, **values))
    return Official(template=template, title=title, paragraphs=body,
                    number=number_issue(template=template, year=timezone.localdate().year, title=title, user=user))
