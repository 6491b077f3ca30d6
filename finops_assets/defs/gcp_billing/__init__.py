"""Google Cloud billing export: the detailed export's nested schema, discovery and `gcp_billing_export`."""
