"""Reading the files gensim 4 writes with ``save()`` (Word2Vec, KeyedVectors) without gensim
and without running any code the file names.

gensim's layout (gensim.utils.SaveLoad): FNAME holds a pickle of the object (protocol 4 by
default; gzip- or bz2-compressed when FNAME ends in .gz or .bz2). Arrays of at least
``sep_limit`` elements (10M by default) or named in ``separately=`` are left out of the
pickle and written beside it, to FNAME.<attribute>.npy (FNAME.<attribute>.npz, key "val",
when FNAME ends in .gz or .bz2); attributes that are SaveLoad objects themselves do the same
under FNAME.<attribute> (so a model's word vectors may sit in FNAME.wv.vectors.npy). Each
object lists what it set aside in its "__numpys", "__recursive_saveloads", "__scipys" and
"__ignoreds" attributes.

A pickle names the functions that rebuild it, and unpickling calls them: a file can run any
code. The unpickler here resolves only an allow-list of names, each to an inert stand-in
(`Stub`, which just keeps what the pickle hands it) or to a numpy constructor wrapped to
accept plain data; every other name is refused before anything is called.
"""

from __future__ import annotations

import _compat_pickle
import contextlib
import os
import pickle
from collections.abc import Iterator
from typing import IO, Any, ClassVar, Union, cast

import numpy as np

from pyw2v.compression import DECOMPRESS_ERRORS, Owning, open_binary

PathLike = Union[str, "os.PathLike[str]"]

WORD2VEC = "gensim.models.word2vec.Word2Vec"
KEYED_VECTORS = "gensim.models.keyedvectors.KeyedVectors"
# classes of gensim before 4.0: resolved to stubs only so that the error can say which
# gensim wrote the file
GENSIM3 = frozenset(
    {
        "gensim.models.keyedvectors.Word2VecKeyedVectors",
        "gensim.models.keyedvectors.EuclideanKeyedVectors",
        "gensim.models.keyedvectors.Vocab",
        "gensim.models.word2vec.Vocab",
        "gensim.models.word2vec.Word2VecVocab",
        "gensim.models.word2vec.Word2VecTrainables",
    }
)
MMAP_MODES = (None, "r", "r+", "c")  # np.load's "w+" would overwrite the file


class ForbiddenGlobalError(pickle.UnpicklingError, ValueError):
    """A pickle names a function or class outside what a gensim model file holds."""


class Stub:
    """Inert stand-in for an object of an allowed class: keeps the arguments and the state
    the pickle gives it, runs nothing. `name` is the class's module.qualname."""

    name: ClassVar[str] = ""
    args: tuple[Any, ...]
    state: dict[str, Any]

    def __new__(cls, *args: Any, **kwargs: Any) -> Stub:
        obj = object.__new__(cls)
        obj.args = args
        obj.state = {}
        return obj

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __setstate__(self, state: Any) -> None:
        # pickle's BUILD: a dict, or (dict or None, dict of slots)
        if isinstance(state, tuple) and len(state) == 2:
            for part in state:
                if isinstance(part, dict):
                    self.state.update(part)
        elif isinstance(state, dict):
            self.state.update(state)
        else:
            self.state["__state__"] = state

    def __repr__(self) -> str:
        return f"<stub of {self.name}>"


def _stub_class(name: str) -> type[Stub]:
    return type(name.rpartition(".")[2], (Stub,), {"name": name, "__module__": __name__})


_STUB_NAMES = frozenset(
    {
        WORD2VEC,
        KEYED_VECTORS,
        *GENSIM3,
        "gensim.utils.call_on_class_only",  # Word2Vec.load, an instance attribute
        "builtins.hash",  # Word2Vec.hashfxn
        # Word2Vec.random (a RandomState), as numpy 1.x and 2.x pickle it
        "numpy.random._pickle.__randomstate_ctor",
        "numpy.random._pickle.__bit_generator_ctor",
        "numpy.random._pickle.__generator_ctor",
        "numpy.random._mt19937.MT19937",
        "numpy.random.mtrand.RandomState",
        "numpy.random.__RandomState_ctor",
        "numpy.random.mtrand.__RandomState_ctor",
    }
)
_STUBS = {name: _stub_class(name) for name in _STUB_NAMES}


class _NdarrayType:
    """What numpy.ndarray resolves to: only accepted as _reconstruct's first argument."""

    def __repr__(self) -> str:
        return "numpy.ndarray"


_NDARRAY = _NdarrayType()


