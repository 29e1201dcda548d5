"""Evaluation periods: lifecycle, score grids, peer meetings, rankings and results."""

from django.http import Http404


def _pending(request, *args, **kwargs):
    raise Http404("建设中")


PeriodList = type("PeriodList", (), {"as_view": classmethod(lambda cls: _pending)})
period_create = period_detail = period_action = score_grid = meeting_create = meeting_detail = _pending
peer_grid = ranking = ranking_export = result_detail = _pending
