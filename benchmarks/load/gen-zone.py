#!/usr/bin/env python3
"""Generate the load-benchmark zone `load.test` and a dnsperf query file.

Deterministic for a given --seed (stdlib `random` with a fixed seed, no hash-order dependence),
so every run of the benchmark, and every server in a run, sees byte-identical inputs.

Writes into --out (default: current directory):
  load.test.zone   RFC 1035 master file: SOA, apex NS (+ addresses for the name servers), then
                   --records data records: mostly A, plus AAAA, MX, TXT, CNAME (targets in the
                   zone, a few two-link chains), SRV, and a few NS delegations with glue.
  queries.txt      dnsperf input, one "name type" per line: mostly hits of mixed types (direct
                   answers, CNAME chases, referrals into the delegations, a little NODATA) and
                   about --nxdomain-fraction names that do not exist.
  queries.meta.json  counts per kind of query and the expected rcode mix, used by run.sh as a
                   sanity check of what the servers answered.

Usage: gen-zone.py [--out DIR] [--records N] [--queries N] [--seed N] [--nxdomain-fraction F]
"""
import argparse
import json
import os
import random
import sys

ORIGIN = "load.test"
SERIAL = 2025010101

# Share of the data records by type; A takes whatever is left after the others and the delegations.
SHARES = {"AAAA": 0.12, "MX": 0.04, "TXT": 0.07, "CNAME": 0.05, "SRV": 0.03}
DELEGATIONS = 25  # each: 2 NS + 2 glue A + 1 glue AAAA = 5 records

SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "ba", "de", "fi", "go", "hu",
             "ja", "ke", "li", "mo", "nu", "pa", "qi", "ro", "su", "ta", "ul", "ve", "wi", "xo",
             "ya", "zu", "an", "el", "in", "or", "us", "ar", "en", "is", "on", "ur"]
DEPTS = ["eng", "ops", "corp", "dev", "qa", "prod", "stage", "eu", "us", "ap", "lab", "edge",
         "cdn", "api", "db", "mail", "vpn", "k8s", "mon", "log"]
SRV_SERVICES = ["_sip._tcp", "_sip._udp", "_xmpp-client._tcp", "_ldap._tcp", "_kerberos._udp",
                "_http._tcp", "_imaps._tcp", "_submission._tcp"]
TXT_WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
             "juliet", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo"]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=".", help="output directory (default: .)")
    p.add_argument("--records", type=int, default=100_000, help="data records (default 100000)")
    p.add_argument("--queries", type=int, default=200_000, help="query lines (default 200000)")
    p.add_argument("--seed", type=int, default=20251125, help="random seed (default 20251125)")
    p.add_argument("--nxdomain-fraction", type=float, default=0.10,
                   help="share of queries for names that do not exist (default 0.10)")
    a = p.parse_args()
    if a.records < 2000:
        p.error("--records must be at least 2000")
    if a.queries < 1:
        p.error("--queries must be positive")
    if not 0.0 <= a.nxdomain_fraction < 1.0:
        p.error("--nxdomain-fraction must be in [0, 1)")
    return a


class Zone:
    def __init__(self, rng):
        self.rng = rng
        self.used = set()     # every owner name (relative), plus the reserved labels
        self.rrs = []         # (owner, ttl or None, type, rdata) in file order
        self.types = {}       # owner -> set of types at that owner
        self.counts = {}      # type -> number of data records

    def word(self, lo=2, hi=4):
        return "".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(lo, hi)))

    def new_name(self, prefix=""):
        """A fresh relative owner name: one label, or one label under a department (whose name is
        then an empty non-terminal). Never starts with 'nx' (reserved for NXDOMAIN queries) and
        never collides with a delegation."""
        while True:
            label = prefix + self.word() + str(self.rng.randint(0, 999))
            if label.startswith("nx"):
                continue
            name = label if self.rng.random() < 0.7 else f"{label}.{self.rng.choice(DEPTS)}"
            if name not in self.used:
                self.used.add(name)
                return name

    def add(self, owner, ttl, rtype, rdata, data=True):
        self.rrs.append((owner, ttl, rtype, rdata))
        self.types.setdefault(owner, set()).add(rtype)
        if data:
            self.counts[rtype] = self.counts.get(rtype, 0) + 1

    def ipv4(self, i):
        # 10.0.0.0/8, unique per i (i < 2^24)
        return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"

    def ipv6(self, i):
        return f"2001:db8:{(i >> 16) & 0xffff:x}:{i & 0xffff:x}::{self.rng.randint(1, 0xffff):x}"


