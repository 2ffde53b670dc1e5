"""Legal documents: forms filled from a case, registers, PDF conversion, signed PDFs (issue 16)."""
