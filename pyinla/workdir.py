"""Choose, create and clean up the run directory of one engine run.

A user's directory is never overwritten or emptied: a non-empty one is left alone and a fresh
numbered sibling (``path-1``, ``path-2``, ...) is used instead. Clean-up removes only what this
package created.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from pyinla.errors import warn_caller

logger = logging.getLogger("pyinla")


@dataclass
class RunDirectory:
    """The folder of one run, and whether this package created the folder itself."""

    path: Path
    created: bool


class DirectoryLock:
    """A lock file beside a working directory, held by one pyinla() call while it runs."""

    def __init__(self, path: Path):
        self.path = path

    def release(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass


def lock_working_directory(working_directory):
    """Take the lock of ``working_directory`` (None for a temporary directory needs none).

    The lock is the file ``.NAME.pyinla-lock`` beside the directory, created atomically and holding
    the process id. A second call for the same directory raises while the first runs, so the two
    cannot race for the directory or its numbered siblings. A lock left by a process that no
    longer exists is taken over.

    Raises:
        RuntimeError: if another running fit holds the lock.
    """
    if working_directory is None or not isinstance(working_directory, (str, os.PathLike)):
        return None
    path = Path(os.fspath(working_directory)).expanduser().absolute()
    if not path.parent.is_dir():
        return None  # prepare_run_directory reports the missing parent
    lock_path = path.parent / f".{path.name}.pyinla-lock"
    for _ in range(2):
        try:
            descriptor = os.open(lock_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            owner = _lock_owner(lock_path)
            if owner is not None and _process_exists(owner):
                raise RuntimeError(
                    f"working_directory={str(working_directory)!r} is in use by another fit "
                    f"(process {owner}, lock file {lock_path}). Wait for it to finish or choose "
                    "another working_directory."
                ) from None
            lock_path.unlink(missing_ok=True)  # left behind by a process that has ended
            continue
        except OSError:
            return None  # a read-only parent: prepare_run_directory reports it
        with os.fdopen(descriptor, "w") as file:
            file.write(f"{os.getpid()}\n")
        return DirectoryLock(lock_path)
    return None


def _lock_owner(lock_path: Path):
    try:
        return int(lock_path.read_text().strip())
    except (OSError, ValueError):
        return None


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def prepare_run_directory(working_directory) -> RunDirectory:
    """Return the run directory for ``working_directory``, creating it if needed.

    None gives a fresh temporary directory. A path that does not exist is created, an empty
    directory is used as is, and a non-empty one is replaced by a fresh numbered sibling.

    Raises:
        TypeError: if ``working_directory`` is not a path.
        ValueError: if the parent does not exist or is not writable, or the path is a file.
    """
    if working_directory is None:
        return RunDirectory(Path(tempfile.mkdtemp(prefix="pyinla-")), created=True)
    if not isinstance(working_directory, (str, os.PathLike)):
        raise TypeError(
            f"working_directory must be a path (str or pathlib.Path) or None, "
            f"got {type(working_directory).__name__}."
        )

    path = Path(os.fspath(working_directory)).expanduser().absolute()
    _check_parent(path, working_directory)

    if not path.exists():
        path.mkdir()
        return RunDirectory(path, created=True)
    if not path.is_dir():
        raise ValueError(
            f"working_directory={str(working_directory)!r} is a file, not a directory; "
            "pass a directory path."
        )
    if not any(path.iterdir()):
        if not os.access(path, os.W_OK | os.X_OK):
            raise ValueError(
                f"working_directory={str(working_directory)!r} is not writable; "
                "choose a directory you can write to."
            )
        return RunDirectory(path, created=False)

    sibling = _create_numbered_sibling(path)
    logger.info("working directory %s is not empty, so this run uses %s", path, sibling)
    warn_caller(f"working_directory {str(path)!r} is not empty, so this run uses {str(sibling)!r}; "
                "the existing files are left untouched.")
    return RunDirectory(sibling, created=True)


def remove_run_files(run: RunDirectory, written: Iterable[Path]) -> None:
    """Remove what the run created, and nothing else.

    A folder that this package created is removed whole. Otherwise only the files in
    ``written`` (relative to the folder) are removed, then those of its subfolders that are
    now empty.
    """
    if run.created:
        shutil.rmtree(run.path, ignore_errors=True)
        if run.path.exists():
            logger.warning("could not remove the run directory %s", run.path)
        return

    folders = []
    for relative in written:
        target = run.path / relative
        if target.is_dir():
            folders.append(target)
        elif target.exists():
            target.unlink()
    # Deepest folders first, so a parent is empty by the time it is reached.
    for folder in sorted(folders, key=lambda item: len(item.parts), reverse=True):
        try:
            folder.rmdir()
        except OSError:
            logger.info("left %s in place because it contains files this run did not write", folder)


def _check_parent(path: Path, given) -> None:
    parent = path.parent
    if not parent.is_dir():
        raise ValueError(
            f"working_directory={str(given)!r}: the parent directory {str(parent)!r} does not "
            "exist. Create it first or choose another path."
        )
    if not path.exists() and not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(
            f"working_directory={str(given)!r}: the parent directory {str(parent)!r} is not "
            "writable. Choose a path you can write to."
        )


def _create_numbered_sibling(path: Path) -> Path:
    """Create and return the first of path-1, path-2, ... that does not exist yet."""
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise ValueError(
            f"working_directory={str(path)!r} is not empty, and its parent {str(path.parent)!r} "
            "is not writable, so no fresh sibling directory can be created. Choose another path."
        )
    return create_first_free_sibling(path, "-")


def create_first_free_sibling(path: Path, separator: str) -> Path:
    """Create and return the first of PATH{separator}1, PATH{separator}2, ... that does not exist yet."""
    number = 1
    while True:
        candidate = path.with_name(f"{path.name}{separator}{number}")
        try:
            # mkdir fails if the name exists, so two concurrent runs never share a directory.
            candidate.mkdir()
            return candidate
        except FileExistsError:
            number += 1
