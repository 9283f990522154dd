"""kabot — the key-account service manual, run from field staff's phones over Telegram."""

import os

# Opt in to python-telegram-bot's coming timedelta durations (RetryAfter.retry_after and the
# like); without it PTB 22 warns on every 429 it sees.
os.environ.setdefault("PTB_TIMEDELTA", "true")

# The outbox's sender posts each row's stored Bot API parameters as they are (see
# bot/delivery/sender.py): PTB's advice to use the typed method instead is expected there.
import warnings

from telegram.warnings import PTBUserWarning

warnings.filterwarnings(
    "ignore",
    message=r"Please use 'Bot\.\w+' instead of 'Bot\.do_api_request",
    category=PTBUserWarning,
)
