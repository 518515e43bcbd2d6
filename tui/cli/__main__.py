"""`python -m journey.tui.cli`: the `journey` command (what `journey serve` runs)."""

from journey.tui.cli import main

main()
