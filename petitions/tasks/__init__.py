"""Officers' pages over tasks: the inbox and the task page."""
