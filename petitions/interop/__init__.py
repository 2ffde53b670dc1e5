"""The register's exchanges with other systems (issue 20 §6–7): the national export of the
register fields and the import of the register an office kept before this system."""
