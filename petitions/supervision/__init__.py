"""Supervisors' pages: search, history, dashboard, reports and the case export."""
