"""Mapping keys that a manifest names (S3 keys, blob names) to files next to the manifest in the landing area.

Exporters write absolute object keys with whatever bucket prefix they were set up with; once mirrored into
the landing area the prefix differs. The stable part is the manifest's own folder: the last two folder
names of the manifest (`<report>/<period>` for CUR, `<period>/<runId>` for Azure) appear in every key it
names, and what follows them is the path relative to the manifest's folder.
"""

from __future__ import annotations

from finops_assets.landing.storage import LandingPathError, confine_key


class ReferencedKeyError(ValueError):
    pass


def key_next_to_manifest(manifest_key: str, referenced_key: str) -> str:
    try:
        key = confine_key(referenced_key)
    except LandingPathError as exc:
        raise ReferencedKeyError(f"{referenced_key!r} rejected: {exc}") from exc
    manifest_folder = manifest_key.rsplit("/", 1)[0]
    anchor = "/".join(manifest_folder.split("/")[-2:]) + "/"
    at = key.find(anchor)
    if at == -1 or (at > 0 and key[at - 1] != "/"):
        raise ReferencedKeyError(f"{referenced_key!r} is not under {anchor!r}")
    return f"{manifest_folder}/{key[at + len(anchor):]}"
