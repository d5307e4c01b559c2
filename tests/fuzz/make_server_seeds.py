#!/usr/bin/python3
"""Writes the seeds of the server fuzzers (tests/fuzz/seeds/{server_request,sigv4}_fuzz/)
in the text form of tests/fuzz/request_text.h:

- capture-*: every request the real aws CLI 2.9.19 and boto3 1.43.11 sent to a loopback
  server (../shared/data/cwlogs-captures, see its README), verbatim and signed;
- op-*: one valid anonymous request per operation (server_request_fuzz only);
- reader-*: the captured bodies behind 4 bytes of constraints (request_reader_fuzz);
- session-*: sequences of anonymous requests that create a group and a stream, put events
  and then read them back, page through them, filter them or query them; "$QID", "$NEXT",
  "$PTR" ... stand for values of earlier answers (server_request_fuzz only).

Usage: tests/fuzz/make_server_seeds.py [SHARED_DATA_DIR]   (run from the repository root)
"""
import json
import os
import sys

SEPARATOR = "\n=====\n"
NOW_MS = 1795850541000  # the fuzzer's pinned clock: within the captures' skew window
NOW_S = NOW_MS // 1000


def request_text(method, path, headers, body):
    lines = [f"{method} {path}"] + [f"{k}: {v}" for k, v in headers.items()]
    return "\n".join(lines) + "\n\n" + body


def anonymous(op, body):
    headers = {"Host": "127.0.0.1:4590", "X-Amz-Target": "Logs_20140328." + op,
               "Content-Type": "application/x-amz-json-1.1"}
    return request_text("POST", "/", headers, json.dumps(body))


def event(offset_s, message):
    return {"timestamp": NOW_MS + offset_s * 1000, "message": message}


FLOW = ("2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 "
        "{start} {end} {action} OK")
GROUP = {"logGroupName": "/vpc/flowlogs"}
STREAM = {"logGroupName": "/vpc/flowlogs", "logStreamName": "eni-1"}
EVENTS = [event(-120 + 10 * i, FLOW.format(start=NOW_S - 120 + 10 * i, end=NOW_S - 60 + 10 * i,
                                          action="REJECT" if i % 3 == 0 else "ACCEPT"))
          for i in range(6)] + [event(0, '{"user": "alice", "n": 3}'), event(1, "café ✓ 😀")]
DELIMITED = ('[version, account, eni, source, destination, srcport, destport="22", '
             'protocol="6", packets, bytes, windowstart, windowend, action="REJECT", status]')

OPERATIONS = {
    "CreateLogGroup": GROUP,
    "DeleteLogGroup": GROUP,
    "DescribeLogGroups": {"logGroupNamePrefix": "/vpc", "limit": 5},
    "CreateLogStream": STREAM,
    "DeleteLogStream": STREAM,
    "DescribeLogStreams": {**GROUP, "orderBy": "LastEventTime", "descending": True, "limit": 2},
    "PutRetentionPolicy": {**GROUP, "retentionInDays": 30},
    "DeleteRetentionPolicy": GROUP,
    "PutLogEvents": {**STREAM, "logEvents": EVENTS[:2]},
    "GetLogEvents": {**STREAM, "startFromHead": True, "limit": 3},
    "FilterLogEvents": {"logGroupIdentifier": "arn:aws:logs:us-east-1:000000000000:log-group:"
                        "/vpc/flowlogs", "filterPattern": DELIMITED, "limit": 10},
    "StartQuery": {"logGroupNames": ["/vpc/flowlogs"], "startTime": NOW_S - 3600,
                   "endTime": NOW_S, "queryString": "fields @timestamp, @message | limit 5"},
    "GetQueryResults": {"queryId": "12ab3456-12ab-123a-789e-1234567890ab"},
    "StopQuery": {"queryId": "12ab3456-12ab-123a-789e-1234567890ab"},
    "DescribeQueries": {"logGroupName": "/vpc/flowlogs", "status": "Complete", "maxResults": 5},
    "GetLogRecord": {"logRecordPointer": "CmAKJwoj"},
    "PutQueryDefinition": {"name": "rejects/ssh", "logGroupNames": ["/vpc/flowlogs"],
                           "queryString": "filter action = \"REJECT\" | stats count(*) by srcAddr"},
    "DescribeQueryDefinitions": {"queryDefinitionNamePrefix": "rejects", "maxResults": 10},
    "DeleteQueryDefinition": {"queryDefinitionId": "0123456789abcdef0123456789abcdef"},
}

SETUP = [anonymous("CreateLogGroup", GROUP), anonymous("CreateLogStream", STREAM),
         anonymous("PutLogEvents", {**STREAM, "logEvents": EVENTS})]
