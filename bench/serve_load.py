#!/usr/bin/python3
"""Load test of `flowlens serve`: concurrent PutLogEvents (boto3, one client
per thread) and Logs Insights queries for a bounded time, then kill -9 of the
server and a count of what the store holds: every acknowledged event must be
there. Prints events/s accepted and latency percentiles.

Usage: bench/serve_load.py FLOWLENS_BIN [--seconds 20] [--writers 4]
       [--queriers 2] [--batch 1000]
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import boto3
from botocore.config import Config

p = argparse.ArgumentParser()
p.add_argument("bin")
p.add_argument("--seconds", type=float, default=20)
p.add_argument("--writers", type=int, default=4)
p.add_argument("--queriers", type=int, default=2)
p.add_argument("--batch", type=int, default=1000)
args = p.parse_args()

work = tempfile.mkdtemp(prefix="flowlens-load-")
creds = os.path.join(work, "credentials")
with open(creds, "w") as f:
    f.write("[load]\naws_access_key_id = AKIALOAD\naws_secret_access_key = load-secret\n")
log = open(os.path.join(work, "server.log"), "w+")
server = subprocess.Popen([args.bin, "serve", "--listen", "127.0.0.1:0", "--data-dir",
                           os.path.join(work, "data"), "--credentials", creds,
                           "--http-threads", str(args.writers + args.queriers + 8)],
                          stderr=log)
port = None
for _ in range(400):
    log.seek(0)
    m = re.search(r"listening on http://127.0.0.1:(\d+)", log.read())
    if m:
        port = int(m.group(1))
        break
    time.sleep(0.05)
if not port:
    sys.exit("server did not start")


def client():
    return boto3.client("logs", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                        aws_access_key_id="AKIALOAD", aws_secret_access_key="load-secret",
                        config=Config(retries={"max_attempts": 1}, max_pool_connections=2))


setup = client()
setup.create_log_group(logGroupName="/load")
for w in range(args.writers):
    setup.create_log_stream(logGroupName="/load", logStreamName=f"w{w}")

stop_at = time.time() + args.seconds
lock = threading.Lock()
acked = [0] * args.writers
unknown = [0] * args.writers  # sent, no answer (errors)
put_lat, query_lat = [], []
errors = []
queries_done = [0]


def writer(w):
    c = client()
    seq = 0
    while time.time() < stop_at:
        now_ms = int(time.time() * 1000)
        events = [{"timestamp": now_ms, "message":
                   f"2 123456789012 eni-{w:08x} 10.0.{w}.{i % 250} 10.1.0.{i % 200} "
                   f"{1024 + seq % 60000} 443 6 {i % 50 + 1} {seq * 7 % 100000} "
                   f"{now_ms // 1000} {now_ms // 1000 + 1} ACCEPT OK"}
                  for i in range(args.batch)]
        seq += 1
        t = time.perf_counter()
        try:
            c.put_log_events(logGroupName="/load", logStreamName=f"w{w}", logEvents=events)
        except Exception as e:  # noqa: BLE001 - counted and reported
            unknown[w] += len(events)
            with lock:
                errors.append(repr(e))
            continue
        dt = time.perf_counter() - t
        acked[w] += len(events)
        with lock:
            put_lat.append(dt)


def querier(q):
    c = client()
    while time.time() < stop_at:
        t = time.perf_counter()
        try:
            now = int(time.time())
            qid = c.start_query(logGroupName="/load", startTime=now - 3600, endTime=now + 60,
                                queryString="stats count(*) as n, sum(bytes) by srcAddr "
                                            "| sort n desc | limit 5")["queryId"]
            while c.get_query_results(queryId=qid)["status"] in ("Scheduled", "Running"):
                time.sleep(0.02)
        except Exception as e:  # noqa: BLE001
            with lock:
                errors.append(repr(e))
            time.sleep(0.1)
            continue
        with lock:
            query_lat.append(time.perf_counter() - t)
            queries_done[0] += 1


threads = [threading.Thread(target=writer, args=(w,)) for w in range(args.writers)]
threads += [threading.Thread(target=querier, args=(q,)) for q in range(args.queriers)]
t0 = time.time()
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.time() - t0
load = os.getloadavg()
server.send_signal(signal.SIGKILL)
server.wait()

# What survived the kill -9, per stream, read by `flowlens query` from the store.
out = subprocess.run([args.bin, "query", "--data-dir", os.path.join(work, "data"), "-g", "/load",
                      "-o", "csv", "--no-limit", "stats count(*) as n by @logStream"],
                     check=True, capture_output=True, text=True).stdout
stored = {}
for line in out.splitlines()[1:]:
    s, n = line.split(",")
    stored[s] = int(n)
lost = 0
for w in range(args.writers):
    have = stored.get(f"w{w}", 0)
    if have < acked[w]:
        lost += acked[w] - have
    if have > acked[w] + unknown[w]:
        errors.append(f"w{w}: {have} stored > {acked[w]} acknowledged + {unknown[w]} unanswered")


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] * 1000 if xs else float("nan")


total = sum(acked)
print(f"duration {elapsed:.1f} s, {args.writers} writers x {args.batch}-event batches, "
      f"{args.queriers} queriers; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
print(f"PutLogEvents: {len(put_lat)} requests, {total} events acknowledged, "
      f"{total / elapsed:.0f} events/s; latency p50 {pct(put_lat, .5):.1f} ms, "
      f"p99 {pct(put_lat, .99):.1f} ms, max {pct(put_lat, 1):.1f} ms")
print(f"queries: {queries_done[0]} completed; latency (start to Complete) p50 "
      f"{pct(query_lat, .5):.0f} ms, p99 {pct(query_lat, .99):.0f} ms")
print(f"after kill -9: {sum(stored.values())} events in the store, {lost} acknowledged events "
      f"lost; {len(errors)} errors")
for e in errors[:5]:
    print("  error:", e)
shutil.rmtree(work)
sys.exit(1 if lost or errors else 0)
