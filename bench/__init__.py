"""The benchmark (`make bench`): generates CUR v1 history at scale, loads it through Dagster and through the
floors and a peer, and writes bench/RESULTS.md and bench/results.json. Not part of the package nor of `make test`."""
