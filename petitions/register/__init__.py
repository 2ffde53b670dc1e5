"""The register of letters: registration, documents, duplicates, addresses, grants and the petition file."""
