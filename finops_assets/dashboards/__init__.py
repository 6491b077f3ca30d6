"""Dashboards as code: the panels' SQL (panels.py) and the Grafana dashboards built from it (grafana.py)."""
