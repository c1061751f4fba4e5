#!/usr/bin/env python3
"""fleet-rlm REPL server: one persistent Python namespace behind a small authenticated HTTP API.

Runs inside a sandbox as ``python3 repl_server.py`` (standard library only). The wire contract is
``worker/contracts/repl.ts``; field names there are binding. Summary:

- ``GET /health``, ``POST /context``, ``/exec``, ``/resume``, ``/var``, ``/reset``, ``/interrupt``, ``/snapshot``,
  ``/restore``; JSON in and out; every request must
  carry ``x-fleet-repl-key`` equal to ``$FLEET_REPL_SECRET`` (removed from ``os.environ`` at startup so user code
  cannot read it).
- User code runs on the MAIN thread (so ``SIGALRM`` can interrupt it with ``TimeoutError``); the HTTP server runs on
  daemon threads. ``/exec`` long-polls until the code finishes or every running piece of it is blocked on host
  callbacks (``llm_query`` ...), then returns all pending calls at once; ``/resume`` answers them and keeps polling.
- Listens on TCP 0.0.0.0:8080, or on ``$DAYTONA_DEV_PORTS_DIR/8080.sock`` under the dev sandbox server.

Python's stock ``http.server`` stalls keep-alive requests ~40 ms (Nagle + delayed ACK) and drops connections with its
backlog of 5, so responses go out in a single write with TCP_NODELAY and the listen backlog is 256.
"""

import base64
import hmac
import io
import json
import linecache
import os
import pickle
import queue
import resource
import select
import signal
import socket
import socketserver
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer



def _take_secret():
    """Removes the secret from the environment, including the process's original environment block.

    ``os.environ.pop`` alone keeps it in ``/proc/self/environ`` (the kernel shows the block the process started
    with), so the server re-executes itself once without it and receives the secret through an inherited pipe.
    """
    if len(sys.argv) == 3 and sys.argv[1] == "--secret-fd":
        fd = int(sys.argv[2])
        chunks = []
        while True:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(fd)
        return b"".join(chunks).decode("utf-8")
    secret = os.environ.pop("FLEET_REPL_SECRET", "")
    if secret:
        r, w = os.pipe()
        os.write(w, secret.encode("utf-8"))
        os.close(w)
        os.set_inheritable(r, True)
        os.execve(sys.executable, [sys.executable, os.path.abspath(__file__), "--secret-fd", str(r)], dict(os.environ))
    return secret


SECRET = _take_secret()
PORT = int(os.environ.pop("FLEET_REPL_PORT", "8080"))
SERVER_PID = os.getpid()
MAIN_THREAD = threading.get_ident()
MAX_BODY = 256 * 1024 * 1024  # requests carry code or callback results; anything bigger is a host bug
TRACEBACK_CAP = 4096
# Calls from many threads are handed to the host together: once every user thread waits on a host call, or once no
# new call arrived for GATHER_QUIET_S (threads start slowly on a loaded machine: 3 ms split 64 pool threads into
# several batches under load, 10 ms did not), or GATHER_MAX_S after the first, so a steady trickle cannot starve the
# host. The wait costs nothing next to an LLM call.
GATHER_QUIET_S = 0.01
# Finished execs kept by id: enough for a host that lost a reply (or a proxy that replayed a POST) to find its own,
# few enough that their captured output stays small.
RECENT_EXECS = 8
# The longest a poll may be held when the host asks for a bound (``waitMs``): under the 30 s the host allows itself.
MAX_WAIT_MS = 30000
GATHER_MAX_S = 0.25
# User code that swallows TimeoutError (or sits in one long C call) this long past its deadline ends the process.
TIMEOUT_GRACE_S = float(os.environ.pop("FLEET_REPL_TIMEOUT_GRACE_S", "10"))
RESUME_WAIT_S = float(os.environ.pop("FLEET_REPL_RESUME_WAIT_S", "3600"))  # host gone: cancel calls after this


class BudgetExhaustedError(Exception):
    """A host call was refused because the run's budget is spent."""


class CancelledError(Exception):
    """The run was cancelled (or the exec ended) while a host call was pending."""


class HostCallError(Exception):
    """A host call failed; ``.type`` carries the host's error type."""

    def __init__(self, message, type_="host_error"):
        super().__init__(message)
        self.type = type_


def _log(msg):
    try:
        sys.__stderr__.write("[repl] %s\n" % msg)
        sys.__stderr__.flush()
    except Exception:
        pass


# ---------------------------------------------------------------------------------------------------------------------
# Output capture


class _Capture(io.TextIOBase):
    """A text sink that keeps at most ``cap`` characters but counts everything written."""

    def __init__(self, cap):
        self.cap = cap
        self.total = 0
        self.parts = []
        self.kept = 0
        self.lock = threading.Lock()

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("write() argument must be str, not %s" % type(s).__name__)
        n = len(s)
        with self.lock:
            self.total += n
            room = self.cap - self.kept
            if room > 0:
                piece = s if n <= room else s[:room]
                self.parts.append(piece)
                self.kept += len(piece)
        return n

    def writable(self):
        return True

    def isatty(self):
        return False

    def flush(self):
        pass

    @property
    def encoding(self):
        return "utf-8"

    @property
    def buffer(self):
        return _BinaryView(self)

    def text(self):
        with self.lock:
            return "".join(self.parts)


