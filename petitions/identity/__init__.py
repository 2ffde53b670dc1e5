"""Protecting senders' identities: matching, redaction, sealing and who may read them."""
