"""Whoosh's pickles read through a restricted unpickler: an index folder cannot run code.

Whoosh stores pickles in an index: the table of contents (``.toc``: the schema and the
segments), stored fields, posting blocks and positions, column headers. Unpickling can call
any importable function, so a crafted ``.toc`` from a copied index folder could run a shell
command on the first search. ``install()`` (run when the backend is imported) points every
Whoosh module that unpickles index data at ``loads``/``load`` below, which resolve only the
globals an index holds: Whoosh's schema, field, format, column, analysis, codec and segment
classes, this project's (searcher.backend.whoosh's field and codec classes, the analyzers of
older indexes), and a few harmless builtins. Modules are checked by name before they are
imported (importing runs a module's code). Anything else raises ``UnpicklingError``, which
the store reports as IndexDamaged.

Stored fields, posting blocks and positions can be read in the hundreds per query (ten hits'
stored articles; a rebuild reads every one): a pickle with none of the
opcodes that fetch a global (``c``, ``i``, ``\\x93``, ``\\x82``-``\\x84``) cannot call
anything, so it goes to the C ``pickle.loads`` directly; the others go through the
restricted unpickler (a byte of data that looks like such an opcode only costs that).
"""
from __future__ import annotations

import _compat_pickle
import importlib
import io
import pickle
import re
import types

# Opcodes that bring a global onto the stack: GLOBAL, INST, STACK_GLOBAL, EXT1, EXT2, EXT4.
_GLOBAL_OPCODES = re.compile(rb"[ci\x93\x82\x83\x84]")

# Functions and builtin types a pickle of an index may name.
ALLOWED_GLOBALS = frozenset({
    ("builtins", "int"), ("builtins", "float"), ("builtins", "complex"), ("builtins", "str"), ("builtins", "bytes"),
    ("builtins", "bytearray"), ("builtins", "list"), ("builtins", "tuple"), ("builtins", "dict"), ("builtins", "set"),
    ("builtins", "frozenset"), ("builtins", "object"), ("builtins", "bool"), ("builtins", "slice"),
    ("_codecs", "encode"),  # protocol 2 pickles bytes through it
    ("copyreg", "_reconstructor"),
    ("collections", "defaultdict"), ("collections", "OrderedDict"),
    ("array", "array"), ("array", "_array_reconstructor"),
    ("datetime", "datetime"), ("datetime", "date"), ("datetime", "timedelta"),
    ("searcher.analysis.registry", "analyzer"),  # the Analyzer of older indexes pickles as analyzer(name)
    ("re", "_compile"),  # Whoosh's RegexTokenizer (StandardAnalyzer): the patch is process-wide, so
                         # an application's own Whoosh indexes must still open beside searcher's
})
# Module-level functions of these modules: the stemmers a Whoosh StemFilter pickles by name.
ALLOWED_FUNCTION_MODULES = ("whoosh.lang",)
# Classes of these modules (and their submodules) that derive from one of ``ALLOWED_BASES``.
ALLOWED_MODULES = ("whoosh", "searcher.backend.whoosh", "searcher.analysis")


def _allowed_bases() -> tuple[type, ...]:
    from whoosh import analysis, columns, fields, formats
    from whoosh.codec import base

    return (fields.FieldType, fields.Schema, formats.Format, columns.Column, analysis.Composable, base.Codec,
            base.Segment)


class IndexUnpickler(pickle.Unpickler):
    """Resolves only the globals an index holds (see the module docstring)."""

    def find_class(self, module: str, name: str):
        # Protocol 2 pickles name builtins as Python 2 did (``__builtin__.long`` for int).
        module, name = _compat_pickle.NAME_MAPPING.get((module, name), (module, name))
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        if (module, name) in ALLOWED_GLOBALS:
            return super().find_class(module, name)
        if "." not in name and any(module == top or module.startswith(top + ".") for top in ALLOWED_MODULES):
            found = getattr(importlib.import_module(module), name, None)
            if isinstance(found, type) and issubclass(found, _allowed_bases()):
                return found
        if "." not in name and any(module.startswith(top + ".") for top in ALLOWED_FUNCTION_MODULES):
            found = getattr(importlib.import_module(module), name, None)
            if isinstance(found, types.FunctionType) and found.__module__ == module:
                return found
        raise pickle.UnpicklingError(f"it holds a pickle of {module}.{name}, which no index holds")


def loads(data: bytes, **_ignored):
    """``pickle.loads`` of index data, restricted (see the module docstring)."""
    if not _GLOBAL_OPCODES.search(data):
        return pickle.loads(data)
    # Buffered, so the C unpickler takes the data in one read: on a bare BytesIO it calls
    # read() once per opcode, three times slower on a posting block.
    return IndexUnpickler(io.BufferedReader(io.BytesIO(data))).load()


def load(file, **_ignored):
    """``pickle.load`` of index data from a file, restricted."""
    return IndexUnpickler(file).load()


# Stands in for the ``pickle`` module in Whoosh modules that both read and write pickles.
restricted_pickle = types.SimpleNamespace(
    loads=loads, load=load, dumps=pickle.dumps, dump=pickle.dump, PicklingError=pickle.PicklingError,
    UnpicklingError=pickle.UnpicklingError, HIGHEST_PROTOCOL=pickle.HIGHEST_PROTOCOL,
)


def install() -> None:
    """Points Whoosh's readers of index data at the restricted unpickler."""
    from whoosh import columns, formats
    from whoosh import index as whoosh_index
    from whoosh.codec import whoosh3
    from whoosh.filedb import structfile

    for module in (whoosh3, columns, formats):
        module.loads = loads
    structfile.load_pickle = load  # StructFile.read_pickle: segments, column, terms and graph headers
    whoosh_index.pickle = restricted_pickle  # TOC.read: the schema
    # Whoosh 1's tables of contents are read by an unpickler that resolves any global; no
    # searcher index was ever of that format.
    whoosh_index.toc_loaders.clear()