class _BinaryView(io.RawIOBase):
    """``sys.stdout.buffer`` for code that writes bytes."""

    def __init__(self, target):
        self.target = target

    def writable(self):
        return True

    def write(self, b):
        self.target.write(bytes(b).decode("utf-8", errors="replace"))
        return len(b)


class _Discard(_Capture):
    """Between execs, stray output from leftover threads goes nowhere."""

    def __init__(self):
        super().__init__(0)


# ---------------------------------------------------------------------------------------------------------------------
# Execution state


class _Call:
    __slots__ = ("id", "fn", "args", "kwargs", "event", "value", "error", "delivered", "thread")

    def __init__(self, id_, fn, args, kwargs):
        self.id, self.fn, self.args, self.kwargs = id_, fn, args, kwargs
        self.event = threading.Event()
        self.value = None
        self.error = None
        self.delivered = False
        self.thread = threading.get_ident()

    def wire(self):
        return {"id": self.id, "fn": self.fn, "args": self.args, "kwargs": self.kwargs}


class _Exec:
    def __init__(self, seq, code, timeout_s, max_chars, exec_id=None):
        self.seq = seq
        self.exec_id = exec_id  # the host's id: a replayed /exec with it re-attaches instead of running twice
        self.code = code
        self.timeout_s = timeout_s
        self.out = _Capture(max_chars)
        self.err = _Capture(max_chars)
        self.pending = {}  # id -> _Call, unanswered
        self.last_call_at = 0.0
        self.host_holding = False  # callbacks handed to the host, no /resume since: the timer is paused
        self.paused_at = 0.0
        self.remaining = timeout_s
        self.active = 0.0  # seconds of unpaused run time (for the watchdog)
        self.active_since = None
        self.result = None
        self.result_delivered = False
        self.final = None
        self.cancelled = False  # set by /interrupt: the next alarm raises CancelledError in user code
        self.started = time.monotonic()