def _checked_dtype(spec: Any, align: Any = False, copy: Any = False) -> np.dtype[Any]:
    if not isinstance(spec, str):
        raise ForbiddenGlobalError(f"numpy.dtype is given {type(spec).__name__}, not a str")
    return np.dtype(spec, bool(align), bool(copy))


def _checked_reconstruct(subtype: Any, shape: Any, dtype: Any) -> np.ndarray:
    # numpy's array pickles: _reconstruct(ndarray, (0,), b"b"), then BUILD with the data
    if subtype is not _NDARRAY or not isinstance(dtype, (bytes, str)):
        raise ForbiddenGlobalError("numpy's _reconstruct is given something other than an ndarray")
    return np.ndarray.__new__(np.ndarray, (0,), np.dtype("b"))


def _checked_scalar(dtype: Any, data: Any = None) -> Any:
    if not isinstance(dtype, np.dtype):
        raise ForbiddenGlobalError("numpy's scalar is given something other than a dtype")
    if dtype.hasobject:
        return data  # already unpickled through this unpickler
    if not isinstance(data, bytes) or len(data) != dtype.itemsize:
        raise pickle.UnpicklingError(f"a numpy {dtype} scalar of {len(data or b'')} bytes")
    return np.frombuffer(data, dtype=dtype)[0].copy()


def _checked_frombuffer(buf: Any, dtype: Any, shape: Any, order: Any) -> np.ndarray:
    # protocol 5's in-band arrays: numpy._core.numeric._frombuffer(bytearray, dtype, ...)
    if not isinstance(buf, (bytes, bytearray)) or not isinstance(dtype, np.dtype):
        raise ForbiddenGlobalError("numpy's _frombuffer is given something other than bytes")
    if not isinstance(shape, tuple) or not all(isinstance(n, int) for n in shape):
        raise pickle.UnpicklingError(f"numpy's _frombuffer is given the shape {shape!r}")
    array = np.frombuffer(buf, dtype=dtype)
    return array.reshape(shape, order="F" if order == "F" else "C").copy()


def _latin1_bytes(text: Any, encoding: Any = "latin1") -> bytes:
    # protocol 2 writes bytes as _codecs.encode(str, "latin1")
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise ForbiddenGlobalError("_codecs.encode is used for something other than bytes")
    return text.encode("latin1")


def _plain_dict(*args: Any) -> dict[Any, Any]:
    # defaultdict(factory) / OrderedDict(): only their items matter here, which the
    # pickle adds afterwards; the factory is never called
    return {}


