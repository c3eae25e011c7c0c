"""The primitives of a checkpointed loop's reverse sweep (srcad/transforms/reverse/
checkpoint.py): the revolve schedule of the loop and what generated code asks of it
(srcad/revolve.py). They have no derivative: they only move the loop's state between its
snapshots.
"""

from .. import kinds as K
from ..revolve import Schedule
from .table import defprim

defprim("revolve_schedule", Schedule, ("runtime", "revolve_schedule"),
        arg_names=("start", "stop", "step", "snapshots", "state"), effect=True,
        kind=lambda *ks: K.UNKNOWN,
        doc="the binomial checkpointing schedule of one run of a loop, holding its snapshots")
defprim("schedule_advance", Schedule.advance, ("method", "advance"), arg_names=("schedule",),
        effect=True, kind=lambda s: K.BOOL,
        doc="whether a segment of the loop is to run forward now (its bounds: start, stop)")
defprim("schedule_backward", Schedule.backward, ("method", "backward"),
        arg_names=("schedule",), effect=True, kind=lambda s: K.BOOL,
        doc="whether iterations of the loop are left to reverse")
defprim("schedule_store", Schedule.store, ("method", "store"), arg_names=("schedule", "state"),
        effect=True, kind=lambda s, v: K.NONE,
        doc="the loop's state after a segment, kept where the schedule needs it")
defprim("schedule_restore", Schedule.restore, ("method", "restore"), arg_names=("schedule",),
        effect=True,
        doc="the stored state the next reversed iterations are recomputed from")
for _field in ("start", "stop"):
    defprim(f"schedule_{_field}", lambda schedule, _f=_field: getattr(schedule, _f),
            ("template", f"schedule.{_field}"), arg_names=("schedule",), effect=True,
            kind=lambda s: K.INT,
            doc=f"the {_field} of the iterations the schedule runs or reverses now")