class Runner:
    """Owns the namespace, the exec queue and the long-poll handshake with the host."""

    def __init__(self):
        self.cond = threading.Condition()
        self.jobs = queue.Queue()
        self.current = None
        self.last = None
        self.finished = {}  # exec id -> the last RECENT_EXECS finished execs, for a host re-attaching after a loss
        self.seq = 0
        self.call_seq = 0
        self.in_user_code = False
        self.critical = False
        self.server_threads = set()
        self.contexts = {}  # name -> (value, info, key)
        self.ns = {}
        self.ballast = bytearray(8 * 1024 * 1024)  # freed on MemoryError so the server can still answer
        self.reset_namespace()

    # -- namespace ----------------------------------------------------------------------------------------------------

    def reset_namespace(self):
        ns = {"__name__": "__main__", "__builtins__": __builtins__}
        ns.update(
            llm_query=self._fn_llm_query,
            llm_query_batched=self._fn_llm_query_batched,
            rlm_query=self._fn_rlm_query,
            rlm_query_batched=self._fn_rlm_query_batched,
            FINAL=self._fn_final,
            FINAL_VAR=self._fn_final_var,
            SHOW_VARS=self._fn_show_vars,
            budget=self._fn_budget,
            BudgetExhaustedError=BudgetExhaustedError,
            CancelledError=CancelledError,
            HostCallError=HostCallError,
            answer={"content": "", "ready": False},
        )
        self.predefined = {k: v for k, v in ns.items() if k not in ("answer", "__name__")}
        for name, (value, _info, _key) in self.contexts.items():
            ns[name] = value
        self.ns = ns

    def user_vars(self):
        out = []
        for k, v in list(self.ns.items()):
            if k.startswith("_") or type(v).__name__ == "module":
                continue
            if k in self.predefined and self.predefined[k] is v:
                continue
            out.append(k)
        return sorted(out)

    # -- functions visible to user code -------------------------------------------------------------------------------

    def _fn_llm_query(self, prompt, model=None):
        return self.host_call("llm_query", [prompt], {"model": model} if model is not None else {})

    def _fn_llm_query_batched(self, prompts, model=None):
        return self.host_call("llm_query_batched", [list(prompts)], {"model": model} if model is not None else {})

    def _fn_rlm_query(self, prompt, context=None):
        return self.host_call("rlm_query", [prompt], {"context": context} if context is not None else {})

    def _fn_rlm_query_batched(self, prompts, contexts=None):
        kw = {"contexts": list(contexts)} if contexts is not None else {}
        return self.host_call("rlm_query_batched", [list(prompts)], kw)

    def _fn_budget(self):
        """What the run can still spend: ``llm_calls``, ``tokens``, ``cost_usd``, ``seconds`` (``None``: unlimited)."""
        value = self.host_call("budget", [], {})
        if not isinstance(value, dict):
            raise HostCallError("budget: the host sent %r" % (value,), "host_error")
        return value

    def _fn_final(self, value):
        ex = self.current
        if ex is not None:
            ex.final = str(value)
        return value

    def _fn_final_var(self, name):
        if not isinstance(name, str):
            value = name  # models sometimes pass the variable itself
        else:
            key = name.strip().strip("'\"")
            if key not in self.ns:
                raise NameError(
                    "FINAL_VAR: variable %r is not defined. Available variables: %s"
                    % (key, ", ".join(self.user_vars()) or "(none)")
                )
            value = self.ns[key]
        text = str(value)
        ex = self.current
        if ex is not None:
            ex.final = text
        return text

    def _fn_show_vars(self):
        shown = {}
        for k in self.user_vars():
            v = self.ns[k]
            shown[k] = type(v).__name__
        lines = []
        for k, t in shown.items():
            v = self.ns[k]
            size = ""
            if isinstance(v, (str, list, dict, tuple, set, bytes)):
                size = ", len %d" % len(v)
            lines.append("  %s: %s%s" % (k, t, size))
        print("Variables:\n" + ("\n".join(lines) if lines else "  (none)"))
        return shown

    # -- host calls -------------------------------------------------------------------------------------------------

    def host_call(self, fn, args, kwargs):
        if os.getpid() != SERVER_PID:
            raise HostCallError("host calls are not available in a forked process", "unavailable")
        on_main = threading.get_ident() == MAIN_THREAD
        if on_main:
            self.critical = True  # a TimeoutError must not land half-way through our bookkeeping (see on_alarm)
        try:
            with self.cond:
                ex = self.current
                if ex is None or ex.result is not None:
                    raise HostCallError("%s called outside of a running exec" % fn, "no_exec")
                self.call_seq += 1
                call = _Call("c%d" % self.call_seq, fn, _jsonable(args), _jsonable(kwargs))
                ex.pending[call.id] = call
                ex.last_call_at = time.monotonic()
                self.cond.notify_all()
        finally:
            if on_main:
                self.critical = False
        try:
            while not call.event.wait(1.0):  # interruptible: SIGALRM raises TimeoutError here while the timer runs
                pass
        finally:
            if on_main:
                self.critical = True
            try:
                with self.cond:
                    ex.pending.pop(call.id, None)
            finally:
                if on_main:
                    self.critical = False
        if call.error is not None:
            etype = str(call.error.get("type", "host_error"))
            msg = str(call.error.get("message", ""))
            if etype == "budget_exhausted":
                raise BudgetExhaustedError(msg)
            if etype == "cancelled":
                raise CancelledError(msg)
            raise HostCallError("%s: %s" % (etype, msg) if msg else etype, etype)
        return call.value

    def _blocked_everywhere(self, ex):
        """True when every user thread is waiting for a host call (nothing else can produce a new call)."""
        waiting = {c.thread for c in ex.pending.values()}
        for t in threading.enumerate():
            if t.ident in self.server_threads or t.ident in waiting or not t.is_alive():
                continue
            if t is _watchdog_thread[0] or t is _serve_thread[0]:
                continue
            return False
        return True

    # -- timer ----------------------------------------------------------------------------------------------------

    def _pause(self, ex):
        if ex.host_holding:
            return
        rem, _ = signal.setitimer(signal.ITIMER_REAL, 0)
        ex.remaining = rem if rem > 0 else 0.001
        if ex.active_since is not None:
            ex.active += time.monotonic() - ex.active_since
            ex.active_since = None
        ex.host_holding = True
        ex.paused_at = time.monotonic()

    def _unpause(self, ex):
        if not ex.host_holding:
            return
        ex.host_holding = False
        if ex.result is None:
            ex.active_since = time.monotonic()
            signal.setitimer(signal.ITIMER_REAL, ex.remaining, 1.0)

    # -- the long poll ------------------------------------------------------------------------------------------------

    def wait_event(self, ex, conn, reattach=False, wait_s=None):
        """Block until ``ex`` is done or has calls for the host. Returns a reply dict, or None if the client left.

        With ``wait_s``, give up after that long with ``{"status": "running"}``: the host re-attaches with an empty
        ``/resume``, so no single response is held open long enough for a front door's idle timeout to cut it.
        """
        deadline = None if wait_s is None else time.monotonic() + wait_s
        with self.cond:
            while True:
                if ex.result is not None:
                    if not _alive(conn):
                        return None  # kept for a re-attaching /resume
                    ex.result_delivered = True
                    return ex.result
                undelivered = [c for c in ex.pending.values() if not c.delivered]
                if reattach and not undelivered:
                    undelivered = list(ex.pending.values())
                if undelivered:
                    started = time.monotonic()
                    while ex.result is None and not self._blocked_everywhere(ex):
                        now = time.monotonic()
                        quiet = now - ex.last_call_at
                        if quiet >= GATHER_QUIET_S or now - started >= GATHER_MAX_S:
                            break
                        self.cond.wait(GATHER_QUIET_S - quiet)
                    if ex.result is not None:
                        continue
                    if not _alive(conn):
                        return None  # leave the calls for the host's next poll
                    calls = [c for c in ex.pending.values() if reattach or not c.delivered]
                    for c in calls:
                        c.delivered = True
                    self._pause(ex)
                    return {"status": "callbacks", "calls": [c.wire() for c in calls], "_calls": calls}
                if deadline is not None and time.monotonic() >= deadline:
                    return {"status": "running"}
                self.cond.wait(1.0 if deadline is None else max(0.001, min(1.0, deadline - time.monotonic())))
                if not _alive(conn):
                    return None

    def undeliver(self, ex, calls):
        """The reply carrying ``calls`` never reached the host: offer them again to the next poll."""
        with self.cond:
            for c in calls:
                c.delivered = False
            if ex.result is None:
                self._unpause(ex)
            self.cond.notify_all()

    def resume(self, results):
        with self.cond:
            ex = self.current
            if ex is None:
                last = self.last
                if last is not None and last.result is not None and not last.result_delivered and not results:
                    return last
                return None
            for r in results:
                call = ex.pending.get(r["id"])
                if call is None:
                    continue  # already cancelled or answered twice
                if "error" in r:
                    call.error = r["error"]
                else:
                    call.value = r.get("value")
                del ex.pending[call.id]
                call.event.set()
            self._unpause(ex)
            self.cond.notify_all()
            return ex

    def interrupt(self):
        """Cancels the running exec: pending host calls fail with CancelledError and user code gets one raised at the
        next bytecode boundary. Returns False when nothing is running."""
        with self.cond:
            ex = self.current
            if ex is None or ex.result is not None:
                return False
            ex.cancelled = True
            self._cancel_pending(ex, "the run was cancelled")
            self._unpause(ex)
            # Fire the alarm almost at once and keep repeating until user code is interruptible.
            signal.setitimer(signal.ITIMER_REAL, 0.001, 0.05)
            self.cond.notify_all()
            return True

    def _cancel_pending(self, ex, why):
        for c in list(ex.pending.values()):
            c.error = {"type": "cancelled", "message": why}
            c.event.set()
        ex.pending.clear()

    # -- the main-thread loop ---------------------------------------------------------------------------------------

    def start_exec(self, code, timeout_s, max_chars, exec_id=None):
        """Starts an exec; returns ``(ex, attached)``, or ``(None, False)`` when another exec is running.

        An ``exec_id`` seen before (a proxy replaying the POST, or a host that lost the reply) re-attaches to that exec,
        running or finished, instead of running the code again.
        """
        with self.cond:
            if exec_id is not None:
                current = self.current
                if current is not None and current.exec_id == exec_id:
                    return current, True
                if exec_id in self.finished:
                    return self.finished[exec_id], True
            if self.current is not None:
                return None, False
            self.seq += 1
            ex = _Exec(self.seq, code, timeout_s, max_chars, exec_id)
            self.current = ex
        self.jobs.put(ex)
        return ex, False

    def find_exec(self, exec_id):
        """The running or recently finished exec with this id, or None."""
        with self.cond:
            if self.current is not None and self.current.exec_id == exec_id:
                return self.current
            return self.finished.get(exec_id)

    def main_loop(self):
        sys.stdout = sys.stderr = _Discard()
        sys.stdin = io.StringIO("")
        while True:
            ex = self.jobs.get()
            try:
                self._run(ex)
            except BaseException as e:  # an alarm landing in our own code, or worse: report, keep serving
                _log("runner error: %r" % (e,))
                with self.cond:
                    if ex.result is None:
                        ex.result = self._done(ex, _describe(e, None))
                    self._finish(ex)
                    self.cond.notify_all()

    def _run(self, ex):
        filename = "<cell-%d>" % ex.seq
        error = None
        cpu_limit = None
        sys.stdout, sys.stderr = ex.out, ex.err
        try:
            try:
                lines = ex.code.splitlines(True)
                linecache.cache[filename] = (len(ex.code), None, lines, filename)
                code = compile(ex.code, filename, "exec")
                cpu_limit = _arm_cpu_backstop(ex.timeout_s)
                with self.cond:
                    ex.active_since = time.monotonic()
                    signal.setitimer(signal.ITIMER_REAL, ex.timeout_s, 1.0)
                    self.in_user_code = True
                exec(code, self.ns)
            finally:
                self.in_user_code = False
                signal.setitimer(signal.ITIMER_REAL, 0)
                if cpu_limit is not None:
                    resource.setrlimit(resource.RLIMIT_CPU, cpu_limit)
        except BaseException as e:
            if isinstance(e, MemoryError):
                self.ballast = None
            error = _describe(e, filename)
        if os.getpid() != SERVER_PID:
            os._exit(1 if error else 0)  # a forked copy of user code is done: never become a second server
        sys.stdout = sys.stderr = _Discard()
        with self.cond:
            self._cancel_pending(ex, "the exec finished before this call was answered")
            ex.result = self._done(ex, error)
            self._finish(ex)
            signal.setitimer(signal.ITIMER_REAL, 0)  # a late /resume may have re-armed it
            self.cond.notify_all()
        if self.ballast is None:
            try:
                self.ballast = bytearray(8 * 1024 * 1024)
            except MemoryError:
                pass

    def _finish(self, ex):
        """Makes ``ex`` the last exec and keeps it findable by id (caller holds ``cond``)."""
        self.current = None
        self.last = ex
        if ex.exec_id is not None:
            self.finished[ex.exec_id] = ex
            while len(self.finished) > RECENT_EXECS:
                del self.finished[next(iter(self.finished))]

    def _done(self, ex, error):
        final = ex.final
        ans = self.ns.get("answer")
        if final is None and isinstance(ans, dict) and ans.get("ready"):
            final = str(ans.get("content", ""))
        return {
            "status": "done",
            "stdout": ex.out.text(),
            "stderr": ex.err.text(),
            "stdoutChars": ex.out.total,
            "stderrChars": ex.err.total,
            "error": error,
            "final": final,
            "durationMs": round((time.monotonic() - ex.started) * 1000, 3),
        }

    def on_alarm(self, signum, frame):
        ex = self.current
        if os.getpid() != SERVER_PID:
            return
        if ex is None:
            signal.setitimer(signal.ITIMER_REAL, 0)
            return
        if ex.cancelled and self.in_user_code and not self.critical:
            raise CancelledError("the run was cancelled by the host")
        if not self.in_user_code or ex.host_holding or self.critical:
            return  # the 1 s repeat of the timer tries again
        raise TimeoutError(
            "exec exceeded its time limit of %g s (time spent waiting for host calls is not counted)" % ex.timeout_s
        )

    def watchdog(self):
        """Ends the process when user code keeps running long after its deadline (it swallowed TimeoutError)."""
        while True:
            time.sleep(0.25)
            ex = self.current
            if ex is not None and ex.host_holding and time.monotonic() - ex.paused_at > RESUME_WAIT_S:
                with self.cond:
                    self._cancel_pending(ex, "the host did not answer within %d s" % RESUME_WAIT_S)
                    self._unpause(ex)
            if ex is None or ex.host_holding or ex.active_since is None:
                continue
            active = ex.active + (time.monotonic() - ex.active_since)
            if active <= ex.timeout_s + TIMEOUT_GRACE_S:
                continue
            with self.cond:
                if ex.result is not None:
                    continue
                msg = "exec ignored its %g s time limit; the REPL process is exiting" % ex.timeout_s
                ex.result = self._done(ex, {"type": "TimeoutError", "message": msg, "traceback": ""})
                self.cond.notify_all()
            _log(msg)
            time.sleep(0.5)  # let the long poll write its reply
            os._exit(70)


