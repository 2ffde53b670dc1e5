"""Running one instance: load its workflow, step it, mirror tasks and timers into rows, save."""
