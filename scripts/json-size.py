#!/usr/bin/env python3
"""Output size of `read --format ndjson` against the TCP payload bytes it comes from.

    scripts/json-size.py [--mqscope PATH] CAPTURE...

Per capture: the TCP payload bytes (both directions, from `streams --format json`), and the
NDJSON bytes of schema 2, schema 3 (lean) and schema 3 with --raw-per-field, each also as a
ratio to the payload bytes. Every field is written in all three. The issue's target for schema 3
is at most 3x the payload bytes on real traffic.
"""
import argparse
import json
import subprocess
import sys


def payload_bytes(mqscope, capture):
    doc = json.loads(subprocess.run([mqscope, "streams", "--format", "json", capture],
                                    capture_output=True, text=True, check=True).stdout)
    total = 0
    for f in doc["files"]:
        for c in f["connections"]:
            total += c["client_to_server"]["payload_bytes"] + c["server_to_client"]["payload_bytes"]
    return total


def ndjson_bytes(mqscope, capture, extra):
    r = subprocess.run([mqscope, "read", "--format", "ndjson", *extra, capture], capture_output=True, check=True)
    return len(r.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mqscope", default=".build/debug/mqscope")
    ap.add_argument("captures", nargs="+")
    a = ap.parse_args()
    rows = []
    for c in a.captures:
        tcp = payload_bytes(a.mqscope, c)
        sizes = [ndjson_bytes(a.mqscope, c, x) for x in ([], ["--schema", "3"], ["--schema", "3", "--raw-per-field"])]
        rows.append((c, tcp, *sizes))
    print(f"{'capture':45} {'tcp payload':>11} {'v2':>9} {'v3':>9} {'v3+raw':>9} {'v2/tcp':>7} {'v3/tcp':>7} {'v3+raw/tcp':>10}")
    sums = [0, 0, 0, 0]
    for c, tcp, v2, v3, v3r in rows:
        for i, v in enumerate((tcp, v2, v3, v3r)):
            sums[i] += v
        r = lambda x: f"{x / tcp:.1f}x" if tcp else "-"
        print(f"{c:45} {tcp:>11} {v2:>9} {v3:>9} {v3r:>9} {r(v2):>7} {r(v3):>7} {r(v3r):>10}")
    tcp, v2, v3, v3r = sums
    print(f"{'total':45} {tcp:>11} {v2:>9} {v3:>9} {v3r:>9} {v2 / tcp:>6.1f}x {v3 / tcp:>6.1f}x {v3r / tcp:>9.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
