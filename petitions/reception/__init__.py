"""Citizen reception (tiếp công dân): schedules, sessions, the reception book, conclusions."""
