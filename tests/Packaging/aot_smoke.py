#!/usr/bin/env python3
"""Smoke test of the Native AOT binary the Docker image runs: every endpoint family and CLI command, once each.

Why: under Native AOT, JSON that is not source-generated (Hosting/HttpJson.cs) fails only at run time, with a
NotSupportedException on the request that first writes that type. The xunit suite runs the JIT build, where reflection
JSON works, so only running the published binary catches a body type missing from the context.

Usage: aot_smoke.py PATH/TO/bridge   (run from the repository root; talks only to 127.0.0.1, ports picked at run time)
"""
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = os.getcwd()
SAMPLE = os.path.join(ROOT, "samples", "payloads", "authentik", "event-login-admin.json")
HOOK_TOKEN = "aot-smoke-token"
failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink(http.server.BaseHTTPRequestHandler):
    """ntfy's publish endpoint, as far as the bridge reads it: a JSON answer with an id."""
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        Sink.received.append((self.headers.get("Authorization"), json.loads(body)))
        answer = json.dumps({"id": f"m{len(Sink.received)}", "time": int(time.time()), "event": "message"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def request(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def expect_json(method, base, path, status=200, body=None, headers=None):
    code, ctype, data = request(method, base + path, body, headers)
    parsed = None
    try:
        parsed = json.loads(data) if data else None
    except ValueError:
        pass
    check(code == status and "json" in ctype and parsed is not None, f"{method} {path} -> {code} {ctype} (want {status} JSON)")
    return parsed


def wait_until(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def main():
    binary = os.path.abspath(sys.argv[1])
    sink = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    scratch = tempfile.mkdtemp(prefix="aot-smoke-")
    # The mapping tests read their payloads from ../samples, as in the repository.
    for folder in ("mappings", "samples"):
        shutil.copytree(os.path.join(ROOT, folder), os.path.join(scratch, folder))
    env = dict(os.environ, NTFY_URL=f"http://127.0.0.1:{sink.server_address[1]}", NTFY_TOKEN="tk_smoke",
               BRIDGE_HOOK_TOKEN=HOOK_TOKEN)
    log_path = os.path.join(scratch, "bridge.log")
    with open(log_path, "w") as log:
        proc = subprocess.Popen([binary, "serve", "--urls", base], cwd=scratch, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        up = wait_until(lambda: proc.poll() is not None or (port_open(port) and request("GET", base + "/healthz")[0] == 200), 30)
        check(up and proc.poll() is None, "the AOT binary starts and /healthz answers 200")
        if not up or proc.poll() is not None:
            print(open(log_path).read()[-3000:])
            return
        expect_json("GET", base, "/readyz")
        code, ctype, data = request("GET", base + "/metrics")
        check(code == 200 and b"bridge_" in data, f"GET /metrics -> {code}, bridge_ series present")
        expect_json("GET", base, "/openapi/v1.json")

        sample = open(SAMPLE, "rb").read()
        hook = {"Authorization": f"Bearer {HOOK_TOKEN}", "Content-Type": "application/json"}
        accepted = expect_json("POST", base, "/hooks/authentik", 202, sample, hook)
        expect_json("POST", base, "/hooks/authentik", 401, sample, {"Content-Type": "application/json"})
        expect_json("POST", base, "/hooks/authentik", 400, b"{not json", hook)
        expect_json("POST", base, "/hooks/authentik", 415, sample, dict(hook, **{"Content-Encoding": "gzip"}))

        delivered = wait_until(lambda: len(Sink.received) >= 1, 30)
        check(delivered and Sink.received[0][0] == "Bearer tk_smoke", "the event reaches the sink with the Bearer token")

        event_id = (accepted or {}).get("event")
        expect_json("GET", base, "/api/events")
        if event_id:
            expect_json("GET", base, f"/api/events/{event_id}")
        else:
            check(False, f"the 202 names the event: {accepted}")
        messages = expect_json("GET", base, "/api/messages") or {}
        items = messages.get("items") or []
        if items:
            expect_json("GET", base, f"/api/messages/{items[0]['id']}")
            # Only a dead message is sent again: a delivered one is refused with problem+json.
            expect_json("POST", base, f"/api/messages/{items[0]['id']}/replay", 409)
        else:
            check(False, f"/api/messages lists the delivered message: {messages}")
        expect_json("POST", base, "/api/messages/replay?status=delivered", 202)
        expect_json("GET", base, "/api/status")

        code, ctype, _ = request("GET", base + "/admin/events")
        check(code == 200 and "html" in ctype, f"GET /admin/events -> {code} {ctype}")
        expect_json("GET", base, "/admin/api/rows")
        expect_json("GET", base, "/admin/api/playground")
        run = expect_json("POST", base, "/admin/api/playground/run", 200,
                          json.dumps({"rule": "admin-login", "body": sample.decode()}).encode(), {"Content-Type": "application/json"})
        check(bool(run and run.get("messages")), "the playground maps the sample to a message")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        sink.shutdown()

    log = open(log_path).read()
    # The text format's level is "[HH:mm:ss ERR]" (Hosting/BridgeLogging.cs).
    bad = [line for line in log.splitlines() if "NotSupportedException" in line or re.match(r"\[\d\d:\d\d:\d\d (ERR|FTL)\]", line)]
    check(not bad, "no error in the bridge's log" + ("".join("\n      " + line for line in bad[:10]) if bad else ""))

    # On the embedded sample config, as a newcomer runs them: its mappings_dir is the scratch folder's mappings/.
    for args, want in ((["check"], 0), (["try", SAMPLE], 0), (["test"], 0)):
        r = subprocess.run([binary, *args], cwd=scratch, env=env, capture_output=True, text=True, timeout=60)
        check(r.returncode == want, f"bridge {' '.join(args[:1])} exits {r.returncode}" +
              ("" if r.returncode == want else "\n" + (r.stdout + r.stderr)[-2000:]))
    shutil.rmtree(scratch, ignore_errors=True)


def port_open(port):
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


if __name__ == "__main__":
    main()
    print(f"aot smoke: {len(failures)} failed" if failures else "aot smoke: ok")
    sys.exit(1 if failures else 0)
