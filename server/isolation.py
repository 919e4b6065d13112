"""Take a process off the network, so no query it runs can reach any host.

pyoxigraph offers no hook on SERVICE and no switch to turn federation off, so
what a query may reach is decided by the process, not by reading the query:

- :func:`isolate` moves the calling process into a fresh network namespace
  (``unshare(CLONE_NEWNET)``; without root, inside a new user namespace too).
  Its only interface is a loopback that stays down: every connection fails.
- :func:`isolate` with *targets* (the federation worker) also brings the
  loopback up, maps each allow-listed host name to its own ``127.0.0.N`` in a
  private ``/etc/hosts``, and listens there on each allow-listed port. A
  connection to such a relay is joined, byte for byte, to a TCP connection the
  parent opens to that one fixed host and port (:class:`Forwarder`) and hands
  over as a file descriptor. Nothing else is reachable.

Call :func:`isolate` first thing in a fresh process: before any thread starts
and before the store is opened.
"""

from __future__ import annotations

import ctypes
import dataclasses
import errno
import fcntl
import ipaddress
import logging
import os
import resource
import socket
import struct
import tempfile
import threading
from collections.abc import Sequence
from multiprocessing import reduction
from multiprocessing.connection import Connection
from urllib.parse import urlsplit

from loader.errors import LoadError

log = logging.getLogger(__name__)

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1

HOW_TO_FIX = (
    "run the server as root, or where unprivileged user namespaces are allowed "
    "(sysctl kernel.unprivileged_userns_clone=1 / user.max_user_namespaces > 0; in a container, "
    "allow the unshare system call), or set network_isolation to off if this host already "
    "denies the Attest process every outbound connection"
)


class IsolationError(LoadError):
    """A worker process could not be cut off from the network."""


@dataclasses.dataclass(frozen=True)
class Target:
    """One allow-listed endpoint's host and port, and the loopback address it gets inside."""

    host: str
    port: int
    inside: str


def targets_of(endpoints: Sequence[str]) -> tuple[Target, ...]:
    """Work out the host:port pairs a federation worker may reach, one per allow-listed endpoint.

    :raises IsolationError: for an endpoint that is not an http(s) URL with a host, or that
        names an IP address outside 127.0.0.0/8 (give a host name instead).
    """
    found: dict[tuple[str, int], Target] = {}
    addresses: dict[str, str] = {}
    for endpoint in endpoints:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise IsolationError(
                f"service_allowlist entry {endpoint!r} is not an http(s) URL with a host"
            )
        host = parts.hostname
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise IsolationError(f"service_allowlist entry {endpoint!r} has a bad port") from None
        try:
            literal: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(
                host
            )
        except ValueError:
            literal = None
        if literal is not None:
            if not (isinstance(literal, ipaddress.IPv4Address) and literal.is_loopback):
                raise IsolationError(
                    f"service_allowlist entry {endpoint!r} names the address {host}; "
                    "write the endpoint's host name instead"
                )
            inside = host
        else:
            if host not in addresses:
                addresses[host] = f"127.0.0.{len(addresses) + 2}"
            inside = addresses[host]
        found.setdefault((host, port), Target(host, port, inside))
    if len(addresses) > 250:
        raise IsolationError("service_allowlist names more than 250 hosts")
    return tuple(found.values())


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _fail(what: str) -> IsolationError:
    code = ctypes.get_errno()
    return IsolationError(f"{what} failed ({os.strerror(code) or code}); {HOW_TO_FIX}")


def _unshare(flags: int) -> None:
    libc = _libc()
    if os.geteuid() == 0:
        if libc.unshare(flags) != 0:
            raise _fail("unshare(CLONE_NEWNET)")
        return
    uid, gid = os.geteuid(), os.getegid()
    if libc.unshare(flags | CLONE_NEWUSER) != 0:
        raise _fail("unshare(CLONE_NEWUSER|CLONE_NEWNET)")
    try:
        with open("/proc/self/setgroups", "w") as out:
            out.write("deny")
        with open("/proc/self/uid_map", "w") as out:
            out.write(f"0 {uid} 1")
        with open("/proc/self/gid_map", "w") as out:
            out.write(f"0 {gid} 1")
    except OSError as exc:
        raise IsolationError(
            f"cannot write the user namespace's id maps: {exc}; {HOW_TO_FIX}"
        ) from exc