def _arm_cpu_backstop(timeout_s):
    """Lowers the soft RLIMIT_CPU so that code stuck in one long C call (which holds the GIL, so neither SIGALRM's
    handler nor the watchdog thread can run) gets SIGXCPU and ends the process instead of hanging it. Returns the
    limit to restore afterwards."""
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        # Twice the timeout: C code that releases the GIL may keep two cores busy.
        limit = int(usage.ru_utime + usage.ru_stime + 2 * timeout_s + TIMEOUT_GRACE_S) + 1
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (limit, hard))
        return (soft, hard)
    except (ValueError, OSError):
        return None


def _jsonable(value):
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return json.loads(json.dumps(value, default=str))


def _describe(e, filename):
    """Exception → {type, message, traceback}: only frames of user cells, capped at ~4 KB."""
    etype = type(e).__name__
    message = str(e)
    if isinstance(e, MemoryError) and not message:
        message = "out of memory (the sandbox enforces a memory limit)"
    try:
        frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename.startswith("<cell-")]
        text = "Traceback (most recent call last):\n" if frames else ""
        text += "".join(traceback.format_list(frames))
        text += "".join(traceback.format_exception_only(type(e), e))
    except Exception:
        text = "%s: %s\n" % (etype, message)
    if len(text) > TRACEBACK_CAP:
        text = text[:1024] + "\n  ... (%d characters omitted) ...\n" % (len(text) - TRACEBACK_CAP) + text[-3072:]
    return {"type": etype, "message": message, "traceback": text}


