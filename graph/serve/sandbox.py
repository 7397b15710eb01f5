"""Hard limits for a process that runs untrusted queries: a memory cap (RLIMIT_AS) and no network (a seccomp
filter that kills the process the moment it asks the kernel for a socket, of any kind: a Unix socket could reach a
local DNS resolver or proxy; the worker talks to the server over inherited pipes).

The filter is the kernel's, not ours: whatever text reached the engine and however the engine read it (a SERVICE
hidden behind a comment that ends at a carriage return, an escape, a Unicode line break), an outbound request
needs a socket, and asking for one ends the process with SIGSYS before any packet leaves: no connection is
attempted, so nothing can tell an open port from a closed one. io_uring (which could open sockets without the
socket system call) and foreign system-call ABIs (32-bit, x32) are refused the same way.

Linux only (x86-64 and AArch64); `forbid_network` raises OSError elsewhere and the endpoint does not start.
"""

from __future__ import annotations

import ctypes
import platform
import resource
import signal
import struct

#: Signal that ends a process which tried to open a network socket.
NETWORK_SIGNAL = signal.SIGSYS

# Per architecture: the seccomp audit architecture, and the numbers of socket(2), io_uring_setup(2), seccomp(2).
_ARCHES = {
    "x86_64": (0xC000003E, 41, 425, 317),
    "aarch64": (0xC00000B7, 198, 425, 277),
}
_X32_BIT = 0x40000000

# Classic BPF opcodes (linux/filter.h) and seccomp constants (linux/seccomp.h).
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_RET_K = 0x06
_RET_KILL_PROCESS = 0x80000000
_RET_ALLOW = 0x7FFF0000
_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_FILTER_FLAG_TSYNC = 1
# Offsets in struct seccomp_data: the system call's number, its architecture.
_NR, _ARCH = 0, 4


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space: an allocation past it fails (the engine then aborts the process)."""
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _filter(arch: int, nr_socket: int, nr_io_uring: int) -> bytes:
    def op(code: int, jt: int, jf: int, k: int) -> bytes:
        return struct.pack("=HBBI", code, jt, jf, k)

    kill, allow = op(_RET_K, 0, 0, _RET_KILL_PROCESS), op(_RET_K, 0, 0, _RET_ALLOW)
    # Jump offsets count from the next instruction.
    program = [
        op(_LD_W_ABS, 0, 0, _ARCH),  # 0
        op(_JEQ_K, 1, 0, arch),  # 1: our ABI: go on to 3
        kill,  # 2: a foreign ABI
        op(_LD_W_ABS, 0, 0, _NR),  # 3
        op(_JGE_K, 3, 0, _X32_BIT),  # 4: x32 system calls: 8
        op(_JEQ_K, 2, 0, nr_io_uring),  # 5: io_uring_setup: 8
        op(_JEQ_K, 1, 0, nr_socket),  # 6: socket(), of any family: 8
        allow,  # 7
        kill,  # 8
    ]
    return b"".join(program)


def forbid_network() -> None:
    """Install the filter on every thread of this process, for good (it cannot be lifted, and children inherit it)."""
    machine = platform.machine()
    if machine not in _ARCHES:
        raise OSError(f"no network filter for this machine ({machine}): the endpoint needs Linux on x86-64 or AArch64")
    arch, nr_socket, nr_io_uring, nr_seccomp = _ARCHES[machine]
    code = _filter(arch, nr_socket, nr_io_uring)
    buffer = ctypes.create_string_buffer(code, len(code))

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    program = Program(len(code) // 8, ctypes.addressof(buffer))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    libc.syscall.restype = ctypes.c_long
    if libc.syscall(ctypes.c_long(nr_seccomp), ctypes.c_ulong(_SECCOMP_SET_MODE_FILTER),
                    ctypes.c_ulong(_SECCOMP_FILTER_FLAG_TSYNC), ctypes.byref(program)) != 0:
        raise OSError(ctypes.get_errno(), "seccomp(SECCOMP_SET_MODE_FILTER) failed")
