"""Public pages, reachable without logging in: for now the latest signed audit checkpoint (the
citizens' own pages will join this package).

Nothing here may show personal data: the checkpoint holds only chain names (``instance:<id>``,
``deployments``, ``users``, ``calendar``), sequence numbers, hashes and the public key.
"""
from flask import Blueprint

bp = Blueprint("public", __name__)

from webapp.public import views  # noqa: E402,F401  (registers the routes on bp)
