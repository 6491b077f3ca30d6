"""AWS Data Exports (CUR 2.0): manifests, the CUR 2.0 schema, discovery and the `aws_data_exports_raw` asset."""
