"""Readers: journey's entries CSV, survey CSVs through a mapping, the JSON export, and
other journey databases (merge)."""