# types protocol 2 names to rebuild plain data (sets, ...); not bytes or bytearray, whose
# bytes(n) would let a few bytes of pickle allocate any amount of memory
_DATA_TYPES: dict[str, Any] = {
    f"builtins.{t.__name__}": t
    for t in (int, float, complex, bool, str, list, tuple, dict, set, frozenset)
}
_ALLOWED: dict[str, Any] = {
    **_DATA_TYPES,
    **_STUBS,
    "collections.defaultdict": _plain_dict,
    "collections.OrderedDict": _plain_dict,
    "numpy.ndarray": _NDARRAY,
    "numpy.dtype": _checked_dtype,
    "_codecs.encode": _latin1_bytes,
    **{
        f"numpy.{core}.{name}": func
        for core in ("core", "_core")
        for name, func in (
            ("multiarray._reconstruct", _checked_reconstruct),
            ("multiarray.scalar", _checked_scalar),
            ("numeric._frombuffer", _checked_frombuffer),
        )
    },
}


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickles gensim's Word2Vec and KeyedVectors data only: every global outside the
    allow-list raises ForbiddenGlobalError naming it, before it is imported or called."""

    def __init__(self, file: IO[bytes], path: str) -> None:
        super().__init__(file, encoding="latin1")  # as gensim.utils.unpickle
        self.path = path

    def find_class(self, module: str, name: str) -> Any:
        # protocol 2 writes Python 2's names (__builtin__.long for int); the default
        # find_class, replaced here, translates them
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
        qualified = f"{module}.{name}"
        if qualified in _ALLOWED:
            return _ALLOWED[qualified]
        if module == "gensim" or module.startswith("gensim."):
            raise ForbiddenGlobalError(
                f"{self.path!r} holds a {qualified}: pyw2v reads gensim's Word2Vec and "
                "KeyedVectors files only"
            )
        raise ForbiddenGlobalError(
            f"{self.path!r}: refused to unpickle: it calls {qualified}, which a gensim "
            "Word2Vec or KeyedVectors file never does (a pickle can run any code it names: "
            "only load files from sources you trust)"
        )

    def persistent_load(self, pid: Any) -> Any:
        raise ForbiddenGlobalError(f"{self.path!r}: refused to unpickle a persistent id")


def is_pickle(path: PathLike) -> bool:
    """Whether `path` starts like a pickle of protocol 2 or later (the PROTO opcode),
    possibly gzip-, bz2- or xz-compressed. False for a file that cannot be read."""
    try:
        with open_binary(path) as f:
            head = f.read(2)
    except (*DECOMPRESS_ERRORS, ValueError):
        return False
    return len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= pickle.HIGHEST_PROTOCOL


@contextlib.contextmanager
def _open_decompressed(path: str) -> Iterator[IO[bytes] | Owning]:
    with open_binary(path) as f:
        yield f


def read_gensim_file(path: PathLike, mmap: str | None = None) -> Stub:
    """The gensim object saved in `path` as a tree of stubs (``obj.state`` holds its
    attributes), with its arrays stored beside the file read back in (memory-mapped
    with `mmap`, np.load's mode). Runs no code from the file."""
    path = os.fspath(path)
    if mmap not in MMAP_MODES:
        raise ValueError(f"mmap must be one of {MMAP_MODES}, got {mmap!r}")
    try:
        with _open_decompressed(path) as f:
            obj = RestrictedUnpickler(f, path).load()
    except ForbiddenGlobalError:
        raise
    except OSError as exc:
        if exc.errno is not None:
            raise  # the file system's own error (missing file, permissions)
        raise ValueError(f"{path!r}: corrupt gensim file: {exc}") from exc
    except Exception as exc:  # garbage makes pickle raise almost anything
        raise ValueError(f"{path!r}: corrupt gensim file: {exc}") from exc
    if not isinstance(obj, Stub) or obj.name not in (WORD2VEC, KEYED_VECTORS, *GENSIM3):
        what = obj.name if isinstance(obj, Stub) else type(obj).__name__
        raise ValueError(f"{path!r} holds a pickled {what}, not a gensim Word2Vec or KeyedVectors")
    compressed = path.endswith((".gz", ".bz2"))  # gensim's rule for its side files
    _read_side_arrays(obj, path, path, mmap, compressed, depth=0)
    return obj


def _read_side_arrays(
    obj: Stub, path: str, fname: str, mmap: str | None, compressed: bool, depth: int
) -> None:
    """gensim's SaveLoad._load_specials, for arrays only (scipy matrices never occur in
    Word2Vec and KeyedVectors)."""
    state = obj.state
    if depth > 4:
        raise ValueError(f"{path!r}: corrupt gensim file: nested too deep")
    for attrib in _names(path, state, "__recursive_saveloads"):
        child = state.get(attrib)
        if isinstance(child, Stub):
            _read_side_arrays(child, path, f"{fname}.{attrib}", mmap, compressed, depth + 1)
    for attrib in _names(path, state, "__numpys"):
        side = f"{fname}.{attrib}.{'npz' if compressed else 'npy'}"
        if not os.path.exists(side):
            raise FileNotFoundError(
                f"{path!r}: its array {attrib!r} is stored in {side!r}, which is missing "
                "(gensim writes large arrays beside the model file: keep them together)"
            )
        try:
            if compressed:
                if mmap is not None:
                    raise ValueError(
                        f"{side!r} is compressed and cannot be memory-mapped: load with mmap=None"
                    )
                with np.load(side, allow_pickle=False) as archive:
                    state[attrib] = archive["val"]
            else:
                state[attrib] = np.load(side, mmap_mode=cast(Any, mmap), allow_pickle=False)
        except (OSError, ValueError, KeyError, EOFError) as exc:
            if isinstance(exc, OSError) and exc.errno is not None:
                raise
            raise ValueError(f"{side!r}: unreadable array of a gensim file: {exc}") from exc
    for attrib in _names(path, state, "__ignoreds"):
        state[attrib] = None


def _names(path: str, state: dict[str, Any], key: str) -> list[str]:
    """An attribute list of gensim's; each name must be an identifier (it becomes part of
    a file name)."""
    names = state.get(key, [])
    valid = isinstance(names, list) and all(isinstance(n, str) and n.isidentifier() for n in names)
    if not valid:
        raise ValueError(f"{path!r}: corrupt gensim file: invalid {key} {names!r}")
    return names
