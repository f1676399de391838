"""The kernel's isolation for one sandboxed child: namespaces, a private root, seccomp.

Standalone like ``_forkserver.py`` (which loads this file by path): the standard library
only, nothing of the project. Everything here runs in the child before student code exists.

Modes, from strongest to none (:func:`probe` finds which this machine allows):

``namespaces``
    The child gets new user (without root), mount, network, PID, IPC and UTS namespaces.
    Its root file system is its own work directory, bind-mounted and pivoted to (``nosuid``,
    ``nodev``, ``noexec``); the old root is detached, so nothing else of the machine exists
    for it: not the secret, not the output folder, not other submissions, not ``/proc``,
    not the user's home. Its network namespace holds only a loopback that is down: no
    socket reaches anything. As root it also drops to its own unprivileged uid; without
    root its user namespace maps its own uid only, and it keeps no capability.
``root``
    Root without namespaces (a container that forbids them): ``chroot`` into the work
    directory and an unprivileged uid of its own.
``none``
    Neither: resource limits and the seccomp filter only; files the user can read stay
    readable. Batch grading refuses this mode unless told that the code is trusted.

In every mode where the processor is known (x86-64, AArch64), a seccomp filter then makes
every call that opens a socket, traces or reads another process, changes namespaces or
mounts, leaves the process group, or undoes the parent-death signal fail with EPERM.
"""

import ctypes
import os
import struct
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC = 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2

_libc = None


def _c():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def _check(result, what):
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _write(path, text):
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def enter_namespaces(workdir, as_root):
    """Unshare every namespace and make ``workdir`` the root; the caller forks next (the
    new PID namespace holds its children, not itself)."""
    libc = _c()
    uid, gid = os.geteuid(), os.getegid()
    flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS
    if not as_root:
        flags |= CLONE_NEWUSER
    _check(libc.unshare(flags), "unshare")
    if not as_root:
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
    mount = libc.mount
    mount.argtypes = [
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_ulong,
        ctypes.c_void_p,
    ]
    _check(mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "mount private")
    root = os.fsencode(workdir)
    _check(mount(root, root, None, MS_BIND, None), "bind")
    _check(
        mount(None, root, None, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | MS_NOEXEC, None),
        "remount",
    )
    os.chdir(workdir)
    # pivot_root(".", "."): the old root is stacked on the new one, then detached
    _check(libc.syscall(_PIVOT_ROOT, b".", b"."), "pivot_root")
    _check(libc.umount2(b".", MNT_DETACH), "umount old root")
    os.chdir("/")


