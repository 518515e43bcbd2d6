"""The faces of journey: the Textual app and the Typer CLI."""
