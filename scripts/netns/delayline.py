#!/usr/bin/env python3
"""A userspace stand-in for `tc qdisc ... netem delay D loss L`, for kernels built without
sch_netem (CONFIG_NET_SCH_NETEM unset): two TAP devices, every Ethernet frame read from one is
written to the other D milliseconds later, L percent of them dropped, in both directions.

scripts/netns-stack.sh runs it in the bridge namespace and puts one TAP on the host's own bridge
and the other on the main bridge, so every frame of that host's link crosses it.

    delayline.py TAP_A TAP_B DELAY_MS LOSS_PERCENT

Prints "ready" once both TAPs exist; exits on SIGTERM/SIGINT (the TAPs vanish with it).
"""
import fcntl
import heapq
import os
import random
import select
import signal
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000


def open_tap(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
    return fd


def main():
    a_name, b_name, delay_ms, loss_percent = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
    a, b = open_tap(a_name), open_tap(b_name)
    peer = {a: b, b: a}
    delay = delay_ms / 1000.0
    loss = loss_percent / 100.0
    queue = []  # (due, sequence, fd, frame)
    sequence = 0
    counts = {"forwarded": 0, "dropped": 0}
    running = [True]

    def stop(*_):
        running[0] = False

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # A parent may have left signals blocked (a test runner's threads do): take them back.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    print("ready", flush=True)
    while running[0]:
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, fd, frame = heapq.heappop(queue)
            try:
                os.write(fd, frame)
                counts["forwarded"] += 1
            except OSError:
                pass  # the TAP is down for a moment, or the frame does not fit: lost, like a wire
        timeout = max(0.0, queue[0][0] - now) if queue else 0.5
        try:
            readable, _, _ = select.select([a, b], [], [], timeout)
        except InterruptedError:
            continue
        for fd in readable:
            for _ in range(64):
                try:
                    frame = os.read(fd, 65536)
                except BlockingIOError:
                    break
                except OSError:
                    break
                if random.random() < loss:
                    counts["dropped"] += 1
                    continue
                sequence += 1
                heapq.heappush(queue, (time.monotonic() + delay, sequence, peer[fd], frame))
    print("delayline: forwarded %(forwarded)d frames, dropped %(dropped)d" % counts, flush=True)


if __name__ == "__main__":
    main()
