"""五看四评三争: schemes, periods, the people evaluated, scores from the four channels, and computed results.

A scheme is the county's rules (dimension weights, channel weights, peer-review trimming). A period copies
its scheme into `rules` when it opens, so changing a scheme never changes an open or closed period. Scores
are stored one per (person, channel, rater, dimension), with their totals per (person, channel, dimension) kept
by the database; results are computed from those in the database (see scoring.py) and frozen when the period is
locked.
"""

from .appeals import Appeal, ScoreChange  # noqa: F401
from .contests import Contest, ContestJudge, ContestScore, ContestTotal  # noqa: F401
from .honours import Honour  # noqa: F401
from .periods import Grade, Participant, Period  # noqa: F401
from .points import PointEvent, PointItem  # noqa: F401
from .publication import GapDecision, Publication, PublicationReader  # noqa: F401
from .schemes import (  # noqa: F401
    CHANNEL_INPUT,
    DEFAULT_CHANNEL_WEIGHTS,
    DEFAULT_DIMENSIONS,
    DEFAULT_TRIM_MIN_RATERS,
    MAX_DIMENSIONS,
    SCORE_ROW_CHANNELS,
    SCORE_VALIDATORS,
    WEIGHT_VALIDATORS,
    Channel,
    Dimension,
    Scheme,
    SchemeChannel,
)
from .scores import (  # noqa: F401
    ANSWER_POINTS,
    CODE_ALPHABET,
    CODE_LENGTH,
    Answer,
    PeerMeeting,
    Score,
    ScoreTotal,
    SurveyCode,
    SurveyTally,
    new_code,
    normalize_code,
)
from .training import TrainingAttendance, TrainingRequirement, TrainingSession  # noqa: F401
