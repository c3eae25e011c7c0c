"""Which functions are the user's own code, whose source srcad reads and differentiates, and
which belong to a library, whose source srcad never inlines.

A call into NumPy, SciPy, the standard library or any other installed package has a rule,
or runs as written where its arguments do not depend on the differentiated inputs, or is
refused at the user's line naming the function (srcad/lowering/effects.py). Differentiating a
library's own source would report errors from files the user never opened, and depend on
how that library happens to be written in the installed version.

A function is a library's when the file it was defined in lies under the standard library or
a site-packages folder (the paths `sysconfig` and `site` report), or when its module belongs
to srcad. Everything else is the user's: scripts, notebooks, `exec`'d code, and packages
installed in editable mode from the user's checkout. A package of the user's installed into
site-packages can be declared the user's with `srcad.extend.treat_as_user_code("mypkg")`.
"""

import inspect
import site
import sysconfig
from functools import lru_cache

USER_PACKAGES = set()          # top-level packages declared the user's (extend.py adds to it)


def user_function(fn):
    """Whether `fn` is a Python function of the user's own code (see the module docstring)."""
    return inspect.isfunction(fn) and not is_library(fn)


def is_library(fn):
    module = (getattr(fn, "__module__", None) or "").split(".")[0]
    if module in USER_PACKAGES:
        return False
    if module == "srcad":
        return True
    return _in_library_folder(getattr(getattr(fn, "__code__", None), "co_filename", "") or "")


@lru_cache(maxsize=4096)
def _in_library_folder(filename):
    return filename.startswith(_library_folders())


@lru_cache(maxsize=1)
def _library_folders():
    paths = sysconfig.get_paths()
    folders = {paths.get(k) for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    folders.update(getattr(site, "getsitepackages", list)())
    folders.add(getattr(site, "getusersitepackages", str)())
    return tuple(sorted(f.rstrip("/") + "/" for f in folders if f))
