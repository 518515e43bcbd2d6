"""Writers and readers: CSV, JSON, Markdown and Mermaid export, CSV import, merge."""
