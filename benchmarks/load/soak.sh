#!/usr/bin/env bash
# Soak: DnsHost at half its measured maximum query rate for a long time, while zone files are
# reloaded, the Route 53 API changes record sets and a health check flips; memory, GC collections and
# answer latency are taken before and after. Server on core 0, dnsperf on core 1, all on 127.0.0.1.
#
# Usage: benchmarks/load/soak.sh [--minutes N] [--no-build]   (--no-build: DNSHOST_DLL=path/dnshost.dll)
# Prints one line per phase and a summary; writes soak-results.txt beside this script.
set -euo pipefail
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$script_dir/../.." && pwd)
minutes=60
build=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --minutes) minutes=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        *) echo "usage: soak.sh [--minutes N] [--no-build]" >&2; exit 2 ;;
    esac
done
for tool in dnsperf kdig curl aws taskset dotnet python3; do
    command -v "$tool" >/dev/null || { echo "soak.sh: needs $tool" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dnshost-soak.XXXXXX")
server_pid=""; load_pid=""
cleanup() {
    [[ -n $load_pid ]] && kill "$load_pid" 2>/dev/null; wait "$load_pid" 2>/dev/null || true
    [[ -n $server_pid ]] && kill -TERM "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true
    [[ ${KEEP_TMP:-0} == 1 ]] && echo "kept $tmp" >&2 || rm -rf "$tmp"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

if [[ $build == 1 ]]; then
    dotnet publish "$repo/src/DnsHost/DnsHost.csproj" -c Release -o "$tmp/pub" -nologo >"$tmp/publish.log" 2>&1 || { tail -20 "$tmp/publish.log"; exit 1; }
    dll="$tmp/pub/dnshost.dll"
else
    dll=${DNSHOST_DLL:?--no-build needs DNSHOST_DLL}
fi

mkdir -p "$tmp/zones"
cp "$repo/zones/example.test.zone" "$repo/zones/shop.test.json" "$tmp/zones/"
printf 'www.example.test A\nmail.example.test MX\nnope.example.test A\nwww.shop.test A\ndb.shop.test A\n' >"$tmp/queries.txt"
port=$(free_port); api_port=$(free_port)
taskset -c 0 dotnet "$dll" serve --zones "$tmp/zones" --address 127.0.0.1 --port "$port" --api "127.0.0.1:$api_port" \
    --data "$tmp/api.db" --Dns:UdpSocketsPerAddress=1 >"$tmp/server.log" 2>&1 &
server_pid=$!
api="http://127.0.0.1:$api_port"
for _ in $(seq 1 150); do kdig @127.0.0.1 -p "$port" +timeout=1 +retry=0 www.example.test A 2>/dev/null | grep -q NOERROR && break; sleep 0.2; done

metric() { curl -s "$api/metrics" | awk -v m="$1" '$1 == m {print $2}' | head -1; }
gc() { curl -s "$api/metrics" | awk '/^dnshost_gc_collections_total/ {printf "%s=%s ", $1, $2}' | sed 's/dnshost_gc_collections_total//g'; }
probe() { # label seconds rate
    taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -d "$tmp/queries.txt" -l "$2" -c 4 -q 50 ${3:+-Q $3} >"$tmp/$1.out" 2>&1 || true
    local qps lat; qps=$(awk '/Queries per second/ {print $4}' "$tmp/$1.out"); lat=$(awk '/Average Latency/ {print $4}' "$tmp/$1.out")
    local lost; lost=$(awk '/Queries lost/ {print $3}' "$tmp/$1.out")
    printf '%-8s qps %-10s avg-latency-s %-10s lost %-6s rss-MB %-6s gc %s\n' "$1" "$qps" "$lat" "$lost" \
        "$(( $(awk '/VmRSS/ {print $2}' /proc/$server_pid/status) / 1024 ))" "$(gc)" | tee -a "$tmp/results"
}

probe max 10
max=$(awk '/Queries per second/ {print int($4)}' "$tmp/max.out")
half=$((max / 2))
echo "maximum ${max} qps; soaking at ${half} qps for ${minutes} min" | tee -a "$tmp/results"
probe before 20 "$half"

# The churn: every 5 s a zone-file reload (serial bump and a new record), an API change batch, a health flip.
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY AWS_DEFAULT_REGION=us-east-1
zone_id=$(aws route53 create-hosted-zone --endpoint-url "$api" --name soak.test --caller-reference "soak-$$" --query HostedZone.Id --output text 2>>"$tmp/churn.log" | sed 's|/hostedzone/||')
taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -d "$tmp/queries.txt" -l $((minutes * 60)) -c 4 -q 50 -Q "$half" >"$tmp/soak.out" 2>&1 &
load_pid=$!
end=$((SECONDS + minutes * 60)); i=0; errors=0
while ((SECONDS < end)); do
    i=$((i + 1))
    sed -i -E "s/^(\s*)[0-9]+(\s*; serial)/\1$((2026120100 + i))\2/" "$tmp/zones/example.test.zone"
    echo "soak$i A 192.0.2.$((i % 250 + 1))" >>"$tmp/zones/example.test.zone"
    [[ -n $zone_id ]] && { aws route53 change-resource-record-sets --endpoint-url "$api" --hosted-zone-id "$zone_id" \
        --change-batch "{\"Changes\":[{\"Action\":\"UPSERT\",\"ResourceRecordSet\":{\"Name\":\"r$((i % 50)).soak.test\",\"Type\":\"A\",\"TTL\":60,\"ResourceRecords\":[{\"Value\":\"192.0.2.$((i % 250 + 1))\"}]}}]}" \
        >/dev/null 2>>"$tmp/churn.log" || errors=$((errors + 1)); }
    status=$([[ $((i % 2)) == 0 ]] && echo Healthy || echo Unhealthy)
    curl -s -o /dev/null -X PUT "$api/dnshost/health-checks/db-primary/override?status=$status" || errors=$((errors + 1))
    sleep 5
done
wait "$load_pid" || true; load_pid=""
echo "churn: $i rounds, $errors failed steps; soak: $(awk '/Queries per second/ {print $4}' "$tmp/soak.out") qps, lost $(awk '/Queries lost/ {print $3, $4}' "$tmp/soak.out"), avg latency $(awk '/Average Latency/ {print $4}' "$tmp/soak.out") s" | tee -a "$tmp/results"
probe after 20 "$half"
kdig @127.0.0.1 -p "$port" "soak$i.example.test" A +short | sed 's/^/last reloaded record: /' | tee -a "$tmp/results"
cp "$tmp/results" "$script_dir/soak-results.txt"
echo "written $script_dir/soak-results.txt"
