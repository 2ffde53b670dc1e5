"""Backups that restore: ``archive`` writes one archive of the database, the files and the signed
audit log; ``restore`` puts it back or changes nothing (docs/operations.md, "Backups")."""
