# Runs a command in a pseudo-terminal, as a person at a terminal would: waits for each expected text
# in what the terminal shows, then types the answer. Prints {"transcript", "exitCode", "timedOut"}
# as JSON: the transcript is everything the terminal showed, echoes included.
import json
import os
import pty
import select
import sys
import time

spec = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execve(spec["argv"][0], spec["argv"], spec["env"])

deadline = time.time() + spec.get("timeoutSeconds", 20)
transcript = b""
seen_up_to = 0
steps = list(spec["steps"])
timed_out = False
while True:
    if steps:
        expected = steps[0]["expect"].encode()
        found = transcript.find(expected, seen_up_to)
        if found >= 0:
            seen_up_to = found + len(expected)
            os.write(fd, steps.pop(0)["send"].encode())
            continue
    remaining = deadline - time.time()
    if remaining <= 0:
        timed_out = True
        os.kill(pid, 9)
        break
    ready, _, _ = select.select([fd], [], [], remaining)
    if not ready:
        continue
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    transcript += chunk

_, status = os.waitpid(pid, 0)
print(json.dumps({
    "transcript": transcript.decode("utf-8", "replace"),
    "exitCode": os.waitstatus_to_exitcode(status),
    "timedOut": timed_out,
}))
