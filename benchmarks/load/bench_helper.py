#!/usr/bin/env python3
"""Helpers for run.sh (stdlib only). Subcommands:

  free-port                      print a port free for both UDP and TCP on 127.0.0.1
  cpu-ticks PID                  utime+stime (+ reaped children) of PID, its process group and its
                                 descendants, in clock ticks
  group-alive PGID               exit 0 if a non-zombie process of process group PGID exists
  kv-json OUT key=value...       write the pairs as a JSON object (numbers as numbers)
  record DNSPERF_OUT META RUNS.jsonl key=value...
                                 parse one dnsperf run, add the CPU figures, sanity-check the
                                 rcodes against META, append to RUNS.jsonl, print one line
  summarize RUNS.jsonl CONFIG.json META.json RESULTS.json
                                 print the per-round and median ratios, write the results JSON

For zone-scale.sh:
  mem PID                        print "PSS_KIB RSS_KIB PROCESSES" summed over PID, its process
                                 group and its descendants (PSS from /proc/*/smaps_rollup)
  deep-name ZONE_FILE            print "NAME TYPE EXPECTED" for the last record in the file whose
                                 owner is at least two labels below the origin (a CNAME or A)
  scale-summary RUNS.jsonl CONFIG.json RESULTS.json [RECORDS]
                                 print the table (for RECORDS, or for every record count) and
                                 write the results JSON
"""
import json
import os
import re
import socket
import statistics
import sys


