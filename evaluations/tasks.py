"""Work of evaluations that the task worker runs, named by the jobs that evaluations.services queue."""

from .services import appeals


def appeal_recompute(appeal_id, user_id=None):
    """Recompute a large published period after an accepted appeal (services.appeals.RECOMPUTE_INLINE_MAX)."""
    return appeals.appeal_recompute(appeal_id=appeal_id, user_id=user_id)
