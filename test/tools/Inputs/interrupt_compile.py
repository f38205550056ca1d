"""Interrupts `llmc compile` while it writes, and reports what it left.

  interrupt_compile.py SIGNAL TMPDIR OUTPUT -- LLMC compile ARGS...

Runs the command with TMPDIR set, waits until a file appears in TMPDIR or
OUTPUT.weights exists (the compile is writing weights or objects), sends
SIGNAL (INT or TERM), and prints how the process ended and which files
remain in TMPDIR and beside OUTPUT.
"""
import os
import signal
import subprocess
import sys
import time

sig, tmpdir, output = sys.argv[1:4]
command = sys.argv[sys.argv.index("--") + 1:]
os.makedirs(tmpdir, exist_ok=True)
env = dict(os.environ, TMPDIR=tmpdir)
# SIGINT as a terminal delivers it: lit's shell may start commands with
# SIGINT ignored, which the child would inherit.
proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
deadline = time.monotonic() + 120
while proc.poll() is None and time.monotonic() < deadline:
    if os.listdir(tmpdir) or os.path.exists(output + ".weights"):
        break
    time.sleep(0.002)
if proc.poll() is not None:
    print(f"finished before the signal (exit {proc.returncode})")
    sys.exit(1)
proc.send_signal(getattr(signal, "SIG" + sig))
code = proc.wait(timeout=120)
print(f"ended by {signal.Signals(-code).name}" if code < 0 else f"exit {code}")
print(f"left in TMPDIR: {sorted(os.listdir(tmpdir))}")
beside = sorted(f for f in os.listdir(os.path.dirname(os.path.abspath(output)))
                if f.startswith(os.path.basename(output)))
print(f"left beside the output: {beside}")
