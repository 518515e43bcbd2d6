"""The rows of the benchmark table, in order: a stable key each (the smoke test looks
rows up by it), a short title (for an error row) and the function measuring it."""

from __future__ import annotations

from collections.abc import Callable

from tests.benchmarks import bulk_figures, export_figures, figures, map_figures
from tests.benchmarks.figures import WRITERS, Bench, Row

FIGURES: tuple[tuple[str, str, Callable[[Bench], Row]], ...] = (
    ("review_start", "`journey review` start to first full frame", figures.review_first_frame),
    (
        "commit_latency",
        "entry commit latency p50 / p99, synchronous=FULL",
        figures.commit_latency,
    ),
    ("map_refresh", "full map refresh (build_map, no filter)", figures.map_refresh),
    ("filtered_map", "filtered map, build_map with a filter", map_figures.filtered_map),
    ("compare", "compare two segments, both maps", map_figures.compare_groups),
    ("data_version", "idle data_version check (storage.data_version)", figures.data_version_check),
    ("csv_export", "entries CSV export, formula-safe", export_figures.csv_export),
    ("xlsx_export", "XLSX export, the whole workbook", export_figures.xlsx_export),
    (
        "concurrent_capture",
        f"{WRITERS} concurrent capture processes plus a review",
        figures.concurrent_capture,
    ),
    (
        "terminal_bytes",
        "bytes written by an idle review, and per outside update",
        figures.terminal_bytes,
    ),
    ("huge_paste", "quick-entry parse of a pasted line, 4x longer", figures.huge_paste),
    ("bulk_demo", "`journey demo` into a new database", bulk_figures.bulk_demo),
    ("bulk_csv_import", "entries CSV import into a new database", bulk_figures.bulk_csv_import),
    ("bulk_json_import", "JSON import into a new database", bulk_figures.bulk_json_import),
    ("bulk_merge", "`journey merge` into a new database", bulk_figures.bulk_merge),
)
