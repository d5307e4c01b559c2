#!/usr/bin/env bash
# `flowlens serve` against misbehaving clients, over raw sockets: a signed
# request with a query string (the server must check the signature over the
# query as sent, not as decoded), bodies past --max-body-mb sent chunked,
# deflated or without a length (413, and the server's memory stays bounded),
# too many header bytes (431), a client that sends nothing (closed after the
# keep-alive time), and the server still serving the aws CLI afterwards.
set -euo pipefail
bin=$1
root=$2
# shellcheck source=serve_common.bash
source "$root/tests/e2e/serve_common.bash"
write_credentials
start_server_common --max-body-mb 1

timeout 120 /usr/bin/python3 - "$port" "$server_pid" <<'P' || fail "limits"
import socket, sys, time, zlib
import botocore.auth, botocore.awsrequest, botocore.credentials

port, pid = int(sys.argv[1]), int(sys.argv[2])
KEY, SECRET = "AKIAALICE0000000000", "alice/secret/key+0000000000000000000000"

def rss_mb():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) // 1024

def exchange(data, chunks=(), wait=20):
    """Sends data (then chunks while the server takes them); returns what comes back."""
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(wait)
    try:
        s.sendall(data)
        for c in chunks:
            s.sendall(c)
    except OSError:
        pass  # the server answered and closed before taking it all
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    return out.decode("latin-1")

def status(answer):
    return int(answer.split(" ", 2)[1]) if answer.startswith("HTTP/1.1 ") else None

def expect(what, answer, code, text):
    if status(answer) != code or text not in answer:
        sys.exit(f"{what}: wanted {code} with '{text}', got: {answer[:300]!r}")
    print(f"ok: {what}: {code}")

head = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: Logs_20140328.DescribeLogGroups\r\n"
        b"Content-Type: application/x-amz-json-1.1\r\n")

# A signed request whose query string has characters that are percent-encoded.
url = f"http://127.0.0.1:{port}/?b=%2B%2F%20x&a=1"
req = botocore.awsrequest.AWSRequest(method="POST", url=url, data=b"{}", headers={
    "X-Amz-Target": "Logs_20140328.DescribeLogGroups",
    "Content-Type": "application/x-amz-json-1.1"})
botocore.auth.SigV4Auth(botocore.credentials.Credentials(KEY, SECRET), "logs",
                        "us-east-1").add_auth(req)
prepared = req.prepare()
lines = [f"POST /?b=%2B%2F%20x&a=1 HTTP/1.1", f"Host: 127.0.0.1:{port}", "Content-Length: 2",
         "Connection: close"]
lines += [f"{k}: {v}" for k, v in prepared.headers.items() if k.lower() not in ("host",)]
expect("signed request with a query string",
       exchange(("\r\n".join(lines) + "\r\n\r\n{}").encode()), 200, '"logGroups"')

before = rss_mb()
expect("32 MB chunked body", exchange(head + b"Transfer-Encoding: chunked\r\n\r\n",
       (b"10000\r\n" + b" " * 65536 + b"\r\n" for _ in range(512))), 413, "too large")
expect("32 MB body without a length", exchange(head + b"\r\n", (b" " * 65536 for _ in range(512))),
       413, "too large")
packed = zlib.compress(b" " * (64 << 20), 9)
expect(f"64 MB deflated to {len(packed) >> 10} KB",
       exchange(head + b"Content-Encoding: deflate\r\nContent-Length: %d\r\n\r\n" % len(packed)
                + packed), 413, "too large")
expect("Content-Length of 100 GB", exchange(head + b"Content-Length: 107374182400\r\n\r\n",
       (b" " * 65536 for _ in range(64))), 413, "too large")
grown = rss_mb() - before
if grown > 64:
    sys.exit(f"the server grew by {grown} MB on refused bodies")
print(f"ok: server memory grew {grown} MB over the refused bodies")

expect("40 KB of headers", exchange(head + b"".join(
    b"X-Filler-%d: %s\r\n" % (i, b"a" * 100) for i in range(400)) + b"\r\n{}"), 431, "exceed")
expect("one 1 MB header line", exchange(head + b"X-Big: ", (b"z" * 65536 for _ in range(16))),
       431, "exceed")

s = socket.create_connection(("127.0.0.1", port))
s.settimeout(30)
started = time.time()
if s.recv(1) != b"" or not 4 <= time.time() - started <= 15:
    sys.exit("an idle connection was not closed after the 5 s keep-alive time")
print(f"ok: idle connection closed after {time.time() - started:.1f} s")
P

# Still serving real clients.
AWS_ACCESS_KEY_ID=AKIAALICE0000000000 AWS_SECRET_ACCESS_KEY=alice/secret/key+0000000000000000000000 \
  AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
  /usr/bin/aws --endpoint-url "http://127.0.0.1:$port" logs create-log-group \
  --log-group-name /after/limits || fail "aws CLI after the limits"
stop_server
echo "serve_limits: ok"
