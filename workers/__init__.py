"""Background work: timer wake-ups and the periodic sweep. Job functions take ids, never sessions."""
