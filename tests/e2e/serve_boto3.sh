#!/usr/bin/env bash
# `flowlens serve` driven by boto3 (tests/e2e/serve_boto3.py), then the
# concurrency limit with a server allowing one query at a time.
set -euo pipefail
bin=$1
root=$2
# shellcheck source=serve_common.bash
source "$root/tests/e2e/serve_common.bash"
cat >"$work/credentials" <<'C'
[alice]
aws_access_key_id = AKIAALICE0000000000
aws_secret_access_key = alice/secret/key+0000000000000000000000
C
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
echo "serve_boto3 passed"