def drop_capabilities():
    """No capability left, in the child's own user namespace either."""
    header = struct.pack("Ii", 0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = bytes(24)  # two empty sets of (effective, permitted, inheritable)
    _check(_c().capset(header, data), "capset")


# ---- seccomp ----------------------------------------------------------------------------------

# System calls that fail with EPERM; their numbers, and the audit arch, by processor.
_DENIED_NAMES = [
    "socket",
    "socketpair",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "setsid",
    "setpgid",
    "unshare",
    "setns",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "keyctl",
    "add_key",
    "request_key",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "kexec_load",
    "init_module",
    "finit_module",
    "open_by_handle_at",
    "open_tree",
    "move_mount",
    "fsopen",
    "fsmount",
    "fspick",
    "mount_setattr",
]
_SYSCALLS = {
    "x86_64": {
        "arch": 0xC000003E,
        "socket": 41,
        "socketpair": 53,
        "ptrace": 101,
        "process_vm_readv": 310,
        "process_vm_writev": 311,
        "setsid": 112,
        "setpgid": 109,
        "unshare": 272,
        "setns": 308,
        "mount": 165,
        "umount2": 166,
        "pivot_root": 155,
        "chroot": 161,
        "bpf": 321,
        "perf_event_open": 298,
        "userfaultfd": 323,
        "keyctl": 250,
        "add_key": 248,
        "request_key": 249,
        "io_uring_setup": 425,
        "io_uring_enter": 426,
        "io_uring_register": 427,
        "kexec_load": 246,
        "init_module": 175,
        "finit_module": 313,
        "open_by_handle_at": 304,
        "open_tree": 428,
        "move_mount": 429,
        "fsopen": 430,
        "fsmount": 432,
        "fspick": 433,
        "mount_setattr": 442,
        "prctl": 157,
        "clone3": 435,
    },
    "aarch64": {
        "arch": 0xC00000B7,
        "socket": 198,
        "socketpair": 199,
        "ptrace": 117,
        "process_vm_readv": 270,
        "process_vm_writev": 271,
        "setsid": 157,
        "setpgid": 154,
        "unshare": 97,
        "setns": 268,
        "mount": 40,
        "umount2": 39,
        "pivot_root": 41,
        "chroot": 51,
        "bpf": 280,
        "perf_event_open": 241,
        "userfaultfd": 282,
        "keyctl": 219,
        "add_key": 217,
        "request_key": 218,
        "io_uring_setup": 425,
        "io_uring_enter": 426,
        "io_uring_register": 427,
        "kexec_load": 104,
        "init_module": 105,
        "finit_module": 273,
        "open_by_handle_at": 265,
        "open_tree": 428,
        "move_mount": 429,
        "fsopen": 430,
        "fsmount": 432,
        "fspick": 433,
        "mount_setattr": 442,
        "prctl": 167,
        "clone3": 435,
    },
}
_MACHINE = os.uname().machine
_TABLE = _SYSCALLS.get(_MACHINE)
_PIVOT_ROOT = (_TABLE or {}).get("pivot_root", 155)

_LD_W_ABS, _JEQ, _JGE, _RET = 0x20, 0x15, 0x35, 0x06
_ALLOW, _KILL = 0x7FFF0000, 0x80000000
_EPERM, _ENOSYS = 0x00050000 | 1, 0x00050000 | 38
PR_SET_PDEATHSIG, PR_SET_DUMPABLE = 1, 4


def seccomp_supported():
    return sys.platform.startswith("linux") and _TABLE is not None and sys.byteorder == "little"


def namespaces_possible():
    return sys.platform.startswith("linux")


def _program():
    """The filter as (code, jt, jf, k) instructions; jumps are relative, as BPF counts them."""
    t = _TABLE
    assert t is not None
    body = [("ld", 4), ("jeq", t["arch"], "next2", "next"), ("ret", _KILL), ("ld", 0)]
    if _MACHINE == "x86_64":  # the x32 ABI numbers its calls from 2**30: refused
        body += [("jge", 0x40000000, "next", "next2"), ("ret", _KILL)]
    body += [("jeq", t[name], "eperm", "next") for name in _DENIED_NAMES]
    body += [
        ("jeq", t["clone3"], "enosys", "next"),  # glibc falls back to clone, which rlimits bound
        ("jeq", t["prctl"], "next", "allow"),
        ("ld", 16),  # prctl's option: args[0], low word
        ("jeq", PR_SET_PDEATHSIG, "eperm", "allow"),
    ]
    labels = {"allow": len(body), "eperm": len(body) + 1, "enosys": len(body) + 2}
    body += [("ret", _ALLOW), ("ret", _EPERM), ("ret", _ENOSYS)]
    out = []
    for pos, ins in enumerate(body):
        if ins[0] == "ld":
            out.append((_LD_W_ABS, 0, 0, ins[1]))
        elif ins[0] == "ret":
            out.append((_RET, 0, 0, ins[1]))
        else:

            def rel(target, pos=pos):
                absolute = {"next": pos + 1, "next2": pos + 2}.get(target, labels.get(target))
                return absolute - pos - 1

            code = _JEQ if ins[0] == "jeq" else _JGE
            out.append((code, rel(ins[2]), rel(ins[3]), ins[1]))
    return out


_PROGRAM: list = []  # the filter, built once (in the server) and installed by each child


def prepare_seccomp():
    """Build the filter now, so that each child only installs it."""
    if _PROGRAM or not seccomp_supported():
        return
    ins = _program()
    raw = b"".join(struct.pack("HBBI", *i) for i in ins)
    buf = ctypes.create_string_buffer(raw, len(raw))
    prog = ctypes.create_string_buffer(struct.pack("HxxxxxxP", len(ins), ctypes.addressof(buf)))
    prctl = _c().prctl
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
    _PROGRAM[:] = [buf, prog, prctl]


def install_seccomp():
    """Install the filter for the rest of this process's life (and any exec)."""
    prepare_seccomp()
    _buf, prog, prctl = _PROGRAM
    _check(prctl(38, 1, None, 0, 0), "no_new_privs")  # PR_SET_NO_NEW_PRIVS
    # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
    _check(prctl(22, 2, ctypes.addressof(prog), 0, 0), "seccomp")
