"""kabot — the key-account service manual, run from field staff's phones over Telegram."""

import os

# Opt in to python-telegram-bot's coming timedelta durations (RetryAfter.retry_after and the
# like); without it PTB 22 warns on every 429 it sees.
os.environ.setdefault("PTB_TIMEDELTA", "true")
