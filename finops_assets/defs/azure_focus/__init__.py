"""Azure Cost Management FOCUS exports: manifests, the FOCUS schema, discovery and `azure_focus_raw`."""
