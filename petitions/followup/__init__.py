"""Follow-up of decisions in force and conclusions (issue 19 §1): theo dõi, đôn đốc, tổ chức thi
hành. The follow-up runs as the ``decision_followup`` process inside the letter's instance
(processes/decision_followup, docs/processes/followup.md); this package reads its state from the
engine's task rows and the audit trail, as the reports do: there is no second task system."""
