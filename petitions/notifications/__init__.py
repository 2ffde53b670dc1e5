"""In-app notifications and the email outbox, and the messages sent on reminders and escalations."""
