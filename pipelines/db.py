"""The one owner of DuckDB connections, and the hand-off between the writer and the readers.

DuckDB lets one process open a file read-write *or* many processes open it read-only, never both.
So a load never writes the file readers have open. Instead:

    data/warehouse.duckdb  ->  warehouse.duckdb.versions/v000042-3f9c0a1b.duckdb   (a symlink)

1. A writer takes an exclusive lock (``warehouse.duckdb.lock``), copies the current version to
   ``v000043.duckdb``, applies migrations and its changes there in one transaction, checkpoints
   and closes it.
2. It then swaps the symlink with ``os.replace`` (atomic): new readers see v43, readers still
   holding v42 finish undisturbed. Versions older than the previous one are deleted (an open
   file stays readable on POSIX until its last reader closes it).
3. A failure or a kill before the swap leaves the symlink on v42: the warehouse is exactly as
   before. Leftover files from a killed writer are removed by the next writer.

Readers resolve the symlink on every query and keep one read-only connection per version, so a
dashboard sees a load on its next query, without a restart.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from duckdb import DuckDBPyConnection

from pipelines.errors import WarehouseBusy, WarehouseMissing
from pipelines.migrations import apply_migrations

_VERSION_RE = re.compile(r"^v(\d{6,})(?:-[0-9a-f]+)?\.duckdb$")


def quote_ident(name: str) -> str:
    """Quote an identifier (a column name from an uploaded file) for DuckDB SQL."""
    return '"' + name.replace('"', '""') + '"'


def _connect(path: Path | str, read_only: bool) -> DuckDBPyConnection:
    # Naive timestamps in files are taken as UTC; pin the session zone so the result does not
    # depend on the machine's zone.
    con = duckdb.connect(str(path), read_only=read_only)
    con.execute("SET TimeZone = 'UTC'")
    return con


def _versions_dir(path: Path) -> Path:
    return path.with_name(path.name + ".versions")


def current_version(path: Path) -> Path | None:
    """The file the warehouse path points at now, or None if there is no warehouse."""
    if path.is_symlink():
        target = path.resolve()
        return target if target.exists() else None
    return path if path.exists() else None


def _version_number(file: Path) -> int:
    match = _VERSION_RE.match(file.name)
    return int(match.group(1)) if match else 0


@contextmanager
def _exclusive_lock(path: Path, timeout_s: float) -> Iterator[None]:
    lock_path = path.with_name(path.name + ".lock")
    with open(lock_path, "a+") as handle:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"Another load is writing to {path} and did not finish within {timeout_s:.0f} s; try again later."
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _swap_symlink(path: Path, target: Path) -> None:
    tmp = path.with_name(f".{path.name}.swap-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    os.symlink(os.path.relpath(target, path.parent), tmp)
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _remove_stale_versions(versions: Path, keep: set[Path]) -> None:
    for file in versions.iterdir():
        if file.resolve() not in keep:
            file.unlink(missing_ok=True)
    for tmp in versions.parent.glob(".*.swap-*"):
        tmp.unlink(missing_ok=True)


@contextmanager
def writer(path: Path, lock_timeout_s: float = 600.0) -> Iterator[DuckDBPyConnection]:
    """A read-write connection to a new version of the warehouse, inside one transaction.

    Leaving the block normally commits and publishes the new version; an exception (or a kill)
    discards it and leaves the warehouse as it was.
    """
    path = Path(path).absolute()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(path, lock_timeout_s):
        versions = _versions_dir(path)
        versions.mkdir(exist_ok=True)
        current = current_version(path)
        # The random suffix keeps names unique even when a warehouse is deleted and rebuilt at the same
        # path: DuckDB caches open databases by path, so a reused name could meet a stale instance.
        number = (_version_number(current) if current else 0) + 1
        new = versions / f"v{number:06d}-{uuid.uuid4().hex[:8]}.duckdb"
        _remove_stale_versions(versions, keep={current.resolve()} if current else set())
        if current is not None:
            shutil.copyfile(current, new)
        con = _connect(new, read_only=False)
        try:
            apply_migrations(con)
            con.execute("BEGIN TRANSACTION")
            yield con
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
        except BaseException:
            con.close()
            new.unlink(missing_ok=True)
            new.with_name(new.name + ".wal").unlink(missing_ok=True)
            raise
        con.close()
        with open(new, "rb+") as handle:
            os.fsync(handle.fileno())
        if current is not None and not path.is_symlink():
            # A plain file from before versioning (or a user's own file): keep it as the previous version.
            shutil.move(str(current), versions / "v000000.duckdb")
        _swap_symlink(path, new)
        _remove_stale_versions(versions, keep={new.resolve(), *([current.resolve()] if current else [])})


class _Readers:
    """One read-only connection per warehouse version, shared by the threads of a process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[Path, tuple[Path, DuckDBPyConnection]] = {}

    def cursor(self, path: Path) -> DuckDBPyConnection:
        path = Path(path).absolute()
        for _attempt in range(5):
            version = current_version(path)
            if version is None:
                raise WarehouseMissing(
                    f"No warehouse at {path} yet. Build the sample one with `python -m pipelines demo` "
                    "or load a file with `python -m pipelines ingest`."
                )
            with self._lock:
                held = self._open.get(path)
                if held is not None and held[0] == version:
                    return held[1].cursor()
                try:
                    con = _connect(version, read_only=True)
                except (duckdb.IOException, duckdb.CatalogException):
                    # The version was replaced (and removed) between resolving and opening: resolve again.
                    time.sleep(0.05)
                    continue
                # The old connection is dropped, not closed: cursors other threads still hold keep it
                # alive, and it closes when the last of them is garbage collected.
                self._open[path] = (version, con)
                return con.cursor()
        raise WarehouseBusy(f"The warehouse at {path} changed too often to open; try again.")


_readers = _Readers()


@contextmanager
def reader(path: Path) -> Iterator[DuckDBPyConnection]:
    """A read-only cursor on the current version of the warehouse; closed when the block ends."""
    cur = _readers.cursor(path)
    try:
        yield cur
    finally:
        cur.close()
