#!/usr/bin/env python3
"""Drives a running Luma RPC server on loopback for a bounded time and records its RSS, open
file descriptors and call latency over time (scripts/soak.sh starts the server and calls this).

Load, all on 127.0.0.1:
  - churn: short connections, each: preface, one Echo call, its reply, close (a client that
    connects per call); one in `--garbage-every` sends a mutated frame instead and is dropped
    by the server (what an outside fuzzer does);
  - steady: one long-lived connection making Echo calls back to back; its latencies are the
    ones reported;
  - bursts: every `--burst-every` seconds, `--burst` connections at once, each holding a
    partly sent 16 KB frame for a second, then all closed (the peak that sets the allocator's
    high-water mark; see docs/robustness.md).
Every `--sample` seconds a row: elapsed s, connections, calls, RSS MiB, fds, p50/p99 ms.
Fails (exit 1) when, after the warm-up, RSS grows by more than --max-growth-mib, open fds by
more than --max-fd-growth, or the last interval's p99 latency exceeds --max-p99-ms.
"""
import argparse, os, random, socket, struct, sys, threading, time

PREFACE = b"LUMA\x00\x01\x00\x00"
METHOD = "luma.examples.v1.EchoService/Echo"

import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from protowire import varint, field  # noqa: E402

def echo_frame(call_id, text):
    request = field(1, 0, call_id) + field(2, 2, METHOD) + field(3, 0, 5_000_000) + field(5, 2, field(1, 2, text))
    body = field(1, 2, request)
    return struct.pack(">I", len(body)) + body

def read_exactly(sock, n):
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return bytes(data)

def read_frame(sock):
    (length,) = struct.unpack(">I", read_exactly(sock, 4))
    return read_exactly(sock, length)

class Counters:
    def __init__(self):
        self.lock = threading.Lock()
        self.connections = 0
        self.calls = 0
        self.errors = 0
        self.latencies = []

def churn(port, stop, counters, garbage_every, seed):
    rng = random.Random(seed)
    n = 0
    template = echo_frame(1, "churn")
    while not stop.is_set():
        n += 1
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                if garbage_every and n % garbage_every == 0:
                    frame = bytearray(template)
                    for _ in range(rng.randint(1, 3)):
                        frame[rng.randrange(len(frame))] = rng.randrange(256)
                    sock.sendall(PREFACE + bytes(frame))
                    sock.shutdown(socket.SHUT_WR)
                    try:
                        while sock.recv(4096):
                            pass
                    except OSError:
                        pass
                else:
                    sock.sendall(PREFACE + template)
                    read_exactly(sock, len(PREFACE))
                    read_frame(sock)
                    with counters.lock:
                        counters.calls += 1
            with counters.lock:
                counters.connections += 1
        except OSError:
            with counters.lock:
                counters.errors += 1
            time.sleep(0.01)

def steady(port, stop, counters):
    call_id = 0
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.sendall(PREFACE)
                read_exactly(sock, len(PREFACE))
                while not stop.is_set():
                    call_id += 1
                    started = time.perf_counter()
                    sock.sendall(echo_frame(call_id, "steady %d" % call_id))
                    read_frame(sock)
                    elapsed = (time.perf_counter() - started) * 1000
                    with counters.lock:
                        counters.calls += 1
                        counters.latencies.append(elapsed)
                    time.sleep(0.002)
        except OSError:
            with counters.lock:
                counters.errors += 1
            time.sleep(0.05)

def bursts(port, stop, counters, size, every):
    while not stop.wait(every):
        socks = []
        try:
            for _ in range(size):
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                sock.sendall(PREFACE + struct.pack(">I", 4_000_000) + os.urandom(16_000))
                socks.append(sock)
            stop.wait(1)
        except OSError:
            with counters.lock:
                counters.errors += 1
        finally:
            for sock in socks:
                sock.close()
            with counters.lock:
                counters.connections += len(socks)

def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")

def fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))

