"""The ``petitions`` command line."""
