"""Plain-text tables that line up in a terminal: CJK characters take two columns."""


def width(text):
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in str(text))


def table(rows, right=()):
    """Lines of a table; `right` holds the indexes of right-aligned (numeric) columns."""
    rows = [[str(cell) for cell in row] for row in rows]
    columns = [max(width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            gap = " " * (columns[i] - width(cell))
            cells.append(gap + cell if i in right else cell + gap)
        lines.append("  ".join(cells).rstrip())
    return lines