def _alive(conn):
    """False once the client closed its end. Polls without waiting (the socket has a timeout, so a plain recv would
    block) and peeks, so a pipelined request is not consumed."""
    try:
        poller = select.poll()
        poller.register(conn, select.POLLIN | select.POLLHUP | select.POLLERR)
        events = poller.poll(0)
        if not events:
            return True
        if events[0][1] & (select.POLLHUP | select.POLLERR):
            return False
        return conn.recv(1, socket.MSG_PEEK) != b""
    except OSError:
        return False


RUNNER = Runner()
_watchdog_thread = [None]
_serve_thread = [None]


# ---------------------------------------------------------------------------------------------------------------------
# HTTP


class HttpError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _int_field(body, name, default, maximum):
    v = body.get(name, default)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v != int(v) or v <= 0 or v > maximum:
        raise HttpError(400, "bad_request", "%s must be a positive integer <= %d" % (name, maximum))
    return int(v)


def _name_field(body, name, default=None):
    v = body.get(name, default)
    if not isinstance(v, str) or not v.isidentifier() or not v.isascii():
        raise HttpError(400, "bad_request", "%s must be a Python identifier" % name)
    return v


def route_health(_body):
    return 200, {
        "ok": True,
        "pid": os.getpid(),
        "busy": RUNNER.current is not None,
        "contexts": sorted(RUNNER.contexts),
        "python": sys.version.split()[0],
    }


