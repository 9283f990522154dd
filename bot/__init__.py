"""kabot — the key-account service manual, run from field staff's phones over Telegram."""
