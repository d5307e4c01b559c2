"""flowlens serve driven by boto3 (python3-boto3): bulk PutLogEvents, a
Logs Insights query checked against `flowlens query`, StopQuery on a running
query, the concurrency limit, raw signed requests with bad JSON or wrong
types, an unsigned request, and typed client exceptions.

Usage: serve_boto3.py FLOWLENS_BIN PORT WORKDIR
"""
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
from botocore.config import Config

BIN, PORT, WORK = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ENDPOINT = f"http://127.0.0.1:{PORT}"
KEY, SECRET = "AKIAALICE0000000000", "alice/secret/key+0000000000000000000000"


def client(secret=SECRET):
    return boto3.client("logs", endpoint_url=ENDPOINT, region_name="us-east-1",
                        aws_access_key_id=KEY, aws_secret_access_key=secret,
                        config=Config(retries={"max_attempts": 1}))


logs = client()
passed = 0


def ok(what):
    global passed
    passed += 1
    print("ok", what, flush=True)


def expect_error(code, fn, **kw):
    try:
        fn(**kw)
    except logs.exceptions.ClientError as e:
        got = e.response["Error"]["Code"]
        assert got == code, f"{fn.__name__}: want {code}, got {got}: {e}"
        return e
    raise AssertionError(f"{fn.__name__}({kw}) did not fail with {code}")


def raw(body, target="Logs_20140328.DescribeLogGroups", sign=True):
    """POSTs raw bytes, signed with botocore's SigV4 signer (or not)."""
    req = botocore.awsrequest.AWSRequest(
        method="POST", url=ENDPOINT + "/", data=body,
        headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"})
    if sign:
        creds = botocore.credentials.Credentials(KEY, SECRET)
        botocore.auth.SigV4Auth(creds, "logs", "us-east-1").add_auth(req)
    prepared = urllib.request.Request(ENDPOINT + "/", data=body, method="POST",
                                      headers=dict(req.headers.items()))
    try:
        with urllib.request.urlopen(prepared, timeout=30) as r:
            return r.status, json.loads(r.read() or b"{}"), r.headers
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read()), e.headers


# --- bulk ingest of generated flow-log lines ------------------------------
now = int(time.time())
subprocess.run([BIN, "generate", "--records", "40000", "--seed", "21", "--scenarios", "none", "--start",
                str(now - 23 * 3600), "-o", WORK + "/gen.log"], check=True,
               stdout=subprocess.DEVNULL)
by_eni = {}
kept = []
for line in open(WORK + "/gen.log"):
    f = line.split()
    if len(f) < 14 or not f[10].isdigit():
        continue
    ts = int(f[10]) * 1000
    if (now - 23 * 3600) * 1000 <= ts <= (now + 3600) * 1000:
        by_eni.setdefault(f[2] + "-all", []).append((ts, line.rstrip("\n")))
        kept.append(line)
open(WORK + "/day.log", "w").writelines(kept)
logs.create_log_group(logGroupName="/vpc/boto3")
calls = 0
for eni, events in sorted(by_eni.items()):
    logs.create_log_stream(logGroupName="/vpc/boto3", logStreamName=eni)
    events.sort(key=lambda e: e[0])
    for i in range(0, len(events), 5000):
        r = logs.put_log_events(logGroupName="/vpc/boto3", logStreamName=eni,
                                logEvents=[{"timestamp": t, "message": m}
                                           for t, m in events[i:i + 5000]])
        assert "rejectedLogEventsInfo" not in r, r
        assert r["ResponseMetadata"]["RequestId"], r
        calls += 1
streams = logs.get_paginator("describe_log_streams").paginate(logGroupName="/vpc/boto3")
names = [s["logStreamName"] for page in streams for s in page["logStreams"]]
assert sorted(names) == sorted(by_eni), (len(names), len(by_eni))
ok(f"{len(kept)} events in {len(by_eni)} streams by {calls} PutLogEvents; paginated streams")


# --- a query, compared with flowlens query on the same lines -----------------
def run(query, group="/vpc/boto3", wait=True):
    qid = logs.start_query(logGroupName=group, startTime=now - 86400 * 2, endTime=now + 86400,
                           queryString=query)["queryId"]
    if not wait:
        return qid, None
    for _ in range(600):
        r = logs.get_query_results(queryId=qid)
        if r["status"] not in ("Scheduled", "Running"):
            return qid, r
        time.sleep(0.1)
    raise AssertionError("query did not finish")