def _loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sh14x", b"lo", 0)
        flags = struct.unpack("16sh", fcntl.ioctl(sock, SIOCGIFFLAGS, request)[:18])[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sh14x", b"lo", flags | IFF_UP))


def _private_hosts(targets: Sequence[Target]) -> None:
    """Bind-mount an /etc/hosts that maps each allow-listed host to its loopback address."""
    libc = _libc()
    # Without this, a shared root mount would carry our bind mount back to the host.
    if libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        raise _fail("making the mount namespace private")
    lines = sorted({f"{t.inside} {t.host}" for t in targets if t.inside != t.host})
    with tempfile.NamedTemporaryFile("w", prefix="attest-hosts-", delete=False) as out:
        out.write("\n".join(lines) + "\n")
    try:
        hosts = os.path.realpath("/etc/hosts")
        if libc.mount(out.name.encode(), hosts.encode(), None, MS_BIND, None) != 0:
            raise _fail(f"bind-mounting a private {hosts}")
    finally:
        os.unlink(out.name)


def isolate(
    targets: Sequence[Target] = (), control: Connection | None = None, memory_mb: int = 0
) -> None:
    """Cut this process off the network; with *targets*, leave relays to those endpoints only.

    :param targets: allow-listed endpoints reachable through *control* (federation worker).
    :param control: the pipe to the parent's :class:`Forwarder`.
    :param memory_mb: address-space cap for the process (0: none).
    :raises IsolationError: if the namespaces cannot be made; the caller must not go on.
    """
    flags = CLONE_NEWNET | (CLONE_NEWNS if targets else 0)
    _unshare(flags)
    if targets:
        assert control is not None
        _private_hosts(targets)
        _loopback_up()
        relay = _Relay(targets, control)
        relay.start()
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def can_reach(host: str, port: int) -> bool:
    """Tell whether a TCP connection to *host*:*port* succeeds (used to check isolation)."""
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


class _Relay:
    """Inside the namespace: listen on each target's loopback address, join to the parent."""

    def __init__(self, targets: Sequence[Target], control: Connection) -> None:
        self.targets = list(targets)
        self.control = control
        self.lock = threading.Lock()
        self.listeners = []
        for target in self.targets:
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                listener.bind((target.inside, target.port))
            except OSError as exc:
                raise IsolationError(
                    f"cannot listen on {target.inside}:{target.port} inside the namespace: {exc}"
                ) from exc
            listener.listen(64)
            self.listeners.append(listener)

    def start(self) -> None:
        for index, listener in enumerate(self.listeners):
            threading.Thread(target=self._accept, args=(index, listener), daemon=True).start()

    def _accept(self, index: int, listener: socket.socket) -> None:
        while True:
            client, _ = listener.accept()
            threading.Thread(target=self._join, args=(index, client), daemon=True).start()

    def _join(self, index: int, client: socket.socket) -> None:
        with self.lock:
            try:
                self.control.send(index)
                reason = self.control.recv()
                upstream = (
                    socket.socket(fileno=reduction.recv_handle(self.control))
                    if not reason
                    else None
                )
            except (EOFError, OSError):
                client.close()
                return
        if upstream is not None:
            upstream.setblocking(True)  # the parent connected with a timeout: non-blocking
        if upstream is None:
            log.warning("federation relay: %s", reason)
            client.close()
            return
        _pump_both(client, upstream)


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    finally:
        try:
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def _pump_both(one: socket.socket, other: socket.socket) -> None:
    back = threading.Thread(target=_pump, args=(other, one), daemon=True)
    back.start()
    _pump(one, other)
    back.join()
    one.close()
    other.close()


class Forwarder:
    """In the parent, outside the namespace: open connections to the fixed targets only.

    The worker names a target by its index in the list it was given; the forwarder
    connects to that host and port and passes the connected socket back.
    """

    def __init__(
        self, targets: Sequence[Target], control: Connection, pid: int, timeout: float
    ) -> None:
        self.targets = list(targets)
        self.control = control
        self.pid = pid
        self.timeout = timeout
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                index = self.control.recv()
            except (EOFError, OSError):
                return
            if not isinstance(index, int) or not 0 <= index < len(self.targets):
                return  # a worker that sends anything else is not ours: stop serving it
            target = self.targets[index]
            try:
                upstream = socket.create_connection((target.host, target.port), self.timeout)
            except OSError as exc:
                text = exc.strerror or str(exc) or errno.errorcode.get(exc.errno or 0, "")
                try:
                    self.control.send(f"cannot connect to {target.host}:{target.port}: {text}")
                except OSError:
                    return
                continue
            try:
                self.control.send("")
                reduction.send_handle(self.control, upstream.fileno(), self.pid)
            except OSError:
                return
            finally:
                upstream.close()
