"""Safe file writing, the one rule of every script: a file the run did not create is never replaced without
--force, and every file is written whole or not at all.

    check_new(args.out, args.force)          # before any work: refused now, not after an hour of training
    write_atomic(args.out, data_or_writer)    # a temp file in the same folder, then one rename
    path = new_path(folder, "{:05d}.jpg")     # numbered captures: two processes never get the same name

Only the standard library is imported: a module that writes files imports this, not the frame loop of app.py
(which re-exports all of it). This file is identical, byte for byte, in every tool folder
(tests/test_common_layer.py).
"""
import os
from pathlib import Path


class ToolError(Exception):
    """A problem with the user's input or files; printed as one line, exit code 2 (app.run_main)."""


def exists_error(path):
    """The error for a file that is there already and may only be replaced with --force."""
    return ToolError(f"{str(path)!r} exists; use --force to replace it")


def partial_path(path):
    """The temporary name `path` is written under until it is complete: hidden, in the same folder (a rename
    never crosses file systems), with this process's id (two runs never share one) and the extension kept (for
    np.savez, cv2.imwrite or model.save, which go by it)."""
    path = Path(path)
    return path.with_name(f".partial-{os.getpid()}-{path.name}")


def check_new(path, force=False):
    """Before any work: raise ToolError unless `path` can be written as a new file (or replaced, with force)."""
    path = Path(path)
    if path.is_dir():
        raise ToolError(f"{str(path)!r} is a folder, not a file")
    if path.exists() and not force:
        raise exists_error(path)
    folder = path.parent
    if not folder.is_dir():
        raise ToolError(f"cannot write {str(path)!r}: folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ToolError(f"cannot write {str(path)!r}: permission denied")
    return path


def write_atomic(path, data, force=False):
    """Write `path` whole or not at all: into a temp file in the same folder, then renamed.

    `data` is bytes, str, or a callable that writes the temp path it is given (the temp name keeps the extension,
    for np.savez, cv2.imwrite or model.save). Without `force` an existing file is never replaced, even one that
    appeared while this was writing."""
    path = Path(path)
    temp = partial_path(path)
    try:
        if callable(data):
            data(str(temp))
        else:
            with open(temp, "wb" if isinstance(data, bytes) else "w", **({} if isinstance(data, bytes) else
                                                                        {"encoding": "utf-8"})) as f:
                f.write(data)
        if not temp.exists():
            raise ToolError(f"nothing was written for {str(path)!r}")
        if force:
            os.replace(temp, path)
        else:
            link_new(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return path


def link_new(temp, path):
    """Give `temp` the name `path` only if no file has it: a hard link fails where the name exists."""
    try:
        os.link(temp, path)
    except FileExistsError:
        raise exists_error(path) from None
    except OSError:  # a file system without hard links
        if path.exists():
            raise exists_error(path) from None
        os.replace(temp, path)


def new_path(folder, pattern, start=0):
    """Claim the first free name `pattern.format(n)` (n = start, start+1, ...) in `folder`, atomically: two
    processes never get the same name. Returns the Path of the empty file created for this run."""
    folder = Path(folder)
    n = start
    while True:
        candidate = folder / pattern.format(n)
        try:
            os.close(os.open(candidate, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
            return candidate
        except FileExistsError:
            n += 1
