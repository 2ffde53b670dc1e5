"""What people and the clock do to instances: human task commands, timers, deadlines, calendar."""
