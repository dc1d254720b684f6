"""Supervision rows, one module per part (the blacklist; inspections, enforcement, grades and
complaints as they land). Import from ``supervision.models``: each module's names are re-exported."""

from .blacklist import *  # noqa: F403
from .blacklist import in_force_q  # noqa: F401
from .complaints import *  # noqa: F403
from .enforcement import *  # noqa: F403
from .grades import *  # noqa: F403
from .inspections import *  # noqa: F403