SESSIONS = {
    "events": SETUP + [
        anonymous("GetLogEvents", {**STREAM, "startFromHead": True, "limit": 3}),
        anonymous("GetLogEvents", {**STREAM, "limit": 2}),
        anonymous("DescribeLogStreams", {**GROUP, "orderBy": "LastEventTime"}),
        anonymous("DeleteLogStream", STREAM)],
    "filter": SETUP + [
        anonymous("FilterLogEvents", {**GROUP, "filterPattern": DELIMITED}),
        anonymous("FilterLogEvents", {**GROUP, "filterPattern": "{ $.user = \"alice\" }"}),
        anonymous("FilterLogEvents", {**GROUP, "filterPattern": "?REJECT ?café", "limit": 2,
                                      "startFromHead": False}),
        anonymous("FilterLogEvents", {**GROUP, "logStreamNamePrefix": "eni",
                                      "startTime": NOW_MS - 60000, "endTime": NOW_MS})],
    "query": SETUP + [
        anonymous("StartQuery", {"logGroupName": "/vpc/flowlogs", "startTime": NOW_S - 3600,
                                 "endTime": NOW_S + 60, "queryString":
                                 "parse @message \"* * * * * * * * * * * * * *\" as v, acct, eni,"
                                 " src, dst, sport, dport, proto, pkts, bytes, s, e, action, st"
                                 " | stats count(*), sum(bytes) by action | sort action"}),
        anonymous("StartQuery", {"logGroupName": "/vpc/flowlogs", "startTime": NOW_S - 3600,
                                 "endTime": NOW_S + 60,
                                 "queryString": "fields @timestamp, @message, @ptr | limit 3"}),
        anonymous("DescribeQueries", {"logGroupName": "/vpc/flowlogs"}),
        anonymous("StopQuery", {"queryId": "12ab3456-12ab-123a-789e-1234567890ab"})],
    "retention": SETUP + [
        anonymous("PutRetentionPolicy", {**GROUP, "retentionInDays": 1}),
        anonymous("PutLogEvents", {**STREAM, "logEvents": [event(-2 * 86400, "x"),
                                                           event(0, "y")]}),
        anonymous("DescribeLogGroups", {"logGroupNamePrefix": "/", "limit": 1}),
        anonymous("DeleteRetentionPolicy", GROUP), anonymous("DeleteLogGroup", GROUP)],
    "query-ptr": SETUP + [
        anonymous("StartQuery", {"logGroupName": "/vpc/flowlogs", "startTime": NOW_S - 3600,
                                 "endTime": NOW_S + 60,
                                 "queryString": "fields @ptr, @message | sort @timestamp desc"
                                                " | limit 3"}),
        anonymous("GetQueryResults", {"queryId": "$QID"}),
        anonymous("GetLogRecord", {"logRecordPointer": "$PTR"}),
        anonymous("StopQuery", {"queryId": "$QID"}),
        anonymous("DescribeQueries", {"status": "Complete"})],
    "paging": SETUP + [
        anonymous("GetLogEvents", {**STREAM, "startFromHead": True, "limit": 2}),
        anonymous("GetLogEvents", {**STREAM, "nextToken": "$NEXT", "limit": 2}),
        anonymous("GetLogEvents", {**STREAM, "nextToken": "$BACK", "limit": 1}),
        anonymous("FilterLogEvents", {**GROUP, "limit": 3}),
        anonymous("FilterLogEvents", {**GROUP, "limit": 3, "nextToken": "$NEXT"}),
        anonymous("DescribeLogStreams", {**GROUP, "limit": 1, "nextToken": "$NEXT"})],
    "definitions-update": [
        anonymous("PutQueryDefinition", OPERATIONS["PutQueryDefinition"]),
        anonymous("PutQueryDefinition", {"name": "renamed", "queryDefinitionId": "$DEFID",
                                         "queryString": "stats count(*)"}),
        anonymous("DescribeQueryDefinitions", {"maxResults": 1}),
        anonymous("DeleteQueryDefinition", {"queryDefinitionId": "$DEFID"})],
    "definitions": [
        anonymous("PutQueryDefinition", OPERATIONS["PutQueryDefinition"]),
        anonymous("PutQueryDefinition", {"name": "quote \" back\\ tab\t nl\n", "queryString":
                                         "fields @message"}),
        anonymous("DescribeQueryDefinitions", {}),
        anonymous("DeleteQueryDefinition", OPERATIONS["DeleteQueryDefinition"])],
}


def write(directory, name, data):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


def main():
    shared = sys.argv[1] if len(sys.argv) > 1 else "../shared/data"
    seeds = "tests/fuzz/seeds"
    captures = []
    bodies = []
    for file, tag in (("awscli-2.9.19.jsonl", "awscli"), ("boto3-1.43.11.jsonl", "boto3")):
        with open(os.path.join(shared, "cwlogs-captures", file), encoding="utf-8") as f:
            for i, line in enumerate(f):
                r = json.loads(line)
                name = f"capture-{tag}-{i:02d}"
                captures.append(request_text(r["method"], r["path"], r["headers"], r["body"]))
                bodies.append(r["body"])
                for fuzzer in ("server_request_fuzz", "sigv4_fuzz"):
                    write(os.path.join(seeds, fuzzer), name, captures[-1])
    request_dir = os.path.join(seeds, "server_request_fuzz")
    write(request_dir, "capture-awscli-session", SEPARATOR.join(captures[:8]))
    for op, body in OPERATIONS.items():
        write(request_dir, "op-" + op, anonymous(op, body))
    for name, requests in SESSIONS.items():
        write(request_dir, "session-" + name, SEPARATOR.join(requests))
    # Constraint bytes: required + pattern, min length, max length (255: none), value bounds.
    constraints = [b"\x03\x01\xff\x00", b"\x00\x00\x10\x05", b"\x05\x01\x40\xf0",
                   b"\x07\x00\xff\x7f"]
    for i, body in enumerate(bodies):
        write(os.path.join(seeds, "request_reader_fuzz"), f"reader-{i:02d}",
              constraints[i % len(constraints)] + body.encode("utf-8"))


if __name__ == "__main__":
    main()
