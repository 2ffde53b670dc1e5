"""Serves the browser libraries installed from npm (bpmn-js, chart.js) straight from node_modules."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory

bp = Blueprint("vendor", __name__, url_prefix="/vendor")

ROOT = Path(__file__).resolve().parent.parent / "node_modules"
# Only the distribution folders of these packages are reachable.
PACKAGES = {"bpmn-js": "bpmn-js/dist", "chart.js": "chart.js/dist",
            "axe-core": "axe-core"}  # the accessibility checker of the browser tests


@bp.get("/<package>/<path:filename>")
def asset(package: str, filename: str):
    folder = PACKAGES.get(package)
    if folder is None:
        abort(404)
    root = Path(current_app.config.get("PETITIONS_NODE_MODULES", ROOT)) / folder
    if not root.is_dir():
        abort(404)
    # send_from_directory refuses paths that escape the folder.
    return send_from_directory(root, filename, max_age=86400)
