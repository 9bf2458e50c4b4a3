#!/usr/bin/env bash
# DNSSEC online signing under load: DnsHost signing load.test (100,000 records) per answer against
# Knot serving the same zone with automatic signing (signatures made once at load), queries with
# DO set. Servers on core 0, dnsperf on core 1, alternating rounds; prints queries per second and
# per server CPU-second. Talks to 127.0.0.1 only.
#
# Usage: benchmarks/load/dnssec-sign.sh [--duration SECONDS] [--rounds N] [--nxdomain-fraction F] [--baseline DIR] [--dnshost DIR]
#   --dnshost DIR: the DnsHost build to measure (a `dotnet publish` output folder); default: publish this tree.
#   --baseline DIR: also measure another DnsHost build (a `dotnet publish` output folder, e.g. of main) in the
#   same rounds, for a before/after comparison on the same noisy machine (all three servers stay up; only
#   the one measured is loaded).
set -euo pipefail
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$script_dir/../.." && pwd)
duration=10 rounds=2 nx=0.1 baseline= build=
while [ $# -gt 0 ]; do
    case $1 in
        --duration) duration=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --nxdomain-fraction) nx=$2; shift 2 ;;
        --baseline) baseline=$(cd "$2" && pwd); shift 2 ;;
        --dnshost) build=$(cd "$2" && pwd); shift 2 ;;
        *) echo "dnssec-sign.sh: unknown option $1" >&2; exit 64 ;;
    esac
done
tmp=$(mktemp -d)
trap 'pkill -P $$ 2>/dev/null || true; [ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
mkdir -p "$tmp/zones" "$tmp/knot" "$tmp/gen"
python3 "$script_dir/gen-zone.py" --out "$tmp/gen" --records 100000 --queries 50000 --nxdomain-fraction "$nx" >/dev/null
cp "$tmp/gen/load.test.zone" "$tmp/zones/"
zone=$tmp/zones/load.test.zone queries=$tmp/gen/queries.txt
if [ -n "$build" ]; then ln -s "$build" "$tmp/dnshost"; else dotnet publish -c Release -o "$tmp/dnshost" "$repo/src/DnsHost" -v q >/dev/null; fi
port() { python3 -c 'import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
ticks() { awk '{print $14+$15}' /proc/$1/stat; }
hz=$(getconf CLK_TCK)
wait_dns() { for _ in $(seq 1 600); do kdig @127.0.0.1 -p "$1" load.test SOA +dnssec +time=1 +retry=0 2>/dev/null | grep -q RRSIG && return 0; sleep 0.5; done; echo "no signed answer on $1" >&2; return 1; }
measure() { # name pid port
    # Warm: every query of the file once (DnsHost signs each RRset once, then serves it from its caches), then 3 s more.
    [ -e "$tmp/warm.$2" ] || { dnsperf -s 127.0.0.1 -p "$3" -d "$queries" -n 1 -D -c 20 >/dev/null 2>&1 || true; touch "$tmp/warm.$2"; }
    dnsperf -s 127.0.0.1 -p "$3" -d "$queries" -l 3 -D -c 20 >/dev/null 2>&1 || true
    local t0; t0=$(ticks "$2")
    local out; out=$(taskset -c 1 dnsperf -s 127.0.0.1 -p "$3" -d "$queries" -l "$duration" -D -c 20 -q 200 2>&1)
    local t1; t1=$(ticks "$2")
    local qps; qps=$(echo "$out" | awk '/Queries per second/ {print $4}')
    local done; done=$(echo "$out" | awk '/Queries completed/ {print $3}')
    local cpu; cpu=$(python3 -c "print(($t1-$t0)/$hz)")
    python3 -c "import sys; n, q, d, c = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]); print(f'{n}: {q:.0f} q/s, {d / max(c, 0.001):.0f} q per CPU-second ({c:.1f} CPU-s)')" "$1" "$qps" "$done" "$cpu"
}
kport=$(port)
cat > "$tmp/knot/knot.conf" <<CONF
server:
    listen: 127.0.0.1@$kport
    rundir: $tmp/knot
    background-workers: 1
    udp-workers: 1
    tcp-workers: 1
database:
    storage: $tmp/knot
policy:
  - id: ecdsa
    algorithm: ecdsap256sha256
    single-type-signing: on
    nsec3: off
zone:
  - domain: load.test
    file: $zone
    dnssec-signing: on
    dnssec-policy: ecdsa
    zonefile-sync: -1
    journal-content: none
CONF
taskset -c 0 knotd -c "$tmp/knot/knot.conf" >"$tmp/knot.log" 2>&1 &
knot=$!
kek=$(head -c 32 /dev/urandom | base64)
start_dnshost() { # publish-dir name; sets started_pid and started_port
    started_port=$(port)
    mkdir -p "$tmp/$2"
    DNSHOST_Dnssec__KeyEncryptionKey=$kek taskset -c 0 "$1/dnshost" serve --zones "$tmp/zones" --port "$started_port" \
        --api 127.0.0.1:0 --data "$tmp/$2/api.db" --Dnssec:SignedZones:0=load.test --Dnssec:KeyDirectory="$tmp/$2/keys" \
        --Logging:LogLevel:Default=Warning >"$tmp/$2.log" 2>&1 &
    started_pid=$!
}
start_dnshost "$tmp/dnshost" dnshost; dnshost=$started_pid dport=$started_port
wait_dns "$kport"; wait_dns "$dport"
if [ -n "$baseline" ]; then
    # Idle between its rounds, as the others are: only the server measured is busy on core 0.
    start_dnshost "$baseline" baseline; base=$started_pid bport=$started_port; wait_dns "$bport"
fi
for r in $(seq 1 "$rounds"); do
    measure "round $r knot    " "$knot" "$kport"
    measure "round $r dnshost " "$dnshost" "$dport"
    [ -z "$baseline" ] || measure "round $r baseline" "$base" "$bport"
done
