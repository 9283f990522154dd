"""Start kabot: ``python run_bot.py --help`` lists what it can do."""

from bot.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
