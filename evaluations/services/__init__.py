"""Everything that changes a period or its scores goes through here: checked, in one transaction, audited."""

from .appeals import (  # noqa: F401
    APPEAL_CHANNELS,
    APPEAL_REASON_MIN,
    ONE_OPEN_APPEAL,
    SURVEY_NOT_APPEALABLE,
    Result,
    _rounded,
    appeal_accept,
    appeal_deadline,
    appeal_file,
    appeal_grades_decide,
    appeal_recompute,
    appeal_reject,
    appeal_window_open,
    recompute_job,
    recompute_start,
)
from .contests import contest_create, contest_results, contest_scores_save  # noqa: F401
from .honours import _decide_pending, grades_decide, honour_change, honours_confirm  # noqa: F401
from .periods import (  # noqa: F401
    FROZEN,
    NOT_SCORING,
    _lock_for_scoring,
    candidates,
    ensure_scoring,
    participant_add,
    participant_remove,
    period_compute,
    period_create,
    period_open,
    roster,
)
from .points import (  # noqa: F401
    period_points,
    point_event_decide,
    point_event_dispute,
    point_event_record,
    point_item_create,
    points_from_facts,
)
from .publication import (  # noqa: F401
    lock_accepting_every_gap,
    period_lock,
    period_publish,
    period_reopen,
    period_withdraw,
    reader_record,
)
from .schemes import scheme_create_default, validate_rules  # noqa: F401
from .scores import (  # noqa: F401
    CODE_USED,
    SURVEY_CLOSED,
    CodeRefused,
    UnknownCode,
    channel_refusal,
    meeting_create,
    save_grid,
    survey_answer,
    survey_code_check,
    survey_codes_create,
)
