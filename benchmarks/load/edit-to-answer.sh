#!/usr/bin/env bash
# How long a one-record edit of a big zone file takes to be answered: start DnsHost on a
# gen-zone.py zone, append one record (and bump the serial), and poll dig until the new record
# answers. The file is watched (Zones:Watch), so this is the debounce (250 ms) plus the reload.
# Usage: DNSHOST_DLL=path/dnshost.dll benchmarks/load/edit-to-answer.sh [RECORDS] [EDITS]
set -euo pipefail
records=${1:-1000000}
edits=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
python3 "$here/gen-zone.py" --records "$records" --queries 10 --out "$tmp/gen" >/dev/null
mkdir -p "$tmp/zones"
cp "$tmp/gen/load.test.zone" "$tmp/zones/"
port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
api=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
taskset -c 0 dotnet "${DNSHOST_DLL:?set DNSHOST_DLL}" serve --zones "$tmp/zones" --address 127.0.0.1 --port "$port" \
    --api 127.0.0.1:$api --data "$tmp/dnshost.db" >"$tmp/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
    dig +short +tries=1 +time=1 @127.0.0.1 -p "$port" load.test SOA | grep -q . && break
    sleep 0.1
done
serial=2025010101
for i in $(seq 1 "$edits"); do
    serial=$((serial + 1))
    sed -i "0,/2025010[0-9]*/s//$serial/" "$tmp/zones/load.test.zone"
    start=$(date +%s.%N)
    echo "edit$i 300 IN A 192.0.2.$i" >> "$tmp/zones/load.test.zone"
    until [ "$(dig +short +tries=1 +time=1 @127.0.0.1 -p "$port" "edit$i.load.test" A)" = "192.0.2.$i" ]; do sleep 0.01; done
    end=$(date +%s.%N)
    printf 'edit %d: %.2f s from the write to the answer (%s records)\n' "$i" "$(echo "$end - $start" | bc)" "$records"
done
