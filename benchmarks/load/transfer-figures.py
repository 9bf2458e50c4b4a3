#!/usr/bin/env python3
"""Zone transfer figures for issue 21, each beside Knot DNS in the same run (talks to 127.0.0.1 only).

1. API change to secondary: the time from a Route 53 ChangeResourceRecordSets (botocore, SigV4, an UPSERT of
   one TXT record in an API hosted zone) to a Knot secondary of DnsHost answering the new record (DnsHost
   commits, NOTIFYs, Knot pulls IXFR with TSIG). Reference: `knotc zone-commit` of the same change on a Knot
   primary to the same Knot secondary answering it. Median and worst of --changes (default 100), alternating.
2. IXFR size: one A record's address changed in the 100,000-record zone of gen-zone.py on a Knot primary;
   DnsHost (its secondary) and Knot are each asked `kdig IXFR=<old serial>`; octets and messages.
3. Primary change to DnsHost as a secondary: `knotc zone-commit` of a one-record addition to the
   100,000-record zone until DnsHost (a secondary of that Knot) answers it, beside a Knot secondary of the same
   primary answering it after the same commit. Median and worst of --big-changes (default 20).

4. AXFR of the --axfr-records (default 1,000,000) record zone of gen-zone.py, TSIG-signed, `kdig +noall +stats` as
   the client, from DnsHost serving it from a zone file and from Knot serving the same file, alternating, --axfr-runs
   (default 3) each after one warm-up transfer; the server's CPU time during each (/proc/PID/stat: the wall time is
   mostly kdig's and the machine's); the server's peak resident memory during the transfer (VmHWM from /proc/PID/status, reset
   through /proc/PID/clear_refs just before) beside its resident memory before it.

--before DIR: a published DnsHost of an earlier commit (`dotnet publish -c Release -o DIR src/DnsHost` of a
`git archive` copy), measured beside this one in the same run for figures 1 and 4 (a third column, alternating).

Servers: DnsHost and the Knot primary on core 0, the Knot secondary and this script on core 1.
Usage: benchmarks/load/transfer-figures.py [--changes N] [--big-changes N] [--records N] [--axfr-records N] [--axfr-runs N]
       [--before DIR]
"""
import argparse
import base64
import os
import random
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
SECRET = base64.b64encode(os.urandom(32)).decode()
KEY = f"hmac-sha256:xfr:{SECRET}"


