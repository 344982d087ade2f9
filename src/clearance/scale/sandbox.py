"""Per-file time and memory limits that hold even when a parser hangs in C or a bomb eats memory.

A ``Sandbox`` is one long-lived child process (``python -m clearance.scale.sandbox``) that builds
its Scanner once and then scans the files its parent names, one at a time. The child reads the
bytes itself. The parent waits at most ``timeout`` seconds per file (a watchdog on the pipe) and
the child runs under ``RLIMIT_AS`` (its size after start-up plus ``max_memory``):

* the child answers: its FileReport, exactly what ``Scanner.scan_item`` gives in any process;
* the child takes too long: it is killed, the file is unscannable ("took longer than ..."), and a
  fresh child is started for the next file;
* the child dies (killed by the kernel, a crash in a C parser): a fresh child tries the file once
  more; a file that kills its scanner twice is unscannable.

Pipe protocol: 4-byte big-endian length + pickle, both ways. Pickle is safe here: each side
only ever talks to the process it started or was started by.
"""

from __future__ import annotations

import os
import pickle
import select
import struct
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import IO, Any

from clearance import formats
from clearance.config.loader import Config
from clearance.model import FileReport
from clearance.pipeline import _unscannable  # the single-process engine's own unscannable report
from clearance.sources.protocol import Ref, open_ref

# Extra address space a child may take for one file, above its size after start-up. Real files
# stay far below (extractors stream); zip and XML bombs go far above.
DEFAULT_MAX_MEMORY = 4 * 1024**3
# The watchdog waits this much longer than the pipeline's own per-file budget (Limits.max_seconds),
# which is checked between extracted items: only a scan stuck inside one parser call reaches it.
WATCHDOG_GRACE_S = 10.0
START_TIMEOUT_S = 120.0  # interpreter + imports + detector set-up on a loaded machine
_HEADER = struct.Struct(">I")


def _send(fh: IO[bytes], obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    fh.write(_HEADER.pack(len(data)) + data)
    fh.flush()


def _read_exact(fd: int, n: int, deadline: float | None) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                return None
        chunk = os.read(fd, n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return bytes(buf)


def _recv(fd: int, deadline: float | None) -> tuple[bool, Any]:
    """(True, object) or (False, None) when the deadline passed. EOFError when the peer died."""
    head = _read_exact(fd, _HEADER.size, deadline)
    if head is None:
        return False, None
    (n,) = _HEADER.unpack(head)
    body = _read_exact(fd, n, None)  # the whole message is written at once
    assert body is not None
    return True, pickle.loads(body)


def unscannable(ref: Ref, reason: str) -> FileReport:
    return _unscannable(ref.display, reason, "", formats.UNKNOWN, ref.size)


class Sandbox:
    def __init__(
        self,
        config: Config,
        *,
        timeout: float | None = None,
        max_memory: int = DEFAULT_MAX_MEMORY,
        options: dict[str, Any] | None = None,
        argv: Sequence[str] | None = None,
    ) -> None:
        self.config = config
        self.timeout = timeout if timeout is not None else config.scan.limits.max_seconds + WATCHDOG_GRACE_S
        self.max_memory = max_memory
        self.options = options or {}
        self.argv = list(argv or [sys.executable, "-m", "clearance.scale.sandbox"])
        self._proc: subprocess.Popen[bytes] | None = None
        self.restarts = 0

    # -- child lifecycle ------------------------------------------------------------------------
    def _start(self) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert proc.stdin is not None and proc.stdout is not None
        _send(proc.stdin, (self.config, self.max_memory, self.options))
        ok, msg = _recv(proc.stdout.fileno(), time.monotonic() + START_TIMEOUT_S)
        if not ok or msg != "ready":
            proc.kill()
            raise RuntimeError(f"scanner process did not start ({msg!r})")
        self._proc = proc
        return proc

    def _kill(self) -> int | None:
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        proc.kill()
        code = proc.wait()
        for fh in (proc.stdin, proc.stdout):
            if fh is not None:
                fh.close()
        self.restarts += 1
        return code

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.kill()
            proc.wait()
            for fh in (proc.stdin, proc.stdout):
                if fh is not None:
                    fh.close()

    # -- one file -------------------------------------------------------------------------------
    def scan(self, ref: Ref) -> FileReport:
        deaths: list[str] = []
        for _ in range(2):
            proc = self._proc or self._start()
            assert proc.stdin is not None and proc.stdout is not None
            try:
                _send(proc.stdin, ref)
                ok, report = _recv(proc.stdout.fileno(), time.monotonic() + self.timeout)
            except (EOFError, BrokenPipeError, OSError):
                code = self._kill()
                deaths.append(_death(code))
                continue
            if not ok:
                self._kill()
                return unscannable(
                    ref, f"scanning took longer than the {self.timeout:g} s limit; the scan was stopped"
                )
            return report  # type: ignore[no-any-return]
        return unscannable(
            ref,
            "the file crashed the scanner twice ("
            + "; ".join(deaths)
            + f"); a file that needs more than {self.max_memory / 1024**3:g} GiB is refused",
        )


def _death(code: int | None) -> str:
    if code is None:
        return "no exit status"
    if code < 0:
        import signal

        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


# -- the child ------------------------------------------------------------------------------------
def _limit_memory(extra: int) -> None:
    import resource

    try:
        with open("/proc/self/statm") as fh:
            vm = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        vm = 0
    limit = vm + extra
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def serve(scan_one: Any = None) -> None:
    """The child's loop. ``scan_one(scanner, ref, limits, options)`` is replaceable in tests."""
    from clearance.pipeline import Scanner
    from clearance.registry import Registry

    inp = sys.stdin.buffer
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything a library prints goes to stderr, never into the protocol
    _, init = _recv(inp.fileno(), None)
    config, max_memory, options = init
    scanner = Scanner.build(config, Registry.default())
    limits = config.scan.limits
    if max_memory:
        _limit_memory(max_memory)
    _send(out, "ready")
    fn = scan_one or _scan_one
    while True:
        try:
            _, ref = _recv(inp.fileno(), None)
        except EOFError:
            return
        _send(out, fn(scanner, ref, limits, options))


def _scan_one(scanner: Any, ref: Ref, limits: Any, options: dict[str, Any]) -> FileReport:
    return scanner.scan_item(open_ref(ref, limits, options))  # type: ignore[no-any-return]


if __name__ == "__main__":
    serve()
