import pytest

from finops_assets.landing import LandingPathError, LocalLanding, confine_key, landing_from_url


@pytest.mark.parametrize("key", ["../x", "a/../../x", "/etc/passwd", "a//b", "a/./b", "a\\b", "", "C:/x", "a\x00b"])
def test_keys_that_leave_the_landing_area_are_rejected(key):
    with pytest.raises(LandingPathError):
        confine_key(key)


def test_local_listing_matches_globs_across_folders(tmp_path):
    for key in ["aws_cur/r/20250901-20251001/r-Manifest.json", "aws_cur/r/20250901-20251001/a1/r-Manifest.json",
                "aws_cur/r/20250901-20251001/a1/r-1.csv.gz", "other/x-Manifest.json"]:
        path = tmp_path / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")
    landing = LocalLanding(tmp_path)
    keys = [o.key for o in landing.list("aws_cur", "aws_cur/**/*-Manifest.json")]
    assert keys == ["aws_cur/r/20250901-20251001/r-Manifest.json", "aws_cur/r/20250901-20251001/a1/r-Manifest.json"]
    assert list(landing.list("missing", "missing/**")) == []
    assert landing.read_head("other/x-Manifest.json", 1) == b"{"
    assert landing.native_uri("other/x-Manifest.json") == str(tmp_path / "other/x-Manifest.json")


def test_symlinks_out_of_the_landing_area_are_rejected(tmp_path):
    (tmp_path / "root").mkdir()
    (tmp_path / "secret").write_text("s")
    (tmp_path / "root" / "link").symlink_to(tmp_path / "secret")
    with pytest.raises(LandingPathError, match="outside the landing area"):
        LocalLanding(tmp_path / "root").read_bytes("link")


def test_landing_url_schemes():
    with pytest.raises(ValueError, match="unsupported landing URL"):
        landing_from_url("ftp://host/x")
    with pytest.raises(ValueError, match="needs a google-cloud-storage client"):
        landing_from_url("gs://bucket/prefix")