def build_zone(rng, n_records):
    z = Zone(rng)
    z.used.update(DEPTS)           # department labels are empty non-terminals, never owners
    z.used.update({"ns1", "ns2"})

    # Apex (not counted in n_records).
    z.add("@", None, "SOA", f"ns1.{ORIGIN}. hostmaster.{ORIGIN}. {SERIAL} 7200 3600 1209600 300",
          data=False)
    z.add("@", None, "NS", "ns1", data=False)
    z.add("@", None, "NS", "ns2", data=False)
    z.add("ns1", None, "A", "127.0.0.1", data=False)
    z.add("ns2", None, "A", "127.0.0.2", data=False)

    budget = n_records
    targets = {t: int(n_records * s) for t, s in SHARES.items()}
    addr = 1

    # Delegations with in-bailiwick glue.
    delegations = []
    for i in range(DELEGATIONS):
        d = f"del{i}"
        z.used.add(d)
        delegations.append(d)
        z.add(d, None, "NS", f"ns1.{d}")
        z.add(d, None, "NS", f"ns2.{d}")
        z.add(f"ns1.{d}", None, "A", z.ipv4(addr)); addr += 1
        z.add(f"ns2.{d}", None, "A", z.ipv4(addr)); addr += 1
        z.add(f"ns1.{d}", None, "AAAA", z.ipv6(addr)); addr += 1
        budget -= 5

    # Address hosts: enough A records that the rest of the budget is filled exactly. A host has
    # one or two A records; some also carry AAAA. A few AAAA-only hosts.
    n_a = budget - sum(targets.values())
    hosts = []        # owners with A (CNAME / MX / SRV targets)
    a_left = n_a
    while a_left > 0:
        h = z.new_name()
        k = 2 if (a_left >= 2 and rng.random() < 0.1) else 1
        ttl = rng.choice([None, None, None, 300, 60])  # one TTL per RRset
        for _ in range(k):
            z.add(h, ttl, "A", z.ipv4(addr))
            addr += 1
        a_left -= k
        hosts.append(h)

    aaaa_left = targets["AAAA"]
    dual = rng.sample(hosts, min(len(hosts), int(aaaa_left * 0.8)))
    for h in dual:
        z.add(h, None, "AAAA", z.ipv6(addr)); addr += 1
        aaaa_left -= 1
    while aaaa_left > 0:
        h = z.new_name("v6")
        z.add(h, None, "AAAA", z.ipv6(addr)); addr += 1
        aaaa_left -= 1

    # MX: on some hosts and on dedicated mail-domain names, exchanges are in-zone hosts.
    mx_left = targets["MX"]
    mx_owners = []
    while mx_left > 0:
        owner = rng.choice(hosts) if rng.random() < 0.5 else z.new_name("m")
        if "MX" in z.types.get(owner, ()):
            continue
        k = min(mx_left, rng.choice([1, 2, 2, 3]))
        for j in range(k):
            z.add(owner, None, "MX", f"{10 * (j + 1)} {rng.choice(hosts)}")
        mx_left -= k
        mx_owners.append(owner)

    # TXT: SPF-ish on hosts, verification tokens on dedicated names, some multi-string.
    txt_left = targets["TXT"]
    txt_owners = []
    while txt_left > 0:
        r = rng.random()
        if r < 0.4:
            owner = rng.choice(hosts)
            if "TXT" in z.types.get(owner, ()):
                continue
            rdata = '"v=spf1 ip4:10.0.0.0/8 -all"'
        elif r < 0.8:
            owner = z.new_name("t")
            rdata = f'"site-verification={rng.getrandbits(128):032x}"'
        else:
            owner = z.new_name("t")
            words = " ".join(rng.choice(TXT_WORDS) for _ in range(rng.randint(2, 8)))
            rdata = f'"{words}" "id={rng.randint(0, 10**9)}"'
        z.add(owner, None, "TXT", rdata)
        txt_left -= 1
        txt_owners.append(owner)

    # SRV: _service._proto.<name>, 1-2 records, targets are in-zone hosts.
    srv_left = targets["SRV"]
    srv_owners = []
    while srv_left > 0:
        owner = f"{rng.choice(SRV_SERVICES)}.{z.new_name('s')}"
        k = min(srv_left, rng.choice([1, 2]))
        for j in range(k):
            z.add(owner, None, "SRV",
                  f"{10 * (j + 1)} {rng.randint(0, 100)} {rng.randint(1024, 65535)} {rng.choice(hosts)}")
        srv_left -= k
        srv_owners.append(owner)

    # CNAME: dedicated owners pointing at hosts; ~5% point at an earlier CNAME (a chain of two).
    cname_owners = []
    for _ in range(targets["CNAME"]):
        owner = z.new_name("c")
        if cname_owners and rng.random() < 0.05:
            target = rng.choice(cname_owners)
        else:
            target = rng.choice(hosts)
        z.add(owner, None, "CNAME", target)
        cname_owners.append(owner)

    data = sum(z.counts.values())
    assert data == n_records, (data, n_records)
    return z, {"hosts": hosts, "mx": mx_owners, "txt": txt_owners, "srv": srv_owners,
               "cname": cname_owners, "delegations": delegations}


def fq(rel):
    return ORIGIN if rel == "@" else f"{rel}.{ORIGIN}"