def route_context(body):
    path = body.get("path")
    if not isinstance(path, str) or not path:
        raise HttpError(400, "bad_request", "path is required")
    name = _name_field(body, "name", "context")
    fmt = body.get("format", "auto")
    if fmt not in ("auto", "text", "json"):
        raise HttpError(400, "bad_request", "format must be auto, text or json")
    path = _resolve_path(path)
    if RUNNER.current is not None:
        raise HttpError(409, "busy", "an exec is running")
    try:
        st = os.stat(path)
    except OSError as e:
        raise HttpError(400, "not_found", "cannot read %s: %s" % (path, e.strerror)) from None
    as_json = fmt == "json" or (fmt == "auto" and path.lower().endswith(".json"))
    key = (path, st.st_size, st.st_mtime_ns, as_json)
    cached = RUNNER.contexts.get(name)
    if cached is not None and cached[2] == key:
        RUNNER.ns[name] = cached[0]
        return 200, cached[1]
    t0 = time.perf_counter()
    with open(path, "rb") as f:
        data = f.read()
    size = len(data)
    text = data.decode("utf-8", errors="replace")
    del data
    if as_json:
        try:
            value = json.loads(text)
        except ValueError as e:
            raise HttpError(400, "bad_json", "%s is not valid JSON: %s" % (path, e)) from None
        del text
        if not isinstance(value, (str, list, dict)):
            raise HttpError(400, "bad_json", "JSON context must be an object, an array or a string")
    else:
        value = text
    info = {
        "name": name,
        "type": type(value).__name__,
        "length": len(value),
        "chunkLengths": _chunk_lengths(value),
        "bytes": size,
        "loadMs": round((time.perf_counter() - t0) * 1000, 3),
    }
    RUNNER.contexts.pop(name, None)
    RUNNER.contexts[name] = (value, info, key)
    RUNNER.ns[name] = value
    return 200, info


def _chunk_lengths(value):
    if isinstance(value, str):
        return [len(value)]
    items = list(value.values())[:100] if isinstance(value, dict) else value[:100]
    return [len(x) if isinstance(x, str) else len(json.dumps(x, ensure_ascii=False, default=str)) for x in items]


def _resolve_path(path):
    # Dev sandboxes without bubblewrap cannot mount the home at /home/daytona; map it onto $HOME there.
    home = os.environ.get("HOME", "")
    if not os.path.exists(path) and path.startswith("/home/daytona/") and home and home != "/home/daytona":
        return os.path.join(home, path[len("/home/daytona/") :])
    return path


def _wait_field(body):
    """The host's bound on this poll, in seconds; None (wait until there is news) when it sets none."""
    if body.get("waitMs") is None:
        return None
    return _int_field(body, "waitMs", MAX_WAIT_MS, MAX_WAIT_MS) / 1000.0


def route_exec(body, conn):
    code = body.get("code")
    if not isinstance(code, str):
        raise HttpError(400, "bad_request", "code must be a string")
    exec_id = body.get("execId")
    if exec_id is not None and (not isinstance(exec_id, str) or not 0 < len(exec_id) <= 100):
        raise HttpError(400, "bad_request", "execId must be a string of 1 to 100 characters")
    timeout_ms = _int_field(body, "timeoutMs", 60000, 3600000)
    max_chars = _int_field(body, "maxOutputChars", 100000, 10000000)
    wait_s = _wait_field(body)
    ex, attached = RUNNER.start_exec(code, timeout_ms / 1000.0, max_chars, exec_id)
    if ex is None:
        raise HttpError(409, "busy", "an exec is already running")
    return ex, RUNNER.wait_event(ex, conn, reattach=attached, wait_s=wait_s)


