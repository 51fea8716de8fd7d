"""`get_file`: download a file once into a cache directory, with a checksum check."""

import hashlib
import os
import pathlib
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile


def cache_root(cache_dir=None):
    """The cache root: `cache_dir`, else `$PYFASTFIT_HOME`, else `~/.pyfastfit`."""
    if cache_dir is not None:
        return pathlib.Path(cache_dir).expanduser()
    env = os.environ.get("PYFASTFIT_HOME")
    if env:
        return pathlib.Path(env).expanduser()
    return pathlib.Path("~/.pyfastfit").expanduser()


def _resolve_hasher(algorithm, file_hash):
    if algorithm == "auto":
        algorithm = "sha256" if file_hash is not None and len(file_hash) == 64 else "md5"
    if algorithm not in ("sha256", "md5"):
        raise ValueError(
            "`hash_algorithm` must be 'auto', 'sha256' or 'md5'. "
            f"Received: hash_algorithm={algorithm!r}"
        )
    return algorithm


def hash_file(fpath, algorithm="sha256", chunk_size=65535):
    """Hex digest of a file (`algorithm`: "sha256" or "md5")."""
    hasher = hashlib.new(algorithm)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto"):
    """Whether the file's hash equals `file_hash` (sha256 or md5, chosen by length)."""
    algorithm = _resolve_hasher(algorithm, file_hash)
    return hash_file(fpath, algorithm) == str(file_hash).lower()


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False):
    """Downloads a file from a URL unless it is already in the cache, as `keras.utils.get_file`.

    The file lands in `cache_dir/cache_subdir/fname` (the cache root is `cache_dir`,
    else `$PYFASTFIT_HOME`, else `~/.pyfastfit`). It is downloaded to a temporary name in
    that folder and renamed only once complete and, when `file_hash` is given, verified:
    an interrupted or corrupt download never leaves a file under the final name. A cached
    file whose hash does not match is downloaded again.

    Args:
        fname: file name in the cache (an absolute path is used as is). Defaults to the
            last component of `origin`.
        origin: URL of the file (`https://`, `http://` or `file://`).
        untar: deprecated Keras argument, same as `extract=True`.
        md5_hash: deprecated Keras argument, same as `file_hash` with md5.
        file_hash: expected sha256 (or md5) hex digest; `None` skips the check.
        cache_subdir: folder under the cache root. Defaults to `"datasets"`.
        hash_algorithm: "auto" (by digest length), "sha256" or "md5".
        extract: if `True`, extracts a zip or tar archive next to the file and returns
            the extraction folder.
        archive_format: "auto", "zip", "tar" or `None`.
        cache_dir: the cache root. Defaults to `$PYFASTFIT_HOME` or `~/.pyfastfit`.
        force_download: download again even if the file is cached.

    Returns:
        The path (a string) of the cached file, or of the extraction folder.

    Raises:
        OSError: the download failed (no network, unknown URL).
        ValueError: the downloaded file does not match `file_hash`.

    Example:

    ```python
    path = pyfastfit.utils.get_file(
        origin="https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
        file_hash="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
    )
    ```
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    extract = extract or untar
    if fname is None:
        fname = os.path.basename(urllib.request.urlparse(origin).path)
        if not fname:
            raise ValueError(
                f"Can't derive a file name from origin={origin!r}; pass `fname`."
            )
    if file_hash is not None:
        hash_algorithm = _resolve_hasher(hash_algorithm, file_hash)
        file_hash = str(file_hash).lower()

    datadir = cache_root(cache_dir) / cache_subdir
    try:
        datadir.mkdir(parents=True, exist_ok=True)
        writable = os.access(datadir, os.W_OK)
    except OSError:
        writable = False
    if not writable:  # as Keras: fall back to a temporary cache
        datadir = pathlib.Path(tempfile.gettempdir()) / ".pyfastfit" / cache_subdir
        datadir.mkdir(parents=True, exist_ok=True)
    fpath = datadir / fname

    download = force_download or not fpath.exists()
    if not download and file_hash is not None and not validate_file(
        fpath, file_hash, hash_algorithm
    ):
        download = True  # stale or corrupt cache entry
    if download:
        _download(origin, fpath, file_hash, hash_algorithm)

    if extract:
        return str(_extract(fpath, archive_format))
    return str(fpath)


def _download(origin, fpath, file_hash, hash_algorithm):
    fd, tmp_name = tempfile.mkstemp(prefix=f".{fpath.name}.", suffix=".part",
                                    dir=fpath.parent)
    tmp = pathlib.Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(origin, timeout=60) as response:
                    shutil.copyfileobj(response, out, length=1 << 20)
            except (urllib.error.URLError, OSError, ValueError) as e:
                reason = getattr(e, "reason", e)
                raise OSError(
                    f"Could not download {fpath.name} from {origin}: {reason}. "
                    "Check the network connection (or place the file at "
                    f"{fpath} yourself)."
                ) from e
        if file_hash is not None:
            actual = hash_file(tmp, hash_algorithm)
            if actual != file_hash:
                raise ValueError(
                    f"The file downloaded from {origin} is corrupt or changed: its "
                    f"{hash_algorithm} is {actual}, expected {file_hash}. "
                    "Nothing was saved; try again."
                )
        os.replace(tmp, fpath)
    finally:
        if tmp.exists():
            tmp.unlink()


def _extract(fpath, archive_format):
    if archive_format is None:
        return fpath
    formats = ("tar", "zip") if archive_format == "auto" else (archive_format,)
    name = fpath.name
    for suffix in (".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".tar", ".zip"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    target = fpath.parent / (name + "_extracted" if name == fpath.name else name)
    for fmt in formats:
        if fmt == "tar" and tarfile.is_tarfile(fpath):
            with tarfile.open(fpath) as archive:
                if hasattr(tarfile, "data_filter"):
                    archive.extractall(target, filter="data")
                else:  # Python < 3.10.12: no extraction filters
                    archive.extractall(target)
            return target
        if fmt == "zip" and zipfile.is_zipfile(fpath):
            with zipfile.ZipFile(fpath) as archive:
                for member in archive.namelist():
                    dest = (target / member).resolve()
                    if not dest.is_relative_to(target.resolve()):
                        raise ValueError(f"Unsafe path in archive {fpath}: {member!r}")
                archive.extractall(target)
            return target
    raise ValueError(f"{fpath} is not a {' or '.join(formats)} archive.")
