"""Locate the pyinla-engine executable and build the environment to run it in."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
from pathlib import Path

ENGINE_NAME = "pyinla-engine"

# Shared library that the engine links. The tbb wheel installs it into <prefix>/lib.
_TBB_LIBRARY_NAME = "libtbb.so.12"

_PACKAGE_DIR = Path(__file__).resolve().parent


def _is_executable_file(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _installed_file(distribution: str, name: str) -> Path | None:
    """Return the first file called `name` that pip recorded for `distribution`, or None."""
    try:
        files = importlib.metadata.files(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None

    for file in files or ():
        if file.name == name:
            path = Path(file.locate()).resolve()
            if path.is_file():
                return path
    return None


def _source_checkout_root() -> Path | None:
    """Return the repository root when this package is imported from a source checkout."""
    root = _PACKAGE_DIR.parent
    if (root / "cpp" / "CMakeLists.txt").is_file():
        return root
    return None


def engine_path() -> Path:
    """Find the pyinla-engine executable.

    Searches, in order:

    1. the copy inside this package, ``pyinla/bin/pyinla-engine``;
    2. the copies that pip recorded when it installed pyinla, which covers an editable
       install, where the package is imported from the source tree but the engine was
       installed into site-packages;
    3. the command ``pyinla-engine`` on PATH;
    4. when pyinla is imported from a source checkout, the standalone CMake build
       ``build/pyinla-engine`` under the repository root.

    Raises:
        FileNotFoundError: if none of these places contains an executable engine.
    """
    packaged = _PACKAGE_DIR / "bin" / ENGINE_NAME
    if _is_executable_file(packaged):
        return packaged

    recorded = _installed_file("pyinla", ENGINE_NAME)
    if recorded is not None and _is_executable_file(recorded):
        return recorded

    on_path = shutil.which(ENGINE_NAME)
    if on_path is not None:
        return Path(on_path)

    searched = [str(packaged), "files recorded for the installed pyinla", f"{ENGINE_NAME} on PATH"]
    root = _source_checkout_root()
    if root is not None:
        development_build = root / "build" / ENGINE_NAME
        if _is_executable_file(development_build):
            return development_build
        searched.append(str(development_build))

    raise FileNotFoundError(
        f"{ENGINE_NAME} executable not found. Searched: {'; '.join(searched)}. "
        "Install pyinla with `pip install .` from the repository root, which builds the engine, "
        "or build it alone with `cmake -S cpp -B build && cmake --build build`."
    )


def engine_env() -> dict[str, str]:
    """Copy os.environ and put the tbb wheel's library folder first on LD_LIBRARY_PATH.

    The installed engine finds libtbb.so.12 through its RPATH. LD_LIBRARY_PATH is a fallback
    for layouts where that relative path does not lead to the library, for example when pyinla
    and tbb are installed under different prefixes. The folder goes first so that an older
    libtbb.so.12 elsewhere on LD_LIBRARY_PATH cannot shadow it. Without an installed tbb wheel
    the copy is returned unchanged. os.environ itself is not modified.
    """
    env = dict(os.environ)
    tbb_library = _installed_file("tbb", _TBB_LIBRARY_NAME)
    if tbb_library is None:
        return env

    tbb_dir = str(tbb_library.parent)
    others = [
        entry
        for entry in env.get("LD_LIBRARY_PATH", "").split(os.pathsep)
        if entry and entry != tbb_dir
    ]
    env["LD_LIBRARY_PATH"] = os.pathsep.join([tbb_dir, *others])
    return env
