"""Running diagram code: the restricted sandbox, its budgets and the helpers scripts may call."""