def free_port():
    while True:
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.bind(("127.0.0.1", 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            u.close()
            t.close()


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def query(port, name, qtype, timeout=0.05):
    """(rcode, answer count, raw reply) of one UDP query, or None when no reply came in time."""
    qid = random.randrange(65536)
    message = struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0) + encode_name(name) + struct.pack(">HH", qtype, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(message, ("127.0.0.1", port))
        while True:
            reply, _ = s.recvfrom(4096)
            if len(reply) >= 12 and struct.unpack(">H", reply[:2])[0] == qid:
                return reply[3] & 0x0F, struct.unpack(">H", reply[6:8])[0], reply
    except socket.timeout:
        return None
    finally:
        s.close()


def wait_for(port, name, qtype, data=None, limit=120.0):
    """Polls until the server answers NOERROR with an answer (holding `data` if given); returns the monotonic time."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        r = query(port, name, qtype)
        if r and r[0] == 0 and r[1] > 0 and (data is None or data in r[2]):
            return time.monotonic()
        time.sleep(0.001)
    raise TimeoutError(f"{name} type {qtype} not answered on port {port} within {limit} s")


def soa_serial(port, zone):
    r = query(port, zone, 6, timeout=1)
    reply = r[2]
    # The last 20 octets of the only answer's RDATA are SERIAL REFRESH RETRY EXPIRE MINIMUM.
    end = len(reply)
    return struct.unpack(">I", reply[end - 20:end - 16])[0]


def knotc(conf, *args):
    subprocess.run(["knotc", "-c", conf, *args], check=True, stdout=subprocess.DEVNULL)


def kdig_stats(port, zone, what):
    out = subprocess.run(["kdig", "@127.0.0.1", "-p", str(port), "-y", KEY, zone, what, "+noall", "+stats"],
                         check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        if "Received" in line:
            return line.strip(";; ").strip()
    return out.strip()


def proc_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def cpu_seconds(pid):
    """User plus system CPU time the process has used (/proc/PID/stat, fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_axfr(port, zone, pid):
    """(seconds, kdig's Received line, resident MB before, peak resident MB during, server CPU seconds) of one signed AXFR."""
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")  # resets VmHWM to the current resident size (Linux 4.0+)
    rss = proc_kb(pid, "VmRSS")
    cpu = cpu_seconds(pid)
    start = time.monotonic()
    stats = kdig_stats(port, zone, "AXFR")
    took = time.monotonic() - start
    return took, stats, rss / 1024, proc_kb(pid, "VmHWM") / 1024, cpu_seconds(pid) - cpu


def start_dnshost(binary, tmp, name, args, log):
    return subprocess.Popen(["taskset", "-c", "0", binary, "serve", "--zones", f"{tmp}/{name}-zones", "--address", "127.0.0.1",
                             "--data", f"{tmp}/{name}-data/api.db", f"--Tsig:Keys:0={KEY}", "--Logging:LogLevel:Default=Warning", *args],
                            stdout=log(name), stderr=subprocess.STDOUT)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--big-changes", type=int, default=20)
    parser.add_argument("--records", type=int, default=100000)
    parser.add_argument("--axfr-records", type=int, default=1000000)
    parser.add_argument("--axfr-runs", type=int, default=3)
    parser.add_argument("--before", help="folder of a published DnsHost of an earlier commit, measured beside this one")
    parser.add_argument("--published", help="folder of this commit's DnsHost, already published Release (default: publish it now)")
    parser.add_argument("--only", default="1234", help="which figures to measure (default 1234)")
    args = parser.parse_args()
    import botocore.session

    tmp = tempfile.mkdtemp(prefix="dnshost-transfer-figures-")
    procs = []
    try:
        subprocess.run([sys.executable, os.path.join(HERE, "gen-zone.py"), "--out", f"{tmp}/gen", "--records", str(args.records),
                        "--queries", "10"], check=True, stdout=subprocess.DEVNULL)
        os.makedirs(f"{tmp}/zones")
        os.makedirs(f"{tmp}/kp")
        os.makedirs(f"{tmp}/ks")
        with open(f"{tmp}/kp/ref.test.zone", "w") as f:
            f.write("$TTL 300\n@ SOA ns hostmaster 1 7200 900 1209600 60\n@ NS ns\nns A 192.0.2.1\n")
        shutil.copy(f"{tmp}/gen/load.test.zone", f"{tmp}/kp/load.test.zone")
        if args.published:
            shutil.copytree(args.published, f"{tmp}/dnshost")
        else:
            subprocess.run(["dotnet", "publish", "-c", "Release", "-o", f"{tmp}/dnshost", f"{REPO}/src/DnsHost", "-v", "q"], check=True,
                           stdout=subprocess.DEVNULL)
        kp, ks, dns, api, dns0, api0 = free_port(), free_port(), free_port(), free_port(), free_port(), free_port()
        key_conf = f"key:\n  - id: xfr\n    algorithm: hmac-sha256\n    secret: {SECRET}\n"
        head = lambda d, p: (f"server:\n    rundir: {d}\n    listen: 127.0.0.1@{p}\n    background-workers: 1\n"
                             f"database:\n    storage: {d}\n{key_conf}log:\n  - target: stderr\n    any: warning\n")
        with open(f"{tmp}/kp/knot.conf", "w") as f:
            f.write(head(f"{tmp}/kp", kp) + f"""remote:
  - id: ks
    address: 127.0.0.1@{ks}
    key: xfr
  - id: dnshost
    address: 127.0.0.1@{dns}
    key: xfr
acl:
  - id: transfer
    address: 127.0.0.0/8
    key: xfr
    action: transfer
template:
  - id: default
    storage: {tmp}/kp
    zonefile-sync: -1
    journal-content: changes
    semantic-checks: off
    acl: transfer
zone:
  - domain: ref.test
    notify: ks
  - domain: load.test
    notify: [ks, dnshost]
""")
        with open(f"{tmp}/ks/knot.conf", "w") as f:
            f.write(head(f"{tmp}/ks", ks) + f"""remote:
  - id: kp
    address: 127.0.0.1@{kp}
    key: xfr
  - id: dnshost
    address: 127.0.0.1@{dns}
    key: xfr
  - id: before
    address: 127.0.0.1@{dns0}
    key: xfr
acl:
  - id: notify
    address: 127.0.0.0/8
    key: xfr
    action: notify
template:
  - id: default
    storage: {tmp}/ks
    zonefile-sync: -1
    zonefile-load: none
    journal-content: changes
    semantic-checks: off
    acl: notify
zone:
  - domain: ref.test
    master: kp
  - domain: load.test
    master: kp
  - domain: lat.test
    master: dnshost
""" + (f"""  - domain: lat0.test
    master: before
""" if args.before else ""))
        log = lambda name: open(f"{tmp}/{name}.log", "w")
        procs.append(subprocess.Popen(["taskset", "-c", "0", "knotd", "-c", f"{tmp}/kp/knot.conf"], stdout=log("kp"), stderr=subprocess.STDOUT))
        wait_for(kp, "load.test", 6)
        procs.append(subprocess.Popen(["taskset", "-c", "0", f"{tmp}/dnshost/dnshost", "serve", "--zones", f"{tmp}/zones", "--address", "127.0.0.1",
                                       "--port", str(dns), "--api", f"127.0.0.1:{api}", "--data", f"{tmp}/data/api.db",
                                       f"--Tsig:Keys:0={KEY}", "--Transfers:Zones:0:Name=lat.test",
                                       "--Transfers:Zones:0:Allow:0=127.0.0.0/8 key:xfr", f"--Transfers:Zones:0:Notify:0=127.0.0.1:{ks} key:xfr",
                                       "--Transfers:Secondary:Zones:0:Name=load.test", f"--Transfers:Secondary:Zones:0:Primaries:0=127.0.0.1@{kp}",
                                       "--Transfers:Secondary:Zones:0:TsigKey=xfr", "--Logging:LogLevel:Default=Warning"],
                                      stdout=log("dnshost"), stderr=subprocess.STDOUT))
        wait_for(dns, "load.test", 6)
        session = botocore.session.get_session()
        client = lambda port: session.create_client("route53", region_name="us-east-1", endpoint_url=f"http://127.0.0.1:{port}",
                                                    aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        route53 = client(api)
        zone_id = route53.create_hosted_zone(Name="lat.test", CallerReference=str(time.time()))["HostedZone"]["Id"]
        if args.before:
            os.makedirs(f"{tmp}/before-zones")
            procs.append(start_dnshost(f"{args.before}/dnshost", tmp, "before", ["--port", str(dns0), "--api", f"127.0.0.1:{api0}",
                                       "--Transfers:Zones:0:Name=lat0.test", "--Transfers:Zones:0:Allow:0=127.0.0.0/8 key:xfr",
                                       f"--Transfers:Zones:0:Notify:0=127.0.0.1:{ks} key:xfr"], log))
            for _ in range(600):
                try:
                    route53_0 = client(api0)
                    zone_id_0 = route53_0.create_hosted_zone(Name="lat0.test", CallerReference=str(time.time()))["HostedZone"]["Id"]
                    break
                except Exception:
                    time.sleep(0.1)
            wait_for(dns0, "lat0.test", 6)
        procs.append(subprocess.Popen(["taskset", "-c", "1", "knotd", "-c", f"{tmp}/ks/knot.conf"], stdout=log("ks"), stderr=subprocess.STDOUT))
        for zone in ("ref.test", "load.test", "lat.test") + (("lat0.test",) if args.before else ()):
            wait_for(ks, zone, 6)
        os.sched_setaffinity(0, {1})
        print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, Knot {subprocess.run(['knotd', '--version'], capture_output=True, text=True).stdout.split()[-1]}, "
              f"{os.cpu_count()} cores, DnsHost and the Knot primary on core 0, the Knot secondary and this script on core 1")

        # 1. API change batch -> Knot secondary of DnsHost, beside knotc commit -> Knot secondary of Knot.
        ours, theirs, before = [], [], []
        for i in range(args.changes if "1" in args.only else 0):
            value = f"v{i}-{random.randrange(10**9)}"
            if args.before:
                start = time.monotonic()
                route53_0.change_resource_record_sets(HostedZoneId=zone_id_0, ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
                    "Name": "t.lat0.test", "Type": "TXT", "TTL": 60, "ResourceRecords": [{"Value": f'"{value}"'}]}}]})
                before.append(wait_for(ks, "t.lat0.test", 16, value.encode()) - start)
            start = time.monotonic()
            route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
                "Name": "t.lat.test", "Type": "TXT", "TTL": 60, "ResourceRecords": [{"Value": f'"{value}"'}]}}]})
            ours.append(wait_for(ks, "t.lat.test", 16, value.encode()) - start)
            knotc(f"{tmp}/kp/knot.conf", "zone-begin", "ref.test")
            if i > 0:  # replace the TXT set, as the UPSERT does
                knotc(f"{tmp}/kp/knot.conf", "zone-unset", "ref.test", "t", "TXT")
            knotc(f"{tmp}/kp/knot.conf", "zone-set", "ref.test", "t", "60", "TXT", value)
            start = time.monotonic()
            knotc(f"{tmp}/kp/knot.conf", "zone-commit", "ref.test")
            theirs.append(wait_for(ks, "t.ref.test", 16, value.encode()) - start)
        if ours:
            med_o, med_t = statistics.median(ours), statistics.median(theirs)
            print(f"1. change to a Knot secondary answering it, {args.changes} changes:")
            print(f"   DnsHost (API ChangeResourceRecordSets -> NOTIFY -> IXFR): median {med_o*1000:.1f} ms, worst {max(ours)*1000:.1f} ms")
            if before:
                print(f"   DnsHost before ({args.before}):  median {statistics.median(before)*1000:.1f} ms, worst {max(before)*1000:.1f} ms")
            print(f"   Knot (knotc zone-commit -> NOTIFY -> IXFR):             median {med_t*1000:.1f} ms, worst {max(theirs)*1000:.1f} ms")
            print(f"   ratio DnsHost/Knot: median {med_o/med_t:.2f}, worst {max(ours)/max(theirs):.2f}")
            if before:
                med_b = statistics.median(before)
                print(f"   ratio DnsHost before/Knot: median {med_b/med_t:.2f}, worst {max(before)/max(theirs):.2f}; "
                      f"this/before: median {med_o/med_b:.2f}, worst {max(ours)/max(before):.2f}")

        # 3. Knot primary commit -> DnsHost as a secondary answering, beside a Knot secondary answering (same commit).
        ours, theirs = [], []
        for i in range(args.big_changes if "3" in args.only else 0):
            knotc(f"{tmp}/kp/knot.conf", "zone-begin", "load.test")
            knotc(f"{tmp}/kp/knot.conf", "zone-set", "load.test", f"bench{i}", "3600", "A", f"192.0.2.{i % 250 + 1}")
            start = time.monotonic()
            knotc(f"{tmp}/kp/knot.conf", "zone-commit", "load.test")
            pending = {"dnshost": dns, "knot": ks}
            done = {}
            while pending:
                for name, port in list(pending.items()):
                    r = query(port, f"bench{i}.load.test", 1)
                    if r and r[0] == 0 and r[1] > 0:
                        done[name] = time.monotonic() - start
                        del pending[name]
                if time.monotonic() - start > 120:
                    raise TimeoutError(f"bench{i} not answered by {list(pending)}")
                time.sleep(0.001)
            ours.append(done["dnshost"])
            theirs.append(done["knot"])
        if ours:
            med_o, med_t = statistics.median(ours), statistics.median(theirs)
            print(f"3. one-record addition to the {args.records}-record zone on a Knot primary, to its secondary answering it, {args.big_changes} changes:")
            print(f"   DnsHost as secondary: median {med_o*1000:.1f} ms, worst {max(ours)*1000:.1f} ms")
            print(f"   Knot as secondary:    median {med_t*1000:.1f} ms, worst {max(theirs)*1000:.1f} ms")
            print(f"   ratio DnsHost/Knot: median {med_o/med_t:.2f}, worst {max(ours)/max(theirs):.2f}")

        if "4" in args.only and args.axfr_records > 0:
            axfr(args, tmp, procs, log)
        if "2" not in args.only:
            return
        # 2. IXFR size of a one-record change (an A record's address) in the big zone, from DnsHost and from Knot.
        old = soa_serial(kp, "load.test")
        line = next(l for l in open(f"{tmp}/gen/load.test.zone") if "\tIN\tA\t" in l and not l.startswith(("ns", "@")) and "." not in l.split("\t")[0])
        owner, address = line.split("\t")[0], line.split("\t")[-1].strip()
        knotc(f"{tmp}/kp/knot.conf", "zone-begin", "load.test")
        knotc(f"{tmp}/kp/knot.conf", "zone-unset", "load.test", owner, "A", address)
        knotc(f"{tmp}/kp/knot.conf", "zone-set", "load.test", owner, "3600", "A", "198.51.100.77")
        knotc(f"{tmp}/kp/knot.conf", "zone-commit", "load.test")
        wait_for(dns, f"{owner}.load.test", 1, bytes([198, 51, 100, 77]))
        print(f"2. IXFR={old} after one A record's address changed in the {args.records}-record zone:")
        print(f"   DnsHost (secondary, from its journal): {kdig_stats(dns, 'load.test', f'IXFR={old}')}")
        print(f"   Knot (primary, from its journal):      {kdig_stats(kp, 'load.test', f'IXFR={old}')}")
        print(f"   AXFR of the same zone from DnsHost:    {kdig_stats(dns, 'load.test', 'AXFR')}")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        if os.environ.get("KEEP_TMP"):
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def axfr(args, tmp, procs, log):
    """Figure 4: AXFR time and peak memory for the big zone, DnsHost (and the --before build) against Knot, alternating."""
    subprocess.run([sys.executable, os.path.join(HERE, "gen-zone.py"), "--out", f"{tmp}/gen-axfr", "--records", str(args.axfr_records),
                    "--queries", "10"], check=True, stdout=subprocess.DEVNULL)
    servers = {}
    kb = free_port()
    os.makedirs(f"{tmp}/kb")
    with open(f"{tmp}/kb/knot.conf", "w") as f:
        f.write(f"""server:
    rundir: {tmp}/kb
    listen: 127.0.0.1@{kb}
    background-workers: 1
database:
    storage: {tmp}/kb
key:
  - id: xfr
    algorithm: hmac-sha256
    secret: {SECRET}
log:
  - target: stderr
    any: warning
acl:
  - id: transfer
    address: 127.0.0.0/8
    key: xfr
    action: transfer
template:
  - id: default
    storage: {tmp}/kb
    zonefile-sync: -1
    journal-content: none
    semantic-checks: off
    acl: transfer
zone:
  - domain: load.test
    file: {tmp}/gen-axfr/load.test.zone
""")
    knot = subprocess.Popen(["taskset", "-c", "0", "knotd", "-c", f"{tmp}/kb/knot.conf"], stdout=log("kb"), stderr=subprocess.STDOUT)
    procs.append(knot)
    servers["Knot"] = (kb, knot)
    builds = [("DnsHost", f"{tmp}/dnshost/dnshost")] + ([("DnsHost before", f"{args.before}/dnshost")] if args.before else [])
    for name, binary in builds:
        folder = name.replace(" ", "-").lower() + "-axfr"
        os.makedirs(f"{tmp}/{folder}-zones")
        shutil.copy(f"{tmp}/gen-axfr/load.test.zone", f"{tmp}/{folder}-zones/load.test.zone")
        port, http = free_port(), free_port()
        proc = start_dnshost(binary, tmp, folder, ["--port", str(port), "--api", f"127.0.0.1:{http}"], log)
        procs.append(proc)
        servers[name] = (port, proc)
    for name, (port, _) in servers.items():
        wait_for(port, "load.test", 6, limit=600)
    peaks = {name: proc_kb(proc.pid, "VmHWM") / 1024 for name, (_, proc) in servers.items()}
    for name, (port, _) in servers.items():
        kdig_stats(port, "load.test", "AXFR")  # warm-up (DnsHost's JIT), not counted
    results = {name: [] for name in servers}
    for _ in range(args.axfr_runs):
        for name, (port, proc) in servers.items():
            results[name].append(timed_axfr(port, "load.test", proc.pid))
    print(f"4. AXFR of the {args.axfr_records}-record zone (TSIG, kdig +noall +stats on core 1, servers on core 0), {args.axfr_runs} runs each, alternating:")
    for name, runs in results.items():
        times = ", ".join(f"{r[0]:.2f}" for r in runs)
        cpu = ", ".join(f"{r[4]:.2f}" for r in runs)
        memory = ", ".join(f"{r[2]:.0f} -> peak {r[3]:.0f} MB (+{r[3] - r[2]:.1f})" for r in runs)
        print(f"   {name:15} {times} s (median {statistics.median(r[0] for r in runs):.2f} s); {runs[0][1]}")
        print(f"   {'':15} server CPU during the transfer: {cpu} s (median {statistics.median(r[4] for r in runs):.2f} s)")
        print(f"   {'':15} resident before -> peak during: {memory}; peak since start (zone load): {peaks[name]:.0f} MB")
    knot_time = statistics.median(r[0] for r in results["Knot"])
    knot_cpu = statistics.median(r[4] for r in results["Knot"])
    for name in results:
        if name != "Knot":
            print(f"   ratio {name}/Knot (medians): time {statistics.median(r[0] for r in results[name]) / knot_time:.2f}, "
                  f"server CPU {statistics.median(r[4] for r in results[name]) / max(knot_cpu, 0.01):.2f}")
    for name, (_, proc) in servers.items():
        proc.terminate()
        proc.wait(timeout=30)
        procs.remove(proc)


if __name__ == "__main__":
    main()
