"""`python -m journey.tui.cli`: the `journey` command, as tests and SSH sessions run it."""

from journey.tui.cli import main

main()