def route_resume(body, conn):
    results = body.get("results")
    if not isinstance(results, list):
        raise HttpError(400, "bad_request", "results must be an array")
    for r in results:
        ok = isinstance(r, dict) and isinstance(r.get("id"), str)
        if ok and "error" in r:
            err = r["error"]
            ok = isinstance(err, dict) and isinstance(err.get("type"), str) and isinstance(err.get("message"), str)
        elif ok:
            ok = "value" in r
        if not ok:
            raise HttpError(400, "bad_request", "each result needs an id and a value or an error {type, message}")
    wait_s = _wait_field(body)
    exec_id = body.get("execId")
    if isinstance(exec_id, str) and not results:
        # Re-attaching to one exec by id: its news, even if another exec has run since.
        ex = RUNNER.find_exec(exec_id)
        if ex is None:
            raise HttpError(404, "unknown_exec", "no running or recent exec has this id")
        return ex, RUNNER.wait_event(ex, conn, reattach=True, wait_s=wait_s)
    ex = RUNNER.resume(results)
    if ex is None:
        raise HttpError(409, "not_waiting", "no exec is waiting for results")
    return ex, RUNNER.wait_event(ex, conn, reattach=not results, wait_s=wait_s)


def route_var(body):
    name = _name_field(body, "name")
    if name in RUNNER.ns and not name.startswith("__"):
        v = RUNNER.ns[name]
        return 200, {"found": True, "value": str(v), "type": type(v).__name__}
    return 200, {"found": False, "available": RUNNER.user_vars()}


def route_interrupt(_body):
    return 200, {"interrupted": RUNNER.interrupt()}


def route_reset(_body):
    with RUNNER.cond:
        if RUNNER.current is not None:
            raise HttpError(409, "busy", "an exec is running")
        RUNNER.reset_namespace()
    return route_health(None)


MAX_SNAPSHOT = 8 * 1024 * 1024  # pickled variables kept per session; the host stores them and sends them back


def route_snapshot(_body):
    """Pickles each user variable that pickles (within MAX_SNAPSHOT); names what could not be kept, and why."""
    with RUNNER.cond:
        if RUNNER.current is not None:
            raise HttpError(409, "busy", "an exec is running")
        blobs, saved, skipped, total = {}, [], [], 0
        for name in RUNNER.user_vars():
            if name in RUNNER.contexts or name == "answer":
                continue  # contexts load from their files; `answer` is the RLM's final-answer protocol, not user data
            try:
                blob = pickle.dumps(RUNNER.ns[name], protocol=4)
            except Exception as e:  # functions, classes, open files, sockets, locks ... do not pickle
                kind = type(RUNNER.ns[name]).__name__
                skipped.append({"name": name, "reason": "a %s cannot be saved (%s)" % (kind, type(e).__name__)})
                continue
            if total + len(blob) > MAX_SNAPSHOT:
                skipped.append({"name": name, "reason": "too large to keep (%d bytes)" % len(blob)})
                continue
            blobs[name] = blob
            total += len(blob)
            saved.append(name)
    data = base64.b64encode(pickle.dumps(blobs, protocol=4)).decode("ascii")
    return 200, {"data": data, "saved": saved, "skipped": skipped}


def route_restore(body):
    """Loads variables from a snapshot file the host uploaded; each one that fails to load is named and skipped."""
    path = body.get("path")
    if not isinstance(path, str):
        raise HttpError(400, "bad_request", "path must be a string")
    try:
        with open(_resolve_path(path), "rb") as f:
            blobs = pickle.load(f)
        os.remove(_resolve_path(path))
    except (OSError, pickle.UnpicklingError, EOFError) as e:
        raise HttpError(400, "bad_snapshot", "cannot read the snapshot: %s" % e) from None
    if not isinstance(blobs, dict):
        raise HttpError(400, "bad_snapshot", "the snapshot is not a mapping of names")
    restored, skipped = [], []
    with RUNNER.cond:
        if RUNNER.current is not None:
            raise HttpError(409, "busy", "an exec is running")
        for name, blob in blobs.items():
            try:
                RUNNER.ns[name] = pickle.loads(blob)
                restored.append(name)
            except Exception as e:  # e.g. an instance of a class that was defined in the old REPL
                skipped.append({"name": name, "reason": "cannot be restored (%s: %s)" % (type(e).__name__, e)})
    return 200, {"restored": restored, "skipped": skipped}