def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--sample", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=30, help="seconds before the baseline is taken")
    parser.add_argument("--churners", type=int, default=2)
    parser.add_argument("--garbage-every", type=int, default=10)
    parser.add_argument("--burst", type=int, default=300)
    parser.add_argument("--burst-every", type=float, default=20)
    parser.add_argument("--max-growth-mib", type=float, default=16)
    parser.add_argument("--max-fd-growth", type=int, default=16)
    parser.add_argument("--max-p99-ms", type=float, default=50)
    parser.add_argument("--csv", default="")
    args = parser.parse_args()

    counters = Counters()
    stop = threading.Event()
    threads = [threading.Thread(target=steady, args=(args.port, stop, counters), daemon=True)]
    threads += [threading.Thread(target=churn, args=(args.port, stop, counters, args.garbage_every, i), daemon=True)
                for i in range(args.churners)]
    if args.burst:
        threads.append(threading.Thread(target=bursts, args=(args.port, stop, counters, args.burst, args.burst_every), daemon=True))
    rows = []
    header = "elapsed_s,connections,calls,errors,rss_mib,fds,p50_ms,p99_ms"
    print(header, flush=True)
    start = time.time()
    rows.append((0.0, 0, 0, 0, rss_mib(args.pid), fds(args.pid), float("nan"), float("nan")))
    print("%.0f,%d,%d,%d,%.1f,%d,%.2f,%.2f" % rows[-1], flush=True)
    for t in threads:
        t.start()
    baseline = None
    while time.time() - start < args.seconds:
        time.sleep(min(args.sample, max(0.1, args.seconds - (time.time() - start))))
        with counters.lock:
            latencies, counters.latencies = counters.latencies, []
            row = (time.time() - start, counters.connections, counters.calls, counters.errors,
                   rss_mib(args.pid), fds(args.pid), percentile(latencies, 0.5), percentile(latencies, 0.99))
        rows.append(row)
        print("%.0f,%d,%d,%d,%.1f,%d,%.2f,%.2f" % row, flush=True)
        if baseline is None and row[0] >= args.warmup:
            baseline = row
    stop.set()
    for t in threads:
        t.join(timeout=10)
    time.sleep(1)
    settled = (time.time() - start, counters.connections, counters.calls, counters.errors,
               rss_mib(args.pid), fds(args.pid), float("nan"), float("nan"))
    rows.append(settled)
    print("%.0f,%d,%d,%d,%.1f,%d,%.2f,%.2f" % settled, flush=True)
    if args.csv:
        with open(args.csv, "w") as f:
            f.write(header + "\n")
            for row in rows:
                f.write("%.0f,%d,%d,%d,%.1f,%d,%.2f,%.2f\n" % row)

    baseline = baseline or rows[1]
    last = rows[-2]
    peak = max(r[4] for r in rows[rows.index(baseline):])
    growth = peak - baseline[4]
    fd_growth = settled[5] - rows[0][5]
    problems = []
    if growth > args.max_growth_mib:
        problems.append("RSS grew %.1f MiB after the warm-up (%.1f -> peak %.1f; bound %.0f)" % (growth, baseline[4], peak, args.max_growth_mib))
    if fd_growth > args.max_fd_growth:
        problems.append("%d more open fds after the load than before (bound %d)" % (fd_growth, args.max_fd_growth))
    if last[7] == last[7] and last[7] > args.max_p99_ms:
        problems.append("p99 latency %.1f ms in the last interval (bound %.0f)" % (last[7], args.max_p99_ms))
    print("soak: %d connections, %d calls, %d errors in %.0f s; RSS %.1f -> %.1f MiB (start %.1f, after warm-up %.1f, "
          "peak %.1f, settled %.1f); fds %d -> %d; p99 first/last %.2f/%.2f ms"
          % (settled[1], settled[2], settled[3], args.seconds, rows[0][4], settled[4], rows[0][4], baseline[4], peak,
             settled[4], rows[0][5], settled[5], rows[1][7], last[7]))
    if problems:
        for p in problems:
            print("soak: FAILED: " + p)
        sys.exit(1)
    print("soak: within bounds (RSS growth after warm-up <= %.0f MiB, fd growth <= %d, p99 <= %.0f ms)"
          % (args.max_growth_mib, args.max_fd_growth, args.max_p99_ms))

if __name__ == "__main__":
    main()