def write_zone(z, path):
    with open(path, "w", encoding="ascii", newline="\n") as f:
        f.write(f"; Generated by benchmarks/load/gen-zone.py; do not edit.\n")
        f.write(f"; {sum(z.counts.values())} data records: "
                + ", ".join(f"{t} {n}" for t, n in sorted(z.counts.items())) + "\n")
        f.write(f"$ORIGIN {ORIGIN}.\n$TTL 3600\n")
        for owner, ttl, rtype, rdata in z.rrs:
            t = f"{ttl} " if ttl is not None else ""
            f.write(f"{owner}\t{t}IN\t{rtype}\t{rdata}\n")


def build_queries(rng, z, sets, n, nx_fraction):
    kinds = {}
    out = []

    def q(name, qtype, kind):
        out.append(f"{name} {qtype}")
        kinds[kind] = kinds.get(kind, 0) + 1

    hosts, deleg = sets["hosts"], sets["delegations"]
    aaaa_owners = [o for o, ts in z.types.items() if "AAAA" in ts and o != "@"]
    a_only = [h for h in hosts if z.types[h] == {"A"}]
    n_nx = round(n * nx_fraction)
    n_hit = n - n_nx
    # Hit mix (fractions of the non-NXDOMAIN queries).
    mix = [("A", 0.55), ("AAAA", 0.13), ("MX", 0.06), ("TXT", 0.06), ("CNAME-chase", 0.08),
           ("SRV", 0.04), ("CNAME", 0.01), ("referral", 0.03), ("NODATA", 0.02), ("apex", 0.02)]
    # Deterministic apportionment, then the rest to A.
    plan = {k: int(n_hit * f) for k, f in mix}
    plan["A"] += n_hit - sum(plan.values())
    for kind, count in plan.items():
        for _ in range(count):
            if kind == "A":
                q(fq(rng.choice(hosts)), "A", kind)
            elif kind == "AAAA":
                q(fq(rng.choice(aaaa_owners)), "AAAA", kind)
            elif kind == "MX":
                q(fq(rng.choice(sets["mx"])), "MX", kind)
            elif kind == "TXT":
                q(fq(rng.choice(sets["txt"])), "TXT", kind)
            elif kind == "SRV":
                q(fq(rng.choice(sets["srv"])), "SRV", kind)
            elif kind == "CNAME-chase":
                q(fq(rng.choice(sets["cname"])), rng.choice(["A", "A", "A", "AAAA"]), kind)
            elif kind == "CNAME":
                q(fq(rng.choice(sets["cname"])), "CNAME", kind)
            elif kind == "referral":
                d = rng.choice(deleg)
                q(fq(f"{rng.choice(['www', 'mail', 'api', 'x' + str(rng.randint(0, 99))])}.{d}"),
                  rng.choice(["A", "AAAA", "MX"]), kind)
            elif kind == "NODATA":
                q(fq(rng.choice(a_only)), rng.choice(["MX", "SRV", "AAAA"]), kind)
            elif kind == "apex":
                q(ORIGIN, rng.choice(["SOA", "NS", "NS", "SOA"]), kind)
    # NXDOMAIN: unused 'nx' labels at the apex or under existing non-delegated names (hosts,
    # CNAME owners, department empty non-terminals). Nothing is a wildcard, so all are NXDOMAIN.
    parents = hosts + sets["cname"] + DEPTS
    for _ in range(n_nx):
        label = f"nx{rng.getrandbits(40):010x}"
        if rng.random() < 0.7:
            name = fq(label)
        else:
            name = fq(f"{label}.{rng.choice(parents)}")
        q(name, rng.choice(["A", "A", "A", "AAAA", "MX", "TXT"]), "NXDOMAIN")
    rng.shuffle(out)
    return out, kinds


def main():
    a = parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    z, sets = build_zone(rng, a.records)
    zone_path = os.path.join(a.out, f"{ORIGIN}.zone")
    write_zone(z, zone_path)

    qrng = random.Random(a.seed + 1)
    queries, kinds = build_queries(qrng, z, sets, a.queries, a.nxdomain_fraction)
    with open(os.path.join(a.out, "queries.txt"), "w", encoding="ascii", newline="\n") as f:
        f.write("\n".join(queries) + "\n")

    meta = {
        "origin": ORIGIN,
        "serial": SERIAL,
        "seed": a.seed,
        "data_records": sum(z.counts.values()),
        "records_by_type": dict(sorted(z.counts.items())),
        "owner_names": len(z.types),
        "queries": len(queries),
        "queries_by_kind": dict(sorted(kinds.items())),
        # Every non-NXDOMAIN query is answered NOERROR (answer, referral or NODATA).
        "expected_rcodes": {"NOERROR": (len(queries) - kinds.get("NXDOMAIN", 0)) / len(queries),
                            "NXDOMAIN": kinds.get("NXDOMAIN", 0) / len(queries)},
    }
    with open(os.path.join(a.out, "queries.meta.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print(f"gen-zone: {zone_path}: {meta['data_records']} records "
          f"({', '.join(f'{t} {n}' for t, n in meta['records_by_type'].items())}), "
          f"{meta['owner_names']} names; {len(queries)} queries "
          f"({100 * meta['expected_rcodes']['NXDOMAIN']:.1f}% NXDOMAIN)", file=sys.stderr)


if __name__ == "__main__":
    main()
