"""The AWS CLI with its imports paid once: a test run starts this next to it (AwsCli.cs), and each
`aws route53 ...` the tests run is a fork of this process calling the CLI's own entry point
(awscli.clidriver.main) with the arguments, environment and working folder the test gave.
Importing awscli and botocore is about two thirds of an `aws` call's CPU time; the rest, and every
line the CLI runs, is the same as in a process of its own.

Protocol, one request per connection on the Unix socket given as argv[1]:
  request  one JSON line {"argv": [...], "env": {...}, "cwd": "..."}
  replies  {"pid": N} (the child, so a caller that gives up can kill it), then
           {"rc": N, "stdout": "...", "stderr": "..."}, each one JSON line.
The server prints "ready" once it listens and exits when the process that started it is gone
(argv[2] is that process's pid).
"""
import io
import json
import os
import select
import signal
import socket
import sys
import tempfile
import traceback

import awscli.clidriver  # noqa: F401  the point of this server: imported once, before any fork
import botocore.session  # noqa: F401

AWSCLI_DATA = os.path.join(os.path.dirname(os.path.abspath(awscli.clidriver.__file__)), "data")


def serve_one(conn):
    reader = conn.makefile("rb")
    request = json.loads(reader.readline())
    conn.sendall((json.dumps({"pid": os.getpid()}) + "\n").encode())
    os.environ.clear()
    os.environ.update(request["env"])
    # awscli's __init__ adds its data folder to AWS_DATA_PATH when imported; do it for this environment.
    paths = [os.path.expanduser(os.path.expandvars(p)) for p in os.environ.get("AWS_DATA_PATH", "").split(os.pathsep) if p]
    os.environ["AWS_DATA_PATH"] = os.pathsep.join(paths + [AWSCLI_DATA])
    os.chdir(request["cwd"])
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        # What Python's UTF-8 mode gives a CLI started without a locale, as the tests start it.
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", errors="surrogateescape")
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="backslashreplace",
                                      line_buffering=True)
        sys.argv = ["aws"] + request["argv"]
        try:
            rc = awscli.clidriver.main()
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except BaseException:  # what an uncaught exception would print, as the process would
            traceback.print_exc()
            rc = 255
        sys.stdout.flush()
        sys.stderr.flush()
        replies = []
        for f in (out, err):
            f.seek(0)
            replies.append(f.read().decode("utf-8", errors="surrogateescape"))
    result = {"rc": rc if isinstance(rc, int) else 0, "stdout": replies[0], "stderr": replies[1]}
    conn.sendall((json.dumps(result) + "\n").encode("utf-8", errors="surrogateescape"))


def main():
    path, owner = sys.argv[1], int(sys.argv[2])
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are not waited for
    print("ready", flush=True)
    try:
        while True:
            ready, _, _ = select.select([listener], [], [], 1.0)
            if not ready:
                try:
                    os.kill(owner, 0)
                except ProcessLookupError:
                    return
                continue
            conn, _ = listener.accept()
            if os.fork() == 0:
                code = 0
                try:
                    listener.close()
                    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                    serve_one(conn)
                except BaseException:
                    code = 1
                finally:
                    os._exit(code)
            conn.close()
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass


if __name__ == "__main__":
    main()