def free_port():
    for _ in range(50):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind(("127.0.0.1", 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            u.close()
            t.close()
        print(port)
        return 0
    print("no free port found", file=sys.stderr)
    return 1


def _procs():
    """pid -> (state, ppid, pgrp, ticks) for every readable process."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                s = f.read()
        except OSError:
            continue
        rest = s[s.rindex(")") + 2:].split()  # fields from 3 (state) on
        state, ppid, pgrp = rest[0], int(rest[1]), int(rest[2])
        # utime, stime, cutime, cstime are fields 14-17 (1-based); rest[0] is field 3.
        ticks = sum(int(x) for x in rest[11:15])
        out[int(d)] = (state, ppid, pgrp, ticks)
    return out


def _tree(root, procs):
    members = {p for p, v in procs.items() if v[2] == root or p == root}
    grew = True
    while grew:
        grew = False
        for p, v in procs.items():
            if p not in members and v[1] in members:
                members.add(p)
                grew = True
    return members


def cpu_ticks(pid):
    # Summing utime+stime+cutime+cstime over the live members counts each process of the server
    # (NSD's forked workers, or a wrapper's children) exactly once: a reaped child's time is in
    # its reaper's cutime/cstime.
    procs = _procs()
    print(sum(procs[p][3] for p in _tree(int(pid), procs)))
    return 0


def group_alive(pgid):
    procs = _procs()
    return 0 if any(v[2] == int(pgid) and v[0] != "Z" for v in procs.values()) else 1


def _kv(pairs):
    out = {}
    for p in pairs:
        k, _, v = p.partition("=")
        for cast in (int, float):
            try:
                v = cast(v)
                break
            except ValueError:
                pass
        out[k] = v
    return out


def kv_json(path, *pairs):
    with open(path, "w") as f:
        json.dump(_kv(pairs), f, indent=2)
    return 0


def record(path, meta_path, runs_path, *pairs):
    """Parse one dnsperf output, add the server's CPU figures, append the run as one JSON line
    to runs_path and print a one-line human summary."""
    text = open(path, errors="replace").read()

    def num(pattern, cast=float):
        m = re.search(pattern, text)
        return cast(m.group(1)) if m else None

    r = _kv(pairs)
    r.update({
        "sent": num(r"Queries sent:\s+(\d+)", int),
        "completed": num(r"Queries completed:\s+(\d+)", int),
        "lost": num(r"Queries lost:\s+(\d+)", int),
        "run_time_s": num(r"Run time \(s\):\s+([\d.]+)"),
        "qps": num(r"Queries per second:\s+([\d.]+)"),
        "avg_latency_s": num(r"Average Latency \(s\):\s+([\d.]+)"),
        "avg_request_bytes": num(r"Average packet size:\s+request (\d+)", int),
        "avg_response_bytes": num(r"Average packet size:.*response (\d+)", int),
        "rcodes": {},
    })
    m = re.search(r"Response codes:\s+(.*)", text)
    if m:
        for name, count in re.findall(r"([A-Z0-9]+) (\d+) \(", m.group(1)):
            r["rcodes"][name] = int(count)
    ticks = r.get("cpu_ticks_after", 0) - r.get("cpu_ticks_before", 0)
    r["cpu_seconds"] = round(ticks / r["clk_tck"], 3)
    problems = []
    if r["qps"] is None or not r["completed"]:
        problems.append("could not parse dnsperf output, or no query completed")
        r["qps_per_cpu_second"] = None
    else:
        done = r["completed"]
        r["rcode_pct"] = {k: round(100.0 * v / done, 2) for k, v in r["rcodes"].items()}
        r["lost_pct"] = round(100.0 * (r["lost"] or 0) / max(1, r["sent"] or 0), 3)
        r["qps_per_cpu_second"] = round(done / r["cpu_seconds"], 1) if r["cpu_seconds"] > 0 else None
        r["server_cpu_utilisation"] = (round(r["cpu_seconds"] / r["run_time_s"], 3)
                                       if r["run_time_s"] else None)
        # Sanity: the rcode mix should match what the generator intended (the query file is
        # shuffled, so any long enough window of it has about the same mix), nothing else should
        # appear, and hardly anything should be lost.
        meta = json.load(open(meta_path))
        for rc, frac in meta["expected_rcodes"].items():
            got = r["rcode_pct"].get(rc, 0.0)
            if abs(got - 100 * frac) > 2.0:
                problems.append(f"{rc} {got:.1f}% (expected {100 * frac:.1f}%)")
        for rc, pct in r["rcode_pct"].items():
            if rc not in meta["expected_rcodes"] and pct > 0:
                problems.append(f"unexpected {rc} {pct:.2f}%")
        if r["lost_pct"] > 1.0:
            problems.append(f"lost {r['lost_pct']:.2f}%")
        if r["cpu_seconds"] <= 0:
            problems.append("no server CPU time measured")
    if r.get("server_died"):
        problems.append("server process died during the run")
    r["sanity"] = "ok" if not problems else "; ".join(problems)
    with open(runs_path, "a") as f:
        f.write(json.dumps(r) + "\n")

    pct = r.get("rcode_pct", {})
    per_cpu = r["qps_per_cpu_second"]
    util = r.get("server_cpu_utilisation")
    print(f"  round {r.get('round')}  {r.get('label', r.get('server')):<8}"
          f"{(r['qps'] or 0):>10,.0f} qps   "
          f"{(per_cpu or 0):>10,.0f} queries/CPU-second   "
          f"(server CPU {r['cpu_seconds']:.2f} s = {100 * (util or 0):.0f}% of one core)\n"
          f"  {'':<17}NOERROR {pct.get('NOERROR', 0):.2f}%  NXDOMAIN {pct.get('NXDOMAIN', 0):.2f}%  "
          f"lost {r.get('lost_pct', 0):.2f}%  avg response {r['avg_response_bytes'] or 0} B  "
          f"sanity: {r['sanity']}", flush=True)
    return 0


def summarize(runs_path, config_path, meta_path, results_path):
    runs = [json.loads(l) for l in open(runs_path) if l.strip()]
    config = json.load(open(config_path))
    config["zone"] = json.load(open(meta_path))
    by_round = {}
    for r in runs:
        by_round.setdefault(r["round"], {})[r["server"]] = r
    ratios = []
    for rnd in sorted(by_round):
        pair = by_round[rnd]
        n, d = pair.get("nsd"), pair.get("dnshost")
        if not n or not d:
            continue
        qr = d["qps"] / n["qps"] if n.get("qps") else None
        cr = (d["qps_per_cpu_second"] / n["qps_per_cpu_second"]
              if n.get("qps_per_cpu_second") and d.get("qps_per_cpu_second") else None)
        ratios.append({"round": rnd, "qps_ratio": qr, "qps_per_cpu_second_ratio": cr})

    def med(key):
        vals = [x[key] for x in ratios if x[key] is not None]
        return statistics.median(vals) if vals else None

    def med_server(server, key):
        vals = [r[key] for r in runs if r["server"] == server and r.get(key) is not None]
        return statistics.median(vals) if vals else None

    summary = {
        "median_qps_ratio": med("qps_ratio"),
        "median_qps_per_cpu_second_ratio": med("qps_per_cpu_second_ratio"),
        "median": {s: {"qps": med_server(s, "qps"),
                       "qps_per_cpu_second": med_server(s, "qps_per_cpu_second")}
                   for s in ("nsd", "dnshost")},
        "all_sane": all(r.get("sanity") == "ok" for r in runs),
    }
    with open(results_path, "w") as f:
        json.dump({"config": config, "runs": runs, "ratios": ratios, "summary": summary}, f,
                  indent=2)
        f.write("\n")

    fmt = lambda x: "n/a" if x is None else f"{x:.2f}"
    print()
    print("DnsHost/NSD ratios (above 1: DnsHost better)")
    for x in ratios:
        print(f"  round {x['round']}: qps {fmt(x['qps_ratio'])}   "
              f"qps per CPU-second {fmt(x['qps_per_cpu_second_ratio'])}")
    print(f"  median : qps {fmt(summary['median_qps_ratio'])}   "
          f"qps per CPU-second {fmt(summary['median_qps_per_cpu_second_ratio'])}")
    if not summary["all_sane"]:
        print("  WARNING: at least one run failed its sanity check (see above); "
              "the ratios may be meaningless")
    print(f"results written to {results_path}")
    return 0


def mem(pid):
    # PSS splits every shared page between the processes that map it, so the sum over NSD's
    # forked servers (which share the zone copy-on-write) counts the zone once; summed RSS would
    # count it once per process. Both are reported.
    procs = _procs()
    pss = rss = n = 0
    for p in _tree(int(pid), procs):
        if procs[p][0] == "Z":
            continue
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                text = f.read()
        except OSError:
            continue
        m_pss = re.search(r"^Pss:\s+(\d+) kB", text, re.M)
        m_rss = re.search(r"^Rss:\s+(\d+) kB", text, re.M)
        if m_pss:
            pss += int(m_pss.group(1))
            rss += int(m_rss.group(1)) if m_rss else 0
            n += 1
    if n == 0:
        print("no readable process", file=sys.stderr)
        return 1
    print(pss, rss, n)
    return 0


def deep_name(zone_path):
    """The last deep (two or more labels below the origin) CNAME or A record of a gen-zone.py
    file: it is near the end of the file, so a server that answers it has read the whole zone."""
    origin = None
    found = None
    with open(zone_path) as f:
        for line in f:
            if line.startswith("$ORIGIN"):
                origin = line.split()[1]
                continue
            if not line.strip() or line[0] in ";$ \t":
                continue
            parts = line.rstrip("\n").split("\t")
            owner, rtype, rdata = parts[0], parts[-2], parts[-1]
            if rtype in ("CNAME", "A") and "." in owner and not owner.startswith("_"):
                found = (owner, rtype, rdata)
    if not found or not origin:
        print(f"no deep CNAME or A record in {zone_path}", file=sys.stderr)
        return 1
    owner, rtype, rdata = found
    if rtype == "CNAME" and not rdata.endswith("."):
        rdata = f"{rdata}.{origin}"
    print(f"{owner}.{origin} {rtype} {rdata}")
    return 0


def _mib(kib):
    return None if kib is None else round(kib / 1024.0, 1)


def scale_summary(runs_path, config_path, results_path, only_records=None):
    runs = [json.loads(l) for l in open(runs_path) if l.strip()] if os.path.exists(runs_path) else []
    config = json.load(open(config_path))
    names = {"knot": "Knot DNS", "nsd": "NSD", "dnshost": "DnsHost"}
    by_records = {}
    for r in runs:
        by_records.setdefault(r["records"], {}).setdefault(r["server"], []).append(r)

    def med(vals):
        vals = [v for v in vals if v is not None]
        return statistics.median(vals) if vals else None

    def ratio(a, b):
        return round(a / b, 2) if a is not None and b else None

    tables = []
    for records in sorted(by_records):
        servers = by_records[records]
        rows = {}
        for server in [s for s in ("knot", "nsd", "dnshost") if s in servers]:
            rs = servers[server]
            ok = [r for r in rs if r.get("ready")]
            rows[server] = {
                "runs": len(rs),
                "answered_runs": len(ok),
                "median_seconds_to_answer": med([r["seconds_to_answer"] for r in ok]),
                "median_pss_mib": _mib(med([r.get("pss_kib") for r in ok])),
                "median_rss_mib": _mib(med([r.get("rss_kib") for r in ok])),
                "processes": med([r.get("processes") for r in ok]),
                "deep_name_ok": all(r.get("deep_name_ok") for r in ok) if ok else None,
                "median_qps": med([r.get("qps") for r in ok]),
                "median_qps_per_cpu_second": med([r.get("qps_per_cpu_second") for r in ok]),
            }
        ratios = {}
        d = rows.get("dnshost")
        for ref in ("knot", "nsd"):
            if d and ref in rows:
                x = rows[ref]
                ratios[f"dnshost_over_{ref}"] = {
                    k: ratio(d[k], x[k]) for k in ("median_seconds_to_answer", "median_pss_mib",
                                                   "median_rss_mib", "median_qps",
                                                   "median_qps_per_cpu_second")}
        tables.append({"records": records, "servers": rows, "ratios": ratios,
                       "runs": [r for s in servers.values() for r in s]})
        if only_records is not None and int(only_records) != records:
            continue
        load = any(r.get("median_qps") is not None for r in rows.values())
        print(f"\n{records:,} records (median over rounds)")
        head = f"  {'server':<10}{'runs':>5}{'s to answer':>13}{'PSS MiB':>10}{'RSS MiB':>10}{'procs':>6}"
        if load:
            head += f"{'qps':>11}{'q/CPU-s':>11}"
        print(head)

        def f(v, spec):  # spec like ">10.1f": the number, or a dash of the same width
            return format(v, spec) if v is not None else "-".rjust(int(re.match(r">(\d+)", spec).group(1)))

        for server, x in rows.items():
            line = (f"  {names[server]:<10}{x['answered_runs']:>3}/{x['runs']:<1}"
                    f"{f(x['median_seconds_to_answer'], '>13.2f')}{f(x['median_pss_mib'], '>10.1f')}"
                    f"{f(x['median_rss_mib'], '>10.1f')}{f(x['processes'], '>6.0f')}")
            if load:
                line += f"{f(x['median_qps'], '>11,.0f')}{f(x['median_qps_per_cpu_second'], '>11,.0f')}"
            if x["deep_name_ok"] is False:
                line += "   WARNING: deep name answered wrong"
            print(line)
        for key, label in (("dnshost_over_knot", "DnsHost/Knot"), ("dnshost_over_nsd", "DnsHost/NSD")):
            q = ratios.get(key)
            if not q:
                continue
            parts = [f"time {q['median_seconds_to_answer']}", f"PSS {q['median_pss_mib']}",
                     f"RSS {q['median_rss_mib']}"]
            if load:
                parts += [f"qps {q['median_qps']}", f"q/CPU-s {q['median_qps_per_cpu_second']}"]
            print(f"  {label:<14}" + "   ".join(parts) + "   (below 1: DnsHost faster/smaller"
                  + ("; qps above 1: DnsHost better)" if load else ")"))
    config["results"] = tables
    with open(results_path, "w") as fh:
        json.dump(config, fh, indent=2)
        fh.write("\n")
    return 0


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == "free-port":
        return free_port()
    if cmd == "cpu-ticks":
        return cpu_ticks(*args)
    if cmd == "group-alive":
        return group_alive(*args)
    if cmd == "record":
        return record(*args)
    if cmd == "kv-json":
        return kv_json(*args)
    if cmd == "summarize":
        return summarize(*args)
    if cmd == "mem":
        return mem(*args)
    if cmd == "deep-name":
        return deep_name(*args)
    if cmd == "scale-summary":
        return scale_summary(*args)
    print(f"unknown subcommand {cmd}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
