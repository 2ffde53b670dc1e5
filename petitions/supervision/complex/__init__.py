"""The register of complex, long-standing and backlog cases (vụ việc phức tạp, kéo dài, tồn
đọng): entries and their commands (``cases``), where candidates come from (``markers``), what
the pages and the dashboard read (``queries``) and the quarterly XLSX (``xlsx``)."""
