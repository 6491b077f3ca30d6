"""finops-assets: billing exports and request traces as a Dagster asset graph."""
