"""The domain's tables, the identity vault, schema migrations (the whole schema) and key rotation."""
