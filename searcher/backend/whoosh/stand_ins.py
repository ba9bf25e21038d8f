"""Whoosh imported without two standard library packages it loads and never uses.

``whoosh.compat`` (imported by every Whoosh module) imports ``urllib.request`` for
``urlretrieve``, which no Whoosh module calls; ``whoosh.reading`` uses the ``cached_property``
package, which imports ``asyncio`` to serve coroutine methods, and Whoosh has none. With them
come http.client, ssl, email, socket, logging and asyncio's thirty modules: about a tenth of a
cold `searcher search` (benchmarks/cold_start.py). ``import_whoosh`` imports Whoosh while a
stand-in takes the place of each: a module whose attributes are the real module's, imported
when one is first read (``urlretrieve`` when it is first called), so code that does use them
behaves as before. Any other import of them, before or after, gets the real module.
"""
from __future__ import annotations

import importlib
import sys
import types


def _urlretrieve(*args, **kwargs):
    """``urllib.request.urlretrieve``, imported when called."""
    from urllib.request import urlretrieve

    return urlretrieve(*args, **kwargs)


def _stand_in(name: str, **attributes) -> types.ModuleType:
    """A module for ``name`` with ``attributes``; any other attribute is the real module's."""
    module = types.ModuleType(name)
    module.__dict__.update(attributes)

    def real_attribute(attribute: str):
        # The import system's probes (__path__, ...) see a plain module; while Whoosh is being
        # imported the stand-in is still what importing ``name`` gives, so there is no real one.
        if attribute.startswith("__") or sys.modules.get(name) is module:
            raise AttributeError(f"module {name!r} has no attribute {attribute!r} while Whoosh is imported")
        return getattr(importlib.import_module(name), attribute)

    module.__getattr__ = real_attribute
    return module


def import_whoosh() -> None:
    """Imports Whoosh's modules that import ``urllib.request`` and ``asyncio`` with stand-ins
    for them (unless Whoosh or they were imported already)."""
    if "whoosh.reading" in sys.modules:
        return
    stand_ins = {name: module for name, module in (
        ("urllib.request", _stand_in("urllib.request", urlretrieve=_urlretrieve)),
        ("asyncio", _stand_in("asyncio")),
    ) if name not in sys.modules}
    sys.modules.update(stand_ins)
    try:
        importlib.import_module("whoosh.reading")  # imports whoosh.compat and cached_property
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
