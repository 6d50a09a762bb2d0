#!/usr/bin/env python3
"""The mqscope benchmark (not a test): builds mqscope in release mode, generates a deterministic
capture of MQTT traffic (default 500 MB, many connections), and times, in one run on the same file,
mqscope beside tshark and beside a plain libpcap read loop. Prints MB/s, packets/s, peak memory
(max RSS) and the ratios the issues ask for.

    scripts/bench.py [--size-mb 500] [--skip-tshark-json] [--only streams,read] [--repeat 5]

`read --count` uses the processors available (each thread reads the file and counts a share of the
connections); it is also timed on one thread. The plain loop opens the file with pcap_open_offline;
the second loop opens it as mqscope does (256 KiB stdio buffer, stdio locking off).

Peak memory is read from wait4()'s rusage, wall time from a monotonic clock. Output of every
command goes to /dev/null. Every command that finishes within 5 s is run `--repeat` times and its
best time kept (a shared machine makes single runs of sub-second commands vary by ±50 %); the
slow tshark runs are timed once, which can only flatter tshark.
"""
import argparse, os, re, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "bench-data")


def sh(cmd, **kw):
    subprocess.run(cmd, check=True, **kw)


def measure(name, argv):
    """Runs argv with stdout to /dev/null; returns (seconds, peak RSS MiB, exit status, CPU seconds)."""
    t0 = time.monotonic()
    with open(os.devnull, "wb") as null:
        p = subprocess.Popen(argv, stdout=null, stderr=subprocess.PIPE)
        _, status, ru = os.wait4(p.pid, 0)
        err = p.stderr.read().decode(errors="replace")
    dt = time.monotonic() - t0
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        print(f"  {name}: exit {code}: {err.strip()[:300]}", file=sys.stderr)
    return dt, ru.ru_maxrss / 1024.0, code, ru.ru_utime + ru.ru_stime


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mb", type=int, default=500)
    ap.add_argument("--skip-tshark-json", action="store_true", help="tshark -T json takes many minutes on 500 MB")
    ap.add_argument("--only", default="", help="comma-separated groups: streams, read, check")
    ap.add_argument("--repeat", type=int, default=5, help="runs of each command under 5 s; the best time is kept")
    args = ap.parse_args()
    only = set(filter(None, args.only.split(",")))
    os.makedirs(DATA, exist_ok=True)

    print("building mqscope (release)…", flush=True)
    sh(["swift", "build", "-c", "release", "--product", "mqscope"], cwd=ROOT)
    mqscope = os.path.join(ROOT, ".build", "release", "mqscope")
    loop = os.path.join(DATA, "pcap_loop")
    sh(["gcc", "-O2", "-o", loop, os.path.join(ROOT, "scripts", "bench", "pcap_loop.c"), "-lpcap"])

    capture = os.path.join(DATA, f"bench-{args.size_mb}mb.pcap")
    if not os.path.exists(capture):
        print(f"generating {capture}…", flush=True)
        sh([sys.executable, os.path.join(ROOT, "captures", "generators", "make_benchmark.py"), capture, str(args.size_mb)])
    size_mb = os.path.getsize(capture) / 1e6
    out = subprocess.run([loop, capture], check=True, capture_output=True, text=True).stdout
    frames = int(re.match(r"(\d+) frames", out).group(1))
    print(f"capture: {capture}: {size_mb:.1f} MB, {frames} frames\n")

    runs = [("plain libpcap loop", "base", [loop, capture]),
            ("libpcap loop, mqscope's file setup", "base", [loop, "--tuned", capture])]
    if not only or "streams" in only:
        runs += [("mqscope streams", "streams", [mqscope, "streams", capture]),
                 ("tshark -q -z conv,tcp", "streams", ["tshark", "-n", "-q", "-z", "conv,tcp", "-r", capture])]
    if (not only or "read" in only) and subprocess.run([mqscope, "read", "--help"], capture_output=True).returncode == 0:
        runs += [("mqscope read --count", "read", [mqscope, "read", "--count", capture]),
                 ("mqscope read --count --threads 1", "read", [mqscope, "read", "--count", "--threads", "1", capture]),
                 ("mqscope read (summary lines)", "read", [mqscope, "read", capture]),
                 ("mqscope read --format ndjson -V", "read", [mqscope, "read", "--format", "ndjson", "-V", capture]),
                 ("tshark -Y mqtt -T fields", "read", ["tshark", "-n", "-r", capture, "-Y", "mqtt", "-T", "fields",
                                                      "-e", "mqtt.msgtype", "-e", "mqtt.topic"])]
        if not args.skip_tshark_json:
            runs.append(("tshark -Y mqtt -T json", "read", ["tshark", "-n", "-r", capture, "-Y", "mqtt", "-T", "json"]))
    if (not only or "check" in only) and subprocess.run([mqscope, "check", "--help"], capture_output=True).returncode == 0:
        runs.append(("mqscope check --format json", "check", [mqscope, "check", "--format", "json", capture]))

    results = {}
    print(f"{'command':36} {'seconds':>9} {'CPU s':>7} {'MB/s':>9} {'packets/s':>12} {'peak MiB':>9}")
    for name, _, argv in runs:
        dt, rss, code, cpu = measure(name, argv)
        if dt < 5:
            for _ in range(args.repeat - 1):
                again, again_rss, _, again_cpu = measure(name, argv)
                if again < dt:
                    dt, cpu = again, again_cpu
                rss = max(rss, again_rss)
        results[name] = (dt, rss)
        print(f"{name:36} {dt:9.3f} {cpu:7.3f} {size_mb / dt:9.1f} {frames / dt:12.0f} {rss:9.1f}", flush=True)

    def ratio(a, b, label):
        if a in results and b in results:
            print(f"  {label}: {results[a][0] / results[b][0]:.2f}x")
    print("\nratios (time of the first / time of the second; higher = mqscope faster where tshark is first):")
    ratio("mqscope streams", "plain libpcap loop", "streams vs plain loop (target ≤ 2x)")
    ratio("mqscope streams", "libpcap loop, mqscope's file setup", "streams vs the loop with mqscope's file setup")
    ratio("tshark -q -z conv,tcp", "mqscope streams", "tshark conv,tcp vs streams")
    ratio("tshark -Y mqtt -T fields", "mqscope read --count", "tshark fields vs read --count (target ≥ 100x)")
    ratio("tshark -Y mqtt -T fields", "mqscope read --count --threads 1", "tshark fields vs read --count on one thread")
    ratio("tshark -Y mqtt -T fields", "mqscope read (summary lines)", "tshark fields vs read summary lines")
    ratio("tshark -Y mqtt -T json", "mqscope read --format ndjson -V", "tshark json vs read ndjson (target ≥ 30x)")
    ratio("mqscope check --format json", "mqscope read (summary lines)", "check vs read summary lines (target ≤ 1.30x)")


if __name__ == "__main__":
    main()
