"""Writers: CSV (with its codebook), JSON, Markdown and Mermaid, and the export job that
chooses among them."""
