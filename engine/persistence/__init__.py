"""Storage: the database engine, the unit of work, the tables and the serialized states."""
