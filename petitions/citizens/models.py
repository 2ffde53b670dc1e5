"""The citizens' tables, as this package names them. They are defined beside the register's
tables in ``petitions/persistence/citizens_models.py``: the persistence layer owns the one
metadata and the migrations, and may not import this package (import-linter's layers)."""
from petitions.persistence.citizens_models import (CitizenContact, OnlineLetter, Publication,
                                                   SatisfactionAnswer, SessionRegistration,
                                                   TrackingPin)

__all__ = ["CitizenContact", "OnlineLetter", "Publication", "SatisfactionAnswer",
           "SessionRegistration", "TrackingPin"]
