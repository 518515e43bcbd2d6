"""`python -m journey.tui.cli`: the `journey` command, as tests, SSH sessions and
`journey serve` run it."""

from journey.tui.cli import main

main()