q = "stats sum(bytes) as b, count(*) as n by srcAddr, action | sort b desc | limit 20"
qid, r = run(q)
assert r["status"] == "Complete", r
got = sorted(tuple(c["value"] for c in row) for row in r["results"])
out = subprocess.run([BIN, "query", "-f", WORK + "/day.log", "-o", "json", q],
                     check=True, capture_output=True, text=True).stdout
want = sorted(tuple(c["value"] for c in row) for row in json.loads(out)["results"])
assert got == want, (got[:3], want[:3])
assert r["statistics"]["recordsScanned"] == float(len(kept)), r["statistics"]
ok("start_query/get_query_results equal flowlens query (stats, sort, limit)")

# --- StopQuery on a running query; Cancelled is final -------------------------
slow = 'parse @message /(?<a>\\d+)\\.(?<b>\\d+)\\.(?<c>\\d+)\\.(?<d>\\d+)/ | stats count(*) by a, b, c, d'
qid, _ = run(slow, wait=False)
stopped = False
try:
    stopped = logs.stop_query(queryId=qid)["success"]
except logs.exceptions.InvalidParameterException:
    pass  # it had finished already
st = logs.get_query_results(queryId=qid)["status"]
for _ in range(100):
    if st not in ("Scheduled", "Running"):
        break
    time.sleep(0.1)
    st = logs.get_query_results(queryId=qid)["status"]
assert st == ("Cancelled" if stopped else "Complete"), (stopped, st)
info = [q for q in logs.describe_queries(logGroupName="/vpc/boto3")["queries"]
        if q["queryId"] == qid]
assert info and info[0]["status"] == st, info
expect_error("InvalidParameterException", logs.stop_query, queryId=qid)
ok(f"stop_query on a {'running' if stopped else 'finished'} query -> {st}; describe_queries agrees")

# --- typed exceptions, validation ------------------------------------------------
try:
    logs.create_log_group(logGroupName="/vpc/boto3")
    raise AssertionError("duplicate group accepted")
except logs.exceptions.ResourceAlreadyExistsException as e:
    assert e.response["Error"]["Message"] == "The specified log group already exists"
expect_error("ResourceNotFoundException", logs.get_log_events, logGroupName="/vpc/boto3",
             logStreamName="nosuch")
e = expect_error("InvalidParameterException", logs.describe_log_groups, limit=51)
assert "Member must have value less than or equal to 50" in str(e), e
e = expect_error("MalformedQueryException", logs.start_query, logGroupName="/vpc/boto3",
                 startTime=0, endTime=1, queryString="filter | |")
assert "queryCompileError" in e.response, e.response
expect_error("InvalidSignatureException", client("wrong").describe_log_groups)
ok("typed exceptions: ResourceAlreadyExists, ResourceNotFound, InvalidParameter, MalformedQuery, InvalidSignature")

# --- raw requests: bad JSON, wrong types, no signature, unknown operation --------
status, body, headers = raw(b'{"logGroupNamePrefix": ')
assert status == 400 and body["__type"] == "SerializationException", (status, body)
assert headers.get("x-amzn-RequestId"), dict(headers)
status, body, _ = raw(b'[1, 2]')
assert status == 400 and body["__type"] == "SerializationException", (status, body)
status, body, _ = raw(b'{"logGroupName": 5}', "Logs_20140328.CreateLogGroup")
assert status == 400 and body["__type"] == "InvalidParameterException", (status, body)
assert "at 'logGroupName'" in body["message"], body
status, body, _ = raw(b'{"logGroupName": "x", "logStreamName": "y", "logEvents": "no"}',
                      "Logs_20140328.PutLogEvents")
assert status == 400 and body["__type"] == "InvalidParameterException", (status, body)
status, body, _ = raw(b'{}', "Logs_20140328.CreateLogGroup")
assert body["__type"] == "InvalidParameterException" and "must not be null" in body["message"]
status, body, _ = raw(b'{}', sign=False)
assert status == 400 and body["__type"] == "MissingAuthenticationTokenException", (status, body)
status, body, _ = raw(b'{}', "Logs_20140328.NoSuchOperation")
assert status == 400 and body["__type"] == "UnknownOperationException", (status, body)
status, body, _ = raw(b'{"unknownMember": 1, "logGroupNamePrefix": "/vpc/b"}')
assert status == 200 and len(body["logGroups"]) == 1, (status, body)
status, body, _ = raw(b'{"logGroupNamePrefix": "' + b"\xff" * 3 + b'"}')
assert status == 400 and body["__type"] == "SerializationException", (status, body)
ok("raw signed requests: bad JSON, non-object, wrong types, missing member, unsigned, unknown operation, unknown members, invalid UTF-8")

print(f"{passed} groups of checks passed")
