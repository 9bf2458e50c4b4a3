#!/usr/bin/env python3
"""Issue 23's figures for several DnsHost nodes on one PostgreSQL, all on loopback.

  1. propagation: an UPSERT through node 1's API, then the time until nodes 2 and 3 both answer the new
     address over UDP; median and worst of --changes changes;
  2. API change batches per second on one node, PostgreSQL against SQLite, same run (one client, in turn);
  3. catch-up: node 3 is frozen (SIGSTOP) while --missed changes go through node 1, then thawed; the time
     until it answers the last one.

Needs: a Release build (dotnet build -c Release src/DnsHost), postgresql, python3 with botocore (the AWS CLI's).
Usage: benchmarks/cluster/figures.py [--changes 1000] [--missed 10000] [--batches 500]
"""
import argparse, os, random, shutil, signal, socket, statistics, struct, subprocess, sys, tempfile, time
import botocore.session

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DLL = os.path.join(ROOT, "src/DnsHost/bin/Release/net10.0/dnshost.dll")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def query_a(port, name, qid=[0]):
    qid[0] = (qid[0] + 1) & 0xFFFF
    packet = struct.pack(">HHHHHH", qid[0], 0, 1, 0, 0, 0)
    packet += b"".join(bytes([len(l)]) + l.encode() for l in name.rstrip(".").split(".")) + b"\0" + struct.pack(">HH", 1, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(1)
        s.sendto(packet, ("127.0.0.1", port))
        try:
            data = s.recv(4096)
        except socket.timeout:
            return None
    ancount = struct.unpack(">H", data[6:8])[0]
    i = len(packet)  # the question is echoed as sent
    for _ in range(ancount):
        if data[i] & 0xC0 == 0xC0:
            i += 2
        else:
            while data[i]:
                i += data[i] + 1
            i += 1
        rtype, _, _, rdlen = struct.unpack(">HHIH", data[i:i + 10])
        i += 10
        if rtype == 1:
            return ".".join(str(b) for b in data[i:i + 4])
        i += rdlen
    return None


class Postgres:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="dnshost-pgbench-")
        shutil.chown(self.dir, "postgres")
        self.port = free_port()
        bin_dir = sorted(d for d in os.listdir("/usr/lib/postgresql"))[-1]
        self.bin = f"/usr/lib/postgresql/{bin_dir}/bin"
        self.run("initdb", "-D", f"{self.dir}/data", "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        # Durable settings, as a real store would run (synchronous_commit on, fsync on).
        self.proc = subprocess.Popen(["runuser", "-u", "postgres", "--", f"{self.bin}/postgres", "-D", f"{self.dir}/data", "-p", str(self.port),
                                      "-h", "127.0.0.1", "-k", self.dir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            if subprocess.run(["runuser", "-u", "postgres", "--", f"{self.bin}/pg_isready", "-h", "127.0.0.1", "-p", str(self.port)], capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "dnshost")
        self.connection = f"Host=127.0.0.1;Port={self.port};Database=dnshost;Username=postgres"

    def run(self, tool, *args):
        subprocess.run(["runuser", "-u", "postgres", "--", f"{self.bin}/{tool}", *args], check=True, capture_output=True)

    def stop(self):
        # runuser does not pass signals on: pg_ctl stops the postmaster itself.
        self.run("pg_ctl", "stop", "-D", f"{self.dir}/data", "-m", "fast")
        self.proc.wait(60)
        shutil.rmtree(self.dir, ignore_errors=True)


class Node:
    def __init__(self, name, zones, store_args, cpu):
        self.dns = free_port()
        self.api_port = free_port()
        self.data = tempfile.mkdtemp(prefix="dnshost-node-")
        args = ["taskset", "-c", cpu, "dotnet", DLL, "serve", "--zones", zones, "--address", "127.0.0.1", "--port", str(self.dns),
                "--api", f"127.0.0.1:{self.api_port}", "--data", f"{self.data}/api.db", "--HealthChecks:Enabled=false",
                f"--Cluster:NodeName={name}", "--Logging:LogLevel:Default=Warning", *store_args]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.api = f"http://127.0.0.1:{self.api_port}"
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", self.api_port), 0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"node {name} did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(60)
        shutil.rmtree(self.data, ignore_errors=True)


def client(node):
    session = botocore.session.get_session()
    return session.create_client("route53", endpoint_url=node.api, region_name="us-east-1",
                                 aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")


def upsert(r53, zone, name, address):
    r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
        "Name": name, "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": address}]}}]})


def address(i):
    return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--missed", type=int, default=10000)
    parser.add_argument("--batches", type=int, default=500)
    a = parser.parse_args()
    zones = tempfile.mkdtemp(prefix="dnshost-zones-")
    pg = Postgres()
    nodes = []
    try:
        store = ["--Api:Store=PostgreSql", f"--Api:ConnectionString={pg.connection}"]
        nodes = [Node(f"n{i + 1}", zones, store, "0") for i in range(3)]
        r53 = client(nodes[0])
        zone = r53.create_hosted_zone(Name="prop.test", CallerReference=str(random.random()))["HostedZone"]["Id"].split("/")[-1]
        name = "www.prop.test"
        # 1. propagation
        times = []
        for i in range(1, a.changes + 1):
            upsert(r53, zone, name, address(i))
            start = time.perf_counter()
            pending = {nodes[1].dns, nodes[2].dns}
            while pending:
                pending = {p for p in pending if query_a(p, name) != address(i)}
            times.append(time.perf_counter() - start)
        times.sort()
        print(f"propagation, API acknowledgement -> nodes 2 and 3 answer, {len(times)} changes: "
              f"median {statistics.median(times) * 1000:.1f} ms, p99 {times[int(len(times) * 0.99) - 1] * 1000:.1f} ms, worst {times[-1] * 1000:.1f} ms")

        # 3. catch-up after a freeze
        os.kill(nodes[2].proc.pid, signal.SIGSTOP)
        start = time.perf_counter()
        for i in range(a.missed):
            upsert(r53, zone, name, address(100000 + i))
        made = time.perf_counter() - start
        os.kill(nodes[2].proc.pid, signal.SIGCONT)
        start = time.perf_counter()
        last = address(100000 + a.missed - 1)
        while query_a(nodes[2].dns, name) != last:
            pass
        print(f"catch-up: node 3 frozen while {a.missed} changes went through node 1 ({made:.1f} s, {a.missed / made:.0f} batches/s); "
              f"answers the last one {(time.perf_counter() - start) * 1000:.0f} ms after it is thawed")
        for n in nodes:
            n.stop()
        nodes = []

        # 2. API batches per second, one node, PostgreSQL and SQLite in turn (two rounds each)
        for round_ in (1, 2):
            for kind, args in (("PostgreSQL", store), ("SQLite", [])):
                node = Node(f"b-{kind}", zones, args, "0")
                nodes = [node]
                r = client(node)
                z = r.create_hosted_zone(Name=f"rate{round_}.test", CallerReference=str(random.random()))["HostedZone"]["Id"].split("/")[-1]
                for i in range(20):
                    upsert(r, z, f"warm.rate{round_}.test", address(i))
                start = time.perf_counter()
                for i in range(a.batches):
                    upsert(r, z, f"n{i % 50}.rate{round_}.test", address(i))
                elapsed = time.perf_counter() - start
                print(f"round {round_}: {kind:10} {a.batches / elapsed:7.1f} change batches/s ({a.batches} UPSERTs, one client, server on core 0)")
                node.stop()
                nodes = []
    finally:
        for n in nodes:
            n.stop()
        pg.stop()
        shutil.rmtree(zones, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
