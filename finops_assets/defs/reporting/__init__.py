"""Reporting: the `cost_report` asset (an offline HTML report of the dashboard panels over the marts)."""
