"""The sandbox: kabot in a browser, no Telegram token needed.

``python run_bot.py sandbox`` runs the real kabot application against the local Bot API
server (``bot.botapi``) with the sample organisation from ``examples/`` loaded, and serves a
page on 127.0.0.1 that works like a Telegram client (``bot.sandbox.web``). Everything —
kabot's database, the chats, the files, the time machine's clock — lives in one folder and
survives a restart; ``--reset`` (or the page's reset button) starts over.
"""
