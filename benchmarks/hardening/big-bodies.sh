#!/usr/bin/env bash
# Issue 16: memory of the HTTP endpoint under N concurrent 30 MB bodies (unsigned Route 53 change
# batches and operations overrides), as PSS before, at the peak while they run, and after.
# Usage: big-bodies.sh DNSHOST_DLL [CONCURRENT=24] [MB=30]
# Talks only to 127.0.0.1; the server is pinned to CPU 0 and the clients to CPU 1.
set -euo pipefail
dll=$1; n=${2:-24}; mb=${3:-30}
work=$(mktemp -d); trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
api=$(free_port); dns=$(free_port)
mkdir -p "$work/zones"
taskset -c 0 dotnet "$dll" serve --zones "$work/zones" --address 127.0.0.1 --port "$dns" --api "127.0.0.1:$api" \
    --data "$work/api.db" --Logging:LogLevel:Default=Warning > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -s "http://127.0.0.1:$api/healthz" > /dev/null && break; sleep 0.2; done
pss() { awk '/^Pss:/ {print int($2/1024)}' "/proc/$server/smaps_rollup"; }
head -c $((mb << 20)) /dev/zero > "$work/body"
before=$(pss); peak=$before
for i in $(seq "$n"); do
    if (( i % 2 )); then url="http://127.0.0.1:$api/2013-04-01/hostedzone/Z1/rrset/"; method=POST
    else url="http://127.0.0.1:$api/dnshost/health-checks/hc/override"; method=PUT; fi
    taskset -c 1 curl -s -o /dev/null -w '%{http_code}\n' -X "$method" -H 'Content-Type: text/xml' --data-binary "@$work/body" "$url" >> "$work/codes" 2>/dev/null &
done
start=$(date +%s.%N)
while jobs -r | grep -q curl; do p=$(pss); (( p > peak )) && peak=$p; sleep 0.1; done
end=$(date +%s.%N)
sleep 2
after=$(pss)
echo "concurrent=$n body=${mb}MB pss_before_mb=$before pss_peak_mb=$peak pss_after_mb=$after seconds=$(echo "$end - $start" | bc) codes=$(sort "$work/codes" | uniq -c | tr -s ' \n' ' ')"
