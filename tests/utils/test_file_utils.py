"""get_file on local file:// URLs only: tests never touch the network."""

import hashlib
import io
import tarfile
import zipfile

import pytest

from pyfastfit.utils import get_file
from pyfastfit.utils.file_utils import validate_file


def _source(tmp_path, content=b"hello pyfastfit\n", name="src.bin"):
    src = tmp_path / "remote" / name
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_bytes(content)
    return src, hashlib.sha256(content).hexdigest()


def test_downloads_once_into_the_cache(tmp_path):
    src, sha = _source(tmp_path)
    cache = tmp_path / "cache"
    path = get_file("f.bin", origin=src.as_uri(), file_hash=sha, cache_dir=cache)
    assert path == str(cache / "datasets" / "f.bin")
    assert (cache / "datasets" / "f.bin").read_bytes() == b"hello pyfastfit\n"
    src.unlink()  # the second call must not download again
    assert get_file("f.bin", origin=src.as_uri(), file_hash=sha, cache_dir=cache) == path


def test_fname_defaults_to_url_basename_and_subdir(tmp_path):
    src, _ = _source(tmp_path, name="weights.h5")
    path = get_file(origin=src.as_uri(), cache_dir=tmp_path / "c", cache_subdir="models")
    assert path == str(tmp_path / "c" / "models" / "weights.h5")


def test_pyfastfit_home_is_the_default_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PYFASTFIT_HOME", str(tmp_path / "home"))
    src, sha = _source(tmp_path)
    path = get_file("x.bin", origin=src.as_uri(), file_hash=sha)
    assert path == str(tmp_path / "home" / "datasets" / "x.bin")


def test_checksum_mismatch_raises_and_leaves_nothing(tmp_path):
    src, _ = _source(tmp_path)
    cache = tmp_path / "cache"
    with pytest.raises(ValueError, match="corrupt or changed.*expected 0{64}"):
        get_file("f.bin", origin=src.as_uri(), file_hash="0" * 64, cache_dir=cache)
    assert list((cache / "datasets").iterdir()) == []


def test_corrupt_cached_file_is_downloaded_again(tmp_path):
    src, sha = _source(tmp_path)
    cache = tmp_path / "cache"
    (cache / "datasets").mkdir(parents=True)
    (cache / "datasets" / "f.bin").write_bytes(b"half a fi")
    path = get_file("f.bin", origin=src.as_uri(), file_hash=sha, cache_dir=cache)
    assert validate_file(path, sha)


def test_md5_hash(tmp_path):
    src, _ = _source(tmp_path)
    md5 = hashlib.md5(src.read_bytes()).hexdigest()
    path = get_file("f.bin", origin=src.as_uri(), md5_hash=md5, cache_dir=tmp_path / "c")
    assert validate_file(path, md5)


def test_unreachable_origin_gives_a_clear_error(tmp_path):
    missing = (tmp_path / "nope.npz").as_uri()
    cache = tmp_path / "cache"
    with pytest.raises(OSError, match=r"Could not download nope.npz from file://.*network"):
        get_file(origin=missing, cache_dir=cache)
    assert list((cache / "datasets").iterdir()) == []


def test_missing_origin():
    with pytest.raises(ValueError, match="origin"):
        get_file("a.bin")


@pytest.mark.parametrize("fmt", ["zip", "tar.gz"])
def test_extract(tmp_path, fmt):
    buf = io.BytesIO()
    if fmt == "zip":
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("data/a.txt", "A")
    else:
        with tarfile.open(fileobj=buf, mode="w:gz") as t:
            info = tarfile.TarInfo("data/a.txt")
            info.size = 1
            t.addfile(info, io.BytesIO(b"A"))
    src, sha = _source(tmp_path, buf.getvalue(), name=f"arch.{fmt}")
    out = get_file(f"arch.{fmt}", origin=src.as_uri(), file_hash=sha,
                   cache_dir=tmp_path / "c", extract=True)
    assert out == str(tmp_path / "c" / "datasets" / "arch")
    assert (tmp_path / "c" / "datasets" / "arch" / "data" / "a.txt").read_text() == "A"
