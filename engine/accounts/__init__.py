"""Units, users, roles, sessions and who may see which unit's cases."""
