#!/usr/bin/env bash
# `flowlens serve` driven by boto3 (tests/e2e/serve_boto3.py), then the
# concurrency limit with a server allowing one query at a time.
set -euo pipefail
bin=$1
root=$2
# shellcheck source=serve_common.bash
source "$root/tests/e2e/serve_common.bash"
write_credentials
start_server_common --query-threads 1
timeout 300 /usr/bin/python3 "$root/tests/e2e/serve_boto3.py" "$bin" "$port" "$work" ||
  fail "serve_boto3.py"
stop_server

# One query at a time: a second StartQuery while the first is scheduled or
# running gets LimitExceededException; a query past --query-timeout ends as Timeout.
start_server_common --max-concurrent-queries 1 --query-threads 1 --query-timeout 1
timeout 120 /usr/bin/python3 - "$port" <<'P' || fail "concurrency limit / timeout"
import sys, time, boto3
from botocore.config import Config
logs = boto3.client("logs", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-east-1",
                    aws_access_key_id="AKIAALICE0000000000",
                    aws_secret_access_key="alice/secret/key+0000000000000000000000",
                    config=Config(retries={"max_attempts": 1}))
now = int(time.time())
slow = 'parse @message /(?<a>\\d+)\\.(?<b>\\d+)\\.(?<c>\\d+)\\.(?<d>\\d+)/ | stats count(*) by a, b, c, d'
first = logs.start_query(logGroupName="/vpc/boto3", startTime=now - 2 * 86400, endTime=now + 86400,
                         queryString=slow)["queryId"]
status = logs.get_query_results(queryId=first)["status"]
try:
    logs.start_query(logGroupName="/vpc/boto3", startTime=0, endTime=now, queryString="stats count(*)")
    limited = False
except logs.exceptions.LimitExceededException as e:
    limited = True
while status in ("Scheduled", "Running"):
    time.sleep(0.2)
    status = logs.get_query_results(queryId=first)["status"]
# The first query holds the only slot until it ends; it cannot end before the
# check above unless it finished within a second (then it is Complete).
assert limited or status == "Complete", (limited, status)
assert status in ("Timeout", "Complete"), status
print("ok limit:", "LimitExceededException" if limited else "(first query too quick)", "; first query:", status)
P
stop_server

# Partial results: a slow query over 24 hourly segments, read with one thread
# and a new partial result after every segment, shows rows while Running; the
# rows grow until the final answer, which equals `flowlens query`'s.
now=$(date +%s)
"$bin" generate --records 400000 --seed 5 --scenarios none --start $((now - 25 * 3600)) \
  -o "$work/big.log" >/dev/null
"$bin" ingest --data-dir "$work/data" --group /vpc/big "$work/big.log" >/dev/null 2>&1 ||
  fail "ingest of the big day"
start_server_common --query-threads 1 --partial-results-ms 0
slow='parse @message /(?<a>\d+)\.(?<b>\d+)\.(?<c>\d+)\.(?<d>\d+) / | stats count(*) as n by a, d | sort n desc, a, d | limit 5'
want=$("$bin" query -f "$work/big.log" -o csv "$slow" | tail -n +2 | tr -d '\r')
timeout 120 /usr/bin/python3 - "$port" "$slow" "$want" <<'P' || fail "partial results"
import sys, time, boto3
logs = boto3.client("logs", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-east-1",
                    aws_access_key_id="AKIAALICE0000000000",
                    aws_secret_access_key="alice/secret/key+0000000000000000000000")
now = int(time.time())
qid = logs.start_query(logGroupName="/vpc/big", startTime=now - 3 * 86400, endTime=now + 86400,
                       queryString=sys.argv[2])["queryId"]
partial = []
while True:
    r = logs.get_query_results(queryId=qid)
    if r["status"] not in ("Scheduled", "Running"):
        break
    if r["status"] == "Running" and r["results"]:
        partial.append(r["statistics"]["recordsMatched"])
    time.sleep(0.01)
assert r["status"] == "Complete", r["status"]
final = r["statistics"]["recordsMatched"]
rows = "\n".join(",".join({c["field"]: c["value"] for c in row}.get(f, "") for f in ("a", "d", "n"))
                 for row in r["results"])
assert rows == sys.argv[3], (rows, sys.argv[3])
assert partial, "no partial rows seen while the query ran"
assert partial == sorted(partial) and partial[0] < final, (partial[:5], final)
print(f"ok partial results: {len(partial)} Running responses with rows, "
      f"recordsMatched {partial[0]:.0f} .. {partial[-1]:.0f} of {final:.0f}")
P
stop_server
echo "serve_boto3 passed"
