"""The sandbox's fork server: a standalone script, never imported by the grader.

Started as ``python -I -S -B _forkserver.py NUMPY_DIR CONTROL_FD``. It finds out which
isolation the machine allows (``_isolation.py``) while it imports NumPy, says so in its first
message on the control socket, then waits there. Each request carries a work directory
(holding ``job.json`` and the submission) and five pipe ends; the server forks a child that
isolates itself (new session, resource limits, namespaces or chroot, unprivileged uid,
seccomp, scrubbed environment, import guards), loads the submission and runs the calls whose
inputs the parent sends, one result line per call (the wire: ``grader/sandbox/wire.py``).
The server reaps its children, kills whatever is left of their process groups and reports
each exit status on the request's status pipe.

Only the standard library and NumPy are used here: the project's own packages must not be
in memory when student code runs.
"""

import contextlib
import ctypes
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import resource
import selectors
import signal
import socket
import sys
import traceback
import types

RESULT_FD = 3
INPUT_FD = 4  # one call's inputs at a time, sent by the parent when the call is due
ISOLATION_FAILED = 71  # exit code of a child that could not isolate itself (no student code ran)
TRACE_FILE = os.environ.get("GRADER_SANDBOX_TRACE")  # debugging the sandbox itself
# Modules a submission may import after the child has lost the file system (chroot): NumPy's
# parts, and the standard library a student's file plausibly imports at the top for its
# functions and type hints (`from __future__ import annotations`); see also ON_DEMAND.
PRELOAD = (
    "__future__",
    "numpy.random",
    "numpy.linalg",
    "numpy.fft",
    "numpy.lib.stride_tricks",
    "numpy.ma",
    "numpy.typing",
    "ctypes",
    "random",
    "statistics",
    "fractions",
    "decimal",
    "copy",
    "heapq",
    "bisect",
    "dataclasses",
    "string",
    "array",
    "cmath",
    "typing",
    "pprint",
    "unicodedata",
)

# Heavier modules a file may import at its top for its own tests or debugging: a child loads
# them, before it loses the file system, only when its submission's text names them, so that
# every `grader check` does not pay for them at the server's start.
ON_DEMAND = {
    "numpy.testing": b"testing",
    "numpy.polynomial": b"polynomial",
    "unittest": b"unittest",
    "doctest": b"doctest",
    "pdb": b"pdb",
    "logging": b"logging",
    "argparse": b"argparse",
    "csv": b"csv",
    "timeit": b"timeit",
    "glob": b"glob",
    "cProfile": b"cProfile",
    "pstats": b"pstats",
    "tracemalloc": b"tracemalloc",
}
_SITE_DIR = ""


