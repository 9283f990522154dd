"""Business rules over time: visit frequency now; deadlines, reminders and penalties later."""
