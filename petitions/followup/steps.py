"""The steps of the ``decision_followup`` process that other code counts or shows."""
from __future__ import annotations

PROCESS_KEY = "decision_followup"
PLAN_STEP = "Task_df_plan"
FIRST_LEVEL_STEP = "Task_df_first_level"
TRACK_STEP = "Task_df_track"
URGE_STEP = "Task_df_urge"
ESCALATE_STEP = "Task_df_escalate"
REPORT_STEP = "Task_df_report"
# One completed urging step is one urging (đôn đốc), recorded with its date, form and content.
URGING_STEPS = frozenset({URGE_STEP})
ALL_STEPS = frozenset({PLAN_STEP, FIRST_LEVEL_STEP, TRACK_STEP, URGE_STEP, ESCALATE_STEP,
                       REPORT_STEP})