def _load_isolation():
    """``_isolation.py`` beside this file, loaded by path: the project is not importable here."""
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location(
        "_grader_isolation", os.path.join(here, "_isolation.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ISO = _load_isolation()


def start_probe(base):
    """Start trying the strongest isolation in a child that exits at once; it runs while the
    server imports NumPy, and :func:`probe_result` reads how it ended."""
    ISO.prepare_seccomp()
    if not ISO.namespaces_possible():
        return None
    folder = os.path.join(base, "probe")
    os.mkdir(folder, 0o700)
    pid = os.fork()
    if pid != 0:
        return pid, folder
    code = 1
    try:
        os.closerange(3, 65536)
        ISO.enter_namespaces(folder, os.getuid() == 0)
        inner = os.fork()
        if inner == 0:
            try:
                if os.getuid() != 0:
                    ISO.drop_capabilities()
                if ISO.seccomp_supported():
                    ISO.install_seccomp()
                code = 0
            finally:
                os._exit(code)
        _, status = os.waitpid(inner, 0)
        code = 0 if status == 0 else 1
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def probe_result(started):
    """``namespaces``, ``root`` or ``none``: what a child of this server gets."""
    status = 1
    if started is not None:
        pid, folder = started
        _, status = os.waitpid(pid, 0)
        with contextlib.suppress(OSError):
            os.rmdir(folder)
    if status == 0:
        return "namespaces"
    return "root" if os.getuid() == 0 else "none"


def _import_all(names):
    sys.path.append(_SITE_DIR)
    for name in names:
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    sys.path.remove(_SITE_DIR)


def _preload(site_dir):
    global _SITE_DIR
    _SITE_DIR = site_dir
    _import_all(("numpy", *PRELOAD))


def _preload_named(path):
    """Load the ON_DEMAND modules that the submission at ``path`` names (read, never run)."""
    try:
        with open(path, "rb") as fh:
            source = fh.read()
    except OSError:
        return
    _import_all([name for name, marker in ON_DEMAND.items() if marker in source])


# --------------------------------------------------------------------------------------------
# The server loop


def _kill_group(pgid):
    with contextlib.suppress(OSError):
        os.killpg(pgid, signal.SIGKILL)
    # Anything that left the group but stayed in the session, or the reverse.
    try:
        entries = os.listdir("/proc")
    except OSError:
        return
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 3 and (int(fields[2]) == pgid or int(fields[3]) == pgid):
            with contextlib.suppress(OSError):
                os.kill(int(entry), signal.SIGKILL)


def _remove_base():
    """Remove the server's work directory (its cwd), with every run left in it."""
    import shutil

    base = os.getcwd()
    if os.path.basename(base).startswith("grader-sandbox-"):
        os.chdir("/")
        shutil.rmtree(base, ignore_errors=True)


def serve(control):
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sel = selectors.DefaultSelector()
    sel.register(control, selectors.EVENT_READ)
    sel.register(wake_r, selectors.EVENT_READ)
    children: dict[int, tuple[int, int]] = {}  # pid -> (status fd, uid slot)
    slots_in_use = set()
    server_fds = {control.fileno(), wake_r, wake_w}

    def reap():
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            entry = children.pop(pid, None)
            _kill_group(pid)
            if entry is None:
                continue
            fd, slot = entry
            slots_in_use.discard(slot)
            with contextlib.suppress(OSError):
                os.write(fd, f"{status}\n".encode())
            os.close(fd)

    while True:
        for key, _ in sel.select():
            if key.fileobj == wake_r:
                try:
                    while os.read(wake_r, 512):
                        pass
                except OSError:
                    pass
                reap()
                continue
            try:
                data, fds, _flags, _addr = socket.recv_fds(control, 65536, 8)
            except OSError:
                data, fds = b"", []
            if not data:  # the grader closed the socket, or died: clean up after it
                for pid in list(children):
                    _kill_group(pid)
                _remove_base()
                os._exit(0)
            try:
                req = json.loads(data)
            except ValueError:
                req = None
            if not isinstance(req, dict) or ("kill" not in req and len(fds) != 5):
                for fd in fds:
                    os.close(fd)
                control.send(b'{"pid": 0}')
                continue
            if "kill" in req:
                pid = req["kill"]
                if pid in children:
                    _kill_group(pid)
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
                continue
            slot = 0
            while slot in slots_in_use:
                slot += 1
            if req.get("uid") is not None and slot >= req.get("uids", 0):
                # every uid of this server's block is taken: sharing one would let a child
                # signal its sibling
                for fd in fds:
                    os.close(fd)
                control.send(b'{"pid": 0}')
                continue
            pid = os.fork()
            if pid == 0:
                try:
                    sel.close()
                    signal.set_wakeup_fd(-1)
                    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                    for fd in server_fds:
                        os.close(fd)
                    for fd, _s in children.values():
                        os.close(fd)
                    run_child(req, fds, slot)
                except BaseException:
                    # Not to the child's stderr: that is shown to the student as their output,
                    # and a submission that closes or redirects the result pipe lands here.
                    if TRACE_FILE:
                        with open(TRACE_FILE, "a") as fh:
                            traceback.print_exc(file=fh)
                finally:
                    os._exit(70)
            slots_in_use.add(slot)
            children[pid] = (fds[4], slot)
            for fd in fds[:4]:
                os.close(fd)
            control.send(json.dumps({"pid": pid}).encode())
            reap()


# --------------------------------------------------------------------------------------------
# The child: isolate, load, call, report


_LIBC: ctypes.CDLL | None
try:
    _LIBC = ctypes.CDLL(None, use_errno=True)
except OSError:
    _LIBC = None


def _prctl(option, value):
    if _LIBC is not None:
        with contextlib.suppress(Exception):
            _LIBC.prctl(option, value, 0, 0, 0)


def _set_limits(limits):
    for res, value in (
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_AS, limits["memory"]),
        (resource.RLIMIT_FSIZE, limits["file_size"]),
        (resource.RLIMIT_NOFILE, limits["open_files"]),
    ):
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(res, (value, value))
    cpu = limits["cpu"]
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))


