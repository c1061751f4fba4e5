"""In-sandbox agent of the dev sandbox server (the counterpart of Daytona's toolbox daemon).

Started as the sandbox's main process (under bubblewrap: pid 2, after bwrap's reaper). It applies the resource limits
to itself so every command inherits them, then serves one JSON object per line on stdin:
``{"id": 1, "command": "...", "cwd": "/home/daytona", "env": {...}, "timeout": 30, "maxOutput": 10485760}``
and answers one line per request on stdout:
``{"id": 1, "exitCode": 0, "result": "..."}`` or ``{"id": 1, "error": "...", "kind": "timeout|spawn|cwd"}``.

Commands run as ``/bin/sh -c <command>`` in their own session. A command returns when its shell exits, even if it
left a ``nohup ... &`` child holding the output pipe; that pipe is then drained and discarded in the background so the
child never dies of SIGPIPE. Limits are applied here, after all namespaces exist, so that RLIMIT_NPROC counts the
processes of this sandbox only (the kernel keeps that count per user namespace and uid).
"""

import json
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time

LIMITS = {
    "as": resource.RLIMIT_AS,
    "nproc": resource.RLIMIT_NPROC,
    "cpu": resource.RLIMIT_CPU,
    "fsize": resource.RLIMIT_FSIZE,
    "nofile": resource.RLIMIT_NOFILE,
    "core": resource.RLIMIT_CORE,
}
DRAIN_GRACE_S = 0.05  # after the shell exits, wait this long for its output to end before answering

config = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
home_alias = config.get("homeAlias")  # no bubblewrap: /home/daytona is really this directory
out_lock = threading.Lock()
stdout = sys.stdout.buffer


def apply_limits():
    for name, value in (config.get("limits") or {}).items():
        if name in LIMITS and value is not None:
            try:
                resource.setrlimit(LIMITS[name], (int(value), int(value)))
            except (ValueError, OSError) as e:
                sys.stderr.write("supervisor: cannot set %s=%s: %s\n" % (name, value, e))


def reply(obj):
    data = (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8", errors="replace")
    with out_lock:
        stdout.write(data)
        stdout.flush()


def map_home(text):
    if home_alias and isinstance(text, str):
        return text.replace("/home/daytona", home_alias)
    return text


class Output:
    """Collects at most ``cap`` bytes of a pipe and keeps draining (discarding) after that."""

    def __init__(self, pipe, cap):
        self.pipe, self.cap = pipe, cap
        self.buf = bytearray()
        self.total = 0
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        fd = self.pipe.fileno()
        try:
            while True:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                with self.lock:
                    self.total += len(chunk)
                    room = self.cap - len(self.buf)
                    if room > 0:
                        self.buf += chunk[:room]
        except OSError:
            pass
        finally:
            self.pipe.close()

    def text(self):
        with self.lock:
            s = bytes(self.buf).decode("utf-8", errors="replace")
            if self.total > len(self.buf):
                s += "\n[output truncated: %d of %d bytes shown]\n" % (len(self.buf), self.total)
            return s


def run(req):
    rid = req.get("id")
    cwd = map_home(req.get("cwd") or os.environ.get("HOME", "/"))
    env = dict(os.environ)
    env.update({str(k): str(v) for k, v in (req.get("env") or {}).items()})
    if not os.path.isdir(cwd):
        return reply({"id": rid, "error": "working directory %s does not exist" % cwd, "kind": "cwd"})
    try:
        proc = subprocess.Popen(
            ["/bin/sh", "-c", map_home(req["command"])],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as e:
        return reply({"id": rid, "error": "cannot start the command: %s" % e.strerror, "kind": "spawn"})
    out = Output(proc.stdout, int(req.get("maxOutput") or 10 * 1024 * 1024))
    timeout = req.get("timeout")
    deadline = time.monotonic() + float(timeout) if timeout else None

    def timed_out():
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        proc.wait()
        out.thread.join(DRAIN_GRACE_S)
        return reply({"id": rid, "error": "command timed out after %s s" % timeout, "kind": "timeout",
                      "result": out.text()})

    try:
        code = proc.wait(timeout=float(timeout) if timeout else None)
    except subprocess.TimeoutExpired:
        return timed_out()
    if req.get("untilEof"):
        # Daytona's daemon (apps/daemon/pkg/toolbox/process/execute.go) answers when the output pipe reaches EOF: a
        # background child holding it keeps the call open until the timeout, whose group kill ends that child too.
        out.thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        if out.thread.is_alive():
            return timed_out()
    out.thread.join(DRAIN_GRACE_S)
    reply({"id": rid, "exitCode": code if code >= 0 else 128 - code, "result": out.text()})


def relay_egress(port, socket_path):
    """An allow-listed sandbox's one way out: 127.0.0.1:port (its own loopback) relayed to the host's egress proxy."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)

    def pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def serve():
        while True:
            client, _ = listener.accept()
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                upstream.connect(socket_path)
            except OSError:
                client.close()
                continue
            threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=pump, args=(upstream, client), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()


def main():
    apply_limits()
    egress = config.get("egress")
    if egress:
        relay_egress(egress["port"], egress["socket"])
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    reply({"id": 0, "ready": True, "pid": os.getpid()})
    for line in sys.stdin.buffer:
        try:
            req = json.loads(line)
        except ValueError:
            continue
        threading.Thread(target=run_safe, args=(req,), daemon=True).start()
    os._exit(0)  # the server went away: the sandbox goes with it


def run_safe(req):
    try:
        run(req)
    except Exception as e:  # never leave the server waiting for an answer
        reply({"id": req.get("id"), "error": "supervisor error: %r" % (e,), "kind": "spawn"})


if __name__ == "__main__":
    main()