SIMPLE_ROUTES = {
    ("GET", "/health"): route_health,
    ("POST", "/context"): route_context,
    ("POST", "/var"): route_var,
    ("POST", "/reset"): route_reset,
    ("POST", "/interrupt"): route_interrupt,
    ("POST", "/snapshot"): route_snapshot,
    ("POST", "/restore"): route_restore,
}
POLL_ROUTES = {("POST", "/exec"): route_exec, ("POST", "/resume"): route_resume}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Idle keep-alive connections give their thread (8 MiB of address space, one RLIMIT_NPROC slot) back after this.
    # Long polls are unaffected: the timeout applies to socket reads and writes, not to waiting for an exec.
    timeout = 120
    server_version = "fleet-repl"
    sys_version = ""

    def setup(self):
        super().setup()
        if self.connection.family != socket.AF_UNIX:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, True)

    def log_message(self, format, *args):  # noqa: A002 - signature fixed by http.server
        pass

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def _send(self, status, obj):
        body = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8", errors="surrogatepass")
        head = (
            "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n"
            % (
                status,
                self.responses.get(status, ("",))[0],
                len(body),
                "Connection: close\r\n" if self.close_connection else "",
            )
        ).encode("ascii")
        self.wfile.write(head + body)  # one write per response: no Nagle/delayed-ACK stall

    def _body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks, total = [], 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                total += size
                if total > MAX_BODY:
                    raise HttpError(413, "too_large", "request body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            raw = b"".join(chunks)
        else:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self.close_connection = True
                raise HttpError(413, "too_large", "request body too large")
            raw = self.rfile.read(length) if length else b""
        if not raw:
            return {}
        try:
            body = json.loads(raw)
        except ValueError:
            raise HttpError(400, "bad_json", "body is not valid JSON") from None
        if not isinstance(body, dict):
            raise HttpError(400, "bad_request", "body must be a JSON object")
        return body

    def _dispatch(self):
        try:
            try:
                path = self.path.split("?", 1)[0]
                key = (self.command, path)
                got = self.headers.get("x-fleet-repl-key", "")
                if not SECRET or not hmac.compare_digest(got.encode("utf-8"), SECRET.encode("utf-8")):
                    self.close_connection = True
                    raise HttpError(401, "unauthorized", "missing or wrong x-fleet-repl-key")
                if key in SIMPLE_ROUTES:
                    status, obj = SIMPLE_ROUTES[key](self._body())
                    self._send(status, obj)
                elif key in POLL_ROUTES:
                    ex, reply = POLL_ROUTES[key](self._body(), self.connection)
                    self._reply_poll(ex, reply)
                elif any(p == path for (_m, p) in list(SIMPLE_ROUTES) + list(POLL_ROUTES)):
                    raise HttpError(405, "method_not_allowed", "%s is not allowed on %s" % (self.command, path))
                else:
                    raise HttpError(404, "not_found", "no route %s %s" % (self.command, path))
            except HttpError as e:
                self._send(e.status, {"error": {"code": e.code, "message": e.message}})
            except MemoryError:
                RUNNER.ballast = None
                self.close_connection = True
                self._send(500, {"error": {"code": "out_of_memory", "message": "the REPL server ran out of memory"}})
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # never let a handler thread die silently with the client hanging
            _log("handler error: %r" % (e,))
            self.close_connection = True
            try:
                self._send(500, {"error": {"code": "internal", "message": type(e).__name__}})
            except Exception:
                pass

    def _reply_poll(self, ex, reply):
        if reply is None:
            self.close_connection = True
            return
        calls = reply.pop("_calls", None)
        try:
            self._send(200, reply)
        except Exception:
            if calls:
                RUNNER.undeliver(ex, calls)
            elif reply.get("status") == "done":
                ex.result_delivered = False
            raise


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def server_bind(self):
        # HTTPServer.server_bind resolves the FQDN, which can hang in a sandbox without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "sandbox", self.server_address[1]

    def process_request_thread(self, request, client_address):
        ident = threading.get_ident()
        RUNNER.server_threads.add(ident)
        try:
            super().process_request_thread(request, client_address)
        finally:
            RUNNER.server_threads.discard(ident)


class UnixServer(Server):
    address_family = socket.AF_UNIX

    def server_bind(self):
        try:
            os.unlink(self.server_address)
        except FileNotFoundError:
            pass
        self.socket.bind(self.server_address)
        os.chmod(self.server_address, 0o660)
        self.server_address = self.socket.getsockname()
        self.server_name, self.server_port = "sandbox", PORT

    def get_request(self):
        conn, _ = self.socket.accept()
        return conn, ("unix", 0)


def main():
    if not SECRET:
        _log("FLEET_REPL_SECRET is not set; refusing to start")
        sys.exit(2)
    signal.signal(signal.SIGALRM, RUNNER.on_alarm)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    ports_dir = os.environ.get("DAYTONA_DEV_PORTS_DIR")
    if ports_dir:
        server = UnixServer(os.path.join(ports_dir, "%d.sock" % PORT), Handler)
    else:
        server = Server(("0.0.0.0", PORT), Handler)
    _serve_thread[0] = threading.Thread(target=server.serve_forever, name="repl-http", daemon=True)
    _serve_thread[0].start()
    _watchdog_thread[0] = threading.Thread(target=RUNNER.watchdog, name="repl-watchdog", daemon=True)
    _watchdog_thread[0].start()
    _log("listening on %s (pid %d)" % (server.server_address, os.getpid()))
    RUNNER.main_loop()


if __name__ == "__main__":
    main()
