"""AWS Cost and Usage Report (CUR v1): manifests, schema, discovery and the `aws_cur_raw` asset."""
