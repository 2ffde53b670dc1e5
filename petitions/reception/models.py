"""The reception tables, as the reception package names them. They are defined beside the
register's tables in ``petitions/persistence/reception_models.py``: the persistence layer owns the
one metadata and the migrations, and may not import this package (import-linter's layers)."""
from petitions.persistence.reception_models import (ConclusionAssignment, DialogueConference,
                                                    ReceptionBookCounter, ReceptionCitizen,
                                                    ReceptionConclusion, ReceptionSchedule,
                                                    ReceptionSession, ReceptionVisit)

__all__ = ["ConclusionAssignment", "DialogueConference", "ReceptionBookCounter",
           "ReceptionCitizen", "ReceptionConclusion", "ReceptionSchedule", "ReceptionSession",
           "ReceptionVisit"]