def _warden(child):
    """Outside the child's PID namespace: wait for it, then end exactly as it ended.

    The server reports this process's status as the child's, and killing this process's
    group kills both; the child dies with this process (its parent-death signal).
    """
    os.closerange(0, 65536)  # the child's pipes reach their end with the child
    while True:
        try:
            _, status = os.waitpid(child, 0)
            break
        except InterruptedError:
            continue
        except ChildProcessError:
            os._exit(70)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        with contextlib.suppress(OSError, ValueError, RuntimeError):
            signal.signal(sig, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [sig])
        os.kill(os.getpid(), sig)
        os._exit(128 + sig)
    os._exit(os.waitstatus_to_exitcode(status))


def _isolate(req, slot):
    """Everything before student code: limits, namespaces or chroot, uid, seccomp, env.

    In the ``namespaces`` mode this forks: the process that returns is the one that runs the
    submission (the first process of its own PID namespace); its parent stays behind as the
    warden and never returns.
    """
    workdir = req["workdir"]
    mode = req.get("mode", "none")
    os.chdir(workdir)
    as_root = os.getuid() == 0
    uid = req.get("uid")
    if uid is not None and as_root and mode != "none":
        uid = uid + slot  # this server's own block: no other server's child has this uid
        os.chown(".", uid, uid)
        os.chmod(".", 0o700)
    else:
        uid = None
    _set_limits(req["limits"])
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writing too much is an OSError, not death
    _prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: die with the server
    home = workdir
    if mode == "namespaces":
        # Nothing outside the work directory exists any more: not the secret, not other
        # submissions, not the grader's sources, not /proc; no network either.
        ISO.enter_namespaces(workdir, as_root)
        pid = os.fork()
        if pid != 0:
            _warden(pid)
        _prctl(1, signal.SIGKILL)  # die with the warden
        # A group of its own, so that kill(0) cannot reach the warden; still in the warden's
        # session, which the server's kill covers, and seccomp keeps it there.
        os.setpgid(0, 0)
        home = "/"
    elif uid is not None:
        os.chroot(".")
        os.chdir("/")
        home = "/"
    if uid is not None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    elif mode == "namespaces":
        ISO.drop_capabilities()
    with contextlib.suppress(ValueError, OSError):
        n = req["limits"]["processes"]
        resource.setrlimit(resource.RLIMIT_NPROC, (n, n))
    _prctl(4, 0)  # PR_SET_DUMPABLE 0: no ptrace or /proc/PID/mem by other sandboxed code
    os.environ.clear()
    os.environ.update(
        {
            "PATH": "/usr/bin:/bin",
            "HOME": home,
            "TMPDIR": home,
            "LANG": "C.UTF-8",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
        }
    )
    if ISO.seccomp_supported():
        ISO.install_seccomp()


