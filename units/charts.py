"""Small charts drawn on the server as SVG (no script, no CDN; they print as they show)."""

from django.utils.html import escape
from django.utils.safestring import mark_safe

BAR_H, GAP, LABEL_W, BAR_W = 22, 8, 190, 320


def targets_chart(rows):
    """One bar per kind: done against the target (a tick marks the target; green when met)."""
    shown = [r for r in rows if r["target"] or r["done"]]
    if not shown:
        return ""
    scale = max(max((r["target"] or 0) for r in shown), max(r["done"] for r in shown), 1)
    height = len(shown) * (BAR_H + GAP) + GAP
    parts = [f'<svg class="chart" viewBox="0 0 {LABEL_W + BAR_W + 90} {height}" role="img" '
             f'aria-label="履责事项完成情况">']
    for i, row in enumerate(shown):
        y = GAP + i * (BAR_H + GAP)
        width = round(BAR_W * row["done"] / scale)
        css = "met" if row["met"] else ("short" if row["target"] else "free")
        parts.append(f'<text x="{LABEL_W - 6}" y="{y + 15}" text-anchor="end">{escape(row["label"])}</text>')
        parts.append(f'<rect class="track" x="{LABEL_W}" y="{y}" width="{BAR_W}" height="{BAR_H}"/>')
        parts.append(f'<rect class="bar {css}" x="{LABEL_W}" y="{y}" width="{width}" height="{BAR_H}"/>')
        if row["target"]:
            x = LABEL_W + round(BAR_W * row["target"] / scale)
            parts.append(f'<line class="target" x1="{x}" x2="{x}" y1="{y - 2}" y2="{y + BAR_H + 2}"/>')
        text = f'{row["done"]}' + (f' / {row["target"]}' if row["target"] else "")
        parts.append(f'<text x="{LABEL_W + BAR_W + 8}" y="{y + 15}">{escape(text)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped


def monthly_chart(counts):
    """Twelve columns: actions per month."""
    top = max(max(counts), 1)
    width, height, base = 12 * 34 + 20, 150, 120
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="各月履责事项">']
    for i, n in enumerate(counts):
        x = 14 + i * 34
        h = round(100 * n / top)
        parts.append(f'<rect class="bar free" x="{x}" y="{base - h}" width="24" height="{h}"/>')
        if n:
            parts.append(f'<text x="{x + 12}" y="{base - h - 4}" text-anchor="middle">{n}</text>')
        parts.append(f'<text x="{x + 12}" y="{base + 16}" text-anchor="middle">{i + 1}月</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
