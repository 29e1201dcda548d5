"""The stage timeline of a project page: planned and actual bars per stage on one shared date axis."""

from dataclasses import dataclass


@dataclass
class Bar:
    left: float  # % of the axis
    width: float


@dataclass
class Row:
    stage: object  # ProjectStage
    state: str  # done / current / todo
    days_late: int  # current stage: days past its planned end; done stage: days it finished after it
    planned: Bar | None
    actual: Bar | None


def late_days(planned_end, day):
    """Days `day` lies after `planned_end` (0 when on time or no plan)."""
    if planned_end is None or day is None:
        return 0
    return max(0, (day - planned_end).days)


def build(stages, today):
    """Rows for the six stages (in order) and the position of today on the axis, in %."""
    stages = sorted(stages, key=lambda s: s.stage)
    dates = [d for s in stages for d in (s.planned_start, s.planned_end, s.actual_start, s.actual_end) if d]
    low, high = min(dates + [today]), max(dates + [today])
    span = max((high - low).days, 1)

    def bar(start, end):
        if start is None and end is None:
            return None
        start, end = start or end, end or start
        left = (start - low).days * 100 / span
        return Bar(round(left, 2), round(max((end - start).days * 100 / span, 0.8), 2))

    rows, current_found = [], False
    for stage in stages:
        if stage.actual_end is not None:
            state, late = "done", late_days(stage.planned_end, stage.actual_end)
        elif not current_found:
            current_found, state, late = True, "current", late_days(stage.planned_end, today)
        else:
            state, late = "todo", 0
        actual_end = stage.actual_end or (today if stage.actual_start else None)
        rows.append(Row(stage, state, late, bar(stage.planned_start, stage.planned_end),
                        bar(stage.actual_start, actual_end)))
    return rows, round((today - low).days * 100 / span, 2)