def run_child(req, fds, slot):
    result_w, out_w, err_w, input_r, status_w = fds
    os.close(status_w)
    os.setsid()
    devnull = os.open("/dev/null", os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(out_w, 1)
    os.dup2(err_w, 2)
    os.dup2(result_w, RESULT_FD)
    os.dup2(input_r, INPUT_FD)
    os.closerange(INPUT_FD + 1, 65536)
    sys.stdout = open(  # noqa: SIM115
        1, "w", encoding="utf-8", errors="replace", closefd=False, buffering=1
    )
    sys.stderr = open(  # noqa: SIM115
        2, "w", encoding="utf-8", errors="replace", closefd=False, buffering=1
    )
    sys.stdin = open(  # noqa: SIM115
        0, encoding="utf-8", closefd=False
    )
    with open(os.path.join(req["workdir"], "job.json"), encoding="utf-8") as fh:
        job = json.load(fh)
    os.unlink(os.path.join(req["workdir"], "job.json"))
    runner = make_runner(job)
    _preload_named(os.path.join(req["workdir"], job["module"]))
    try:
        _isolate(req, slot)
    except BaseException:
        if TRACE_FILE:
            with open(TRACE_FILE, "a") as fh:
                traceback.print_exc(file=fh)
        os._exit(ISOLATION_FAILED)
    del job, req
    runner()


def _json_encoder():
    """``json.dumps`` for our own messages that no later patch of ``json`` can reach."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # no C accelerator: fall back to a snapshot of the Python one
        dumps = json.dumps
        return lambda obj: dumps(obj, allow_nan=True)

    def default(obj):
        raise TypeError("not JSON data")

    encode = make(
        None,
        default,
        json.encoder.c_encode_basestring_ascii,  # type: ignore[attr-defined]
        None,
        ": ",
        ", ",
        False,
        False,
        True,
    )
    join = "".join
    return lambda obj: join(encode(obj, 0))


def make_runner(job):
    """Build the run in closures over snapshots taken before any student code exists.

    The student may replace attributes of numpy, json, builtins or this module; nothing
    below looks any of them up again after the snapshot.
    """
    import numpy as np

    nonce = job["nonce"]
    units = job["units"]
    blocked = tuple(job["forbid"])  # importing fails at once
    refused = tuple(job.get("refuse", ()))  # importing works; using fails
    module_file = job["module"]
    # Warnings and tracebacks name the student's own file, not the sandbox's copy of it.
    shown = job.get("shown")

    _write = os.write
    _encode_json = _json_encoder()
    _len = len
    _type = type
    _issubclass = issubclass
    _isinstance = isinstance
    _float_repr = float.__repr__
    _float = float
    _int = int
    _str = str
    _list = list
    _tuple = tuple
    _range = range
    _exc_str = BaseException.__str__
    _astype = np.ndarray.astype
    _tolist = np.ndarray.tolist
    _ravel = np.ndarray.ravel
    _nd_shape = np.ndarray.shape.__get__
    _nd_dtype = np.ndarray.dtype.__get__
    _nd_size = np.ndarray.size.__get__
    _dtype_kind = np.dtype.kind.__get__
    _float64 = np.float64
    _ndarray = np.ndarray
    _matrix = np.matrix
    _view = np.ndarray.view
    _array = np.array
    _generic = np.generic
    _type_name = type.__dict__["__name__"].__get__
    _callable = callable
    _zip = zip
    _dict_get = dict.get
    _memoryview = memoryview
    _compile = compile
    _exec = exec
    _open = open
    _BaseException = BaseException
    _SyntaxError = SyntaxError
    _NotImplementedError = NotImplementedError
    _MemoryError = MemoryError
    _SystemExit = SystemExit
    _RecursionError = RecursionError
    _numpy_scalars = (
        np.float16,
        np.float32,
        np.float64,
        np.longdouble,
        np.int8,
        np.int16,
        np.int32,
        np.int64,
        np.uint8,
        np.uint16,
        np.uint32,
        np.uint64,
        np.bool_,
    )
    max_elements = 100_000
    streams = (sys.stdout, sys.stderr)
    _flush = [type(s).flush for s in streams]

    def flush():
        for f, s in _zip(_flush, streams, strict=True):
            try:  # noqa: SIM105 (contextlib is reachable by student code)
                f(s)
            except _BaseException:
                pass

    fired = []  # forbidden names touched by the current call

    def send(msg):
        data = (nonce + " " + _encode_json(msg) + "\n").encode("utf-8")
        view = _memoryview(data)
        while view:
            n = _write(RESULT_FD, view)
            view = view[n:]

    # ---- decoding of inputs, before student code ------------------------------------------
    def decode(v):
        t = _type(v)
        if t is dict:
            if "__ndarray__" in v:
                return _array(v["__ndarray__"], dtype=_float64)
            if "__tuple__" in v:
                return _tuple(decode(x) for x in v["__tuple__"])
            return {k: decode(x) for k, x in v.items()}
        if t is list:
            return [decode(x) for x in v]
        return v

    plans = [(unit["function"], unit["calls"]) for unit in units]
    _read = os.read
    _decode_json = json.JSONDecoder().decode
    _bytes_find = bytes.find
    pending = [b""]

    def next_call():
        """The next call's inputs, as the parent sends them: one JSON line on INPUT_FD."""
        data = pending[0]
        while _bytes_find(data, b"\n") < 0:
            chunk = _read(INPUT_FD, 1 << 16)
            if not chunk:
                os._exit(70)  # the parent is gone, or the submission took the channel
            data += chunk
        at = _bytes_find(data, b"\n")
        pending[0] = data[at + 1 :]
        call = _decode_json(data[:at].decode("utf-8"))
        return _tuple(decode(a) for a in call["args"]), decode(call["kwargs"])

    # ---- encoding of outputs: exact types only, no student methods -------------------------
    class UnsupportedError(Exception):
        pass

    def encode(v, depth, budget):
        t = _type(v)
        if t is bool or t is _numpy_scalars[-1]:
            return ["num", 1 if v else 0]
        if _issubclass(t, float):
            return ["num", _float(_float_repr(v))]
        if _issubclass(t, int):
            n = _int.__index__(v)
            if -(2**63) <= n < 2**63:
                return ["num", n]
            return ["num", _float("inf") if n > 0 else _float("-inf")]
        if t in _numpy_scalars:
            return ["num", _float(_tolist(_array(v, dtype=_float64)))]
        if t is _matrix:  # numpy's own subclass: read it as a plain array
            v, t = _view(v, _ndarray), _ndarray
        if t is _ndarray:
            kind = _dtype_kind(_nd_dtype(v))
            if kind == "O":
                # np.frompyfunc, np.array([...], dtype=object): the elements are read with the
                # same exact-type rules as a list's (numpy's own tolist calls no student code).
                if _nd_size(v) > budget[0]:
                    raise UnsupportedError(f"an array far too large (shape {_nd_shape(v)})")
                return encode(_tolist(v), depth, budget)
            if kind not in ("b", "i", "u", "f"):
                raise UnsupportedError(f"an array of dtype {_nd_dtype(v)}")
            size = _nd_size(v)
            budget[0] -= size
            if budget[0] < 0:
                raise UnsupportedError(f"an array far too large (shape {_nd_shape(v)})")
            flat = _tolist(_ravel(_astype(v, _float64)))
            return ["nd", _list(_nd_shape(v)), flat]
        if _issubclass(t, list) or _issubclass(t, tuple):
            if depth > 6:
                raise UnsupportedError("lists nested too deeply")
            items = _list.__iter__(v) if _issubclass(t, list) else _tuple.__iter__(v)
            out = []
            for item in items:
                budget[0] -= 1
                if budget[0] < 0:
                    raise UnsupportedError("a list far too long")
                out.append(encode(item, depth + 1, budget))
            return ["seq", out]
        if v is None:
            return ["none"]
        if _issubclass(t, _ndarray):
            raise UnsupportedError(f"an array subclass ({_type_name(t)})")
        raise UnsupportedError(f"a {_type_name(t)}")

    # ---- import guards ------------------------------------------------------------------------
    def matching(name, names):
        for b in names:
            if name == b or name.startswith(b + "."):
                return b
        return None

    def is_blocked(name):
        return matching(name, blocked) or matching(name, refused)

    class ForbiddenImportError(ImportError):
        pass

    class _Refused:
        """Stands for anything reached through a forbidden module; refuses on use."""

        def __init__(self, label):
            object.__setattr__(self, "_label", label)

        def _refuse(self, *args, **kwargs):
            label = object.__getattribute__(self, "_label")
            fired.append("uses " + label)
            raise ForbiddenImportError(f"{label} is not allowed in this assignment")

        def __getattr__(self, attr):
            if attr.startswith("__"):
                raise AttributeError(attr)
            return _Refused(object.__getattribute__(self, "_label") + "." + attr)

        __call__ = _refuse
        __getitem__ = _refuse
        __iter__ = _refuse
        __bool__ = _refuse

    class _RefusedModule(types.ModuleType):
        def __getattr__(self, attr):
            if attr.startswith("__"):
                raise AttributeError(attr)
            return _Refused(self.__name__ + "." + attr)

    class Guard(importlib.abc.MetaPathFinder, importlib.abc.Loader):
        def find_spec(self, fullname, path=None, target=None):
            if matching(fullname, blocked) is not None:
                fired.append("imports " + fullname)
                raise ForbiddenImportError(f"{fullname} is not allowed in this assignment")
            if matching(fullname, refused) is None:
                return None
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

        def create_module(self, spec):
            mod = _RefusedModule(spec.name)
            mod.__path__ = []
            return mod

        def exec_module(self, module):
            return None

    site = os.path.dirname(os.path.dirname(np.__file__))
    for name in list(sys.modules):
        if is_blocked(name) or name == "__main__":
            del sys.modules[name]

    class SitePackages(importlib.abc.MetaPathFinder):
        """NumPy and SciPy stay importable although their directory is off ``sys.path``."""

        def find_spec(self, fullname, path=None, target=None):
            if "." in fullname or fullname not in ("numpy", "scipy"):
                return None
            return importlib.machinery.PathFinder.find_spec(fullname, [site])

    sys.meta_path.insert(0, Guard())
    sys.meta_path.append(SitePackages())
    sys.path[:] = [p for p in sys.path if p != site and p != ""]
    sys.path_importer_cache.clear()
    sys.modules["__main__"] = types.ModuleType("__main__")

    def error_of(exc):
        t = _type(exc)
        name = _type_name(t)
        if fired:
            return {"kind": "forbidden", "type": "ImportError", "msg": fired[0]}
        if _issubclass(t, _NotImplementedError):
            kind = "not_implemented"
        elif _issubclass(t, _MemoryError):
            kind = "memory"
        elif _issubclass(t, _SystemExit):
            kind = "exit"
        elif _issubclass(t, _RecursionError):
            kind = "recursion"
        else:
            kind = "exception"
        try:
            msg = _exc_str(exc)
            if _type(msg) is not str:
                msg = ""
        except _BaseException:
            msg = ""
        return {"kind": kind, "type": name, "msg": msg[:300]}

    def where_of(exc):
        """The submission's line the exception came from (innermost frame in the file)."""
        line = None
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == module_path:
                line = tb.tb_lineno
            tb = tb.tb_next
        return line

    module_path = shown if _type(shown) is str and shown else os.path.abspath(module_file)

    def run():
        send({"ev": "ready"})  # isolated; from here on the process is the submission's
        try:
            with _open(module_file, "rb") as fh:
                source = fh.read()
            code = _compile(source, module_path, "exec", dont_inherit=True)
        except _SyntaxError as exc:
            send(
                {
                    "ev": "load",
                    "ok": False,
                    "err": {
                        "kind": "syntax",
                        "type": _type_name(_type(exc)),
                        "msg": _str(exc.msg)[:300],
                        "line": exc.lineno,
                        "text": (exc.text or "").strip()[:200],
                    },
                }
            )
            return
        except _BaseException as exc:
            send({"ev": "load", "ok": False, "err": error_of(exc)})
            return
        module = types.ModuleType("submission")
        module.__file__ = module_path
        sys.modules["submission"] = module
        try:
            _exec(code, module.__dict__)
        except _BaseException as exc:
            err = error_of(exc)
            err["line"] = where_of(exc)
            send({"ev": "load", "ok": False, "err": err})
            return
        namespace = module.__dict__
        send({"ev": "load", "ok": True})
        for i in _range(_len(plans)):
            name, calls = plans[i]
            fn = _dict_get(namespace, name)
            if fn is None:
                send({"ev": "unit", "i": i, "state": "missing"})
                continue
            if not _callable(fn):
                send({"ev": "unit", "i": i, "state": "not_callable"})
                continue
            send({"ev": "unit", "i": i, "state": "start"})
            for j in _range(calls):
                args, kwargs = next_call()
                del fired[:]
                try:
                    value = fn(*args, **kwargs)
                except _BaseException as exc:
                    err = error_of(exc)
                    err["line"] = where_of(exc)
                    flush()
                    send({"ev": "result", "i": i, "j": j, "ok": False, "err": err})
                    continue
                try:
                    if fired:
                        raise ForbiddenImportError("forbidden")
                    encoded = encode(value, 0, [max_elements])
                    msg = {"ev": "result", "i": i, "j": j, "ok": True, "v": encoded}
                except UnsupportedError as exc:
                    msg = {
                        "ev": "result",
                        "i": i,
                        "j": j,
                        "ok": False,
                        "err": {"kind": "unsupported", "type": "", "msg": _exc_str(exc)},
                    }
                except _BaseException as exc:
                    msg = {"ev": "result", "i": i, "j": j, "ok": False, "err": error_of(exc)}
                del value, args, kwargs
                flush()
                send(msg)
        send({"ev": "done"})
        os._exit(0)  # nothing of the submission's (atexit, finalizers) runs after this

    return run


def main():
    site_dir, control_fd = sys.argv[1], int(sys.argv[2])
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    control = socket.socket(fileno=control_fd)
    try:
        started = start_probe(os.getcwd())
    except OSError:
        started = None
    _preload(site_dir)
    mode = probe_result(started)
    # the grader learns what its children get before it asks for the first
    try:
        control.send(json.dumps({"isolation": mode}).encode())
    except OSError:  # the grader is gone already
        _remove_base()
        os._exit(0)
    serve(control)


if __name__ == "__main__":
    main()
