#!/usr/bin/env bash
# What Route 53 query logging costs the server (issue 18): one DnsHost serving a JSON hosted zone of
# 1,000 names, dnsperf over UDP at it with logging off and on in alternating rounds (off, on, off,
# on, ...), so both see the same machine noise. Logging is switched with the AWS CLI
# (create-/delete-query-logging-config). Prints queries per second and per server CPU-second for each
# round, the lines written, and the on/off ratio per round. The server is pinned to CPU 0 and dnsperf
# to CPU 1. Talks to 127.0.0.1 only.
#
# Usage: benchmarks/load/querylog-cost.sh [--duration SECONDS] [--rounds N]
# Environment: DNSHOST_DLL=path/dnshost.dll to use a build instead of publishing one.
set -euo pipefail
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$script_dir/../.." && pwd)
helper="$script_dir/bench_helper.py"
duration=15; rounds=2
while [[ $# -gt 0 ]]; do
    case "$1" in
        --duration) duration=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        *) echo "querylog-cost.sh: unknown option '$1'" >&2; exit 1 ;;
    esac
done
for t in dnsperf aws taskset python3; do command -v "$t" >/dev/null || { echo "querylog-cost.sh: needs $t" >&2; exit 1; }; done

tmp=$(mktemp -d)
server=""
cleanup() { [[ -n $server ]] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

dll=${DNSHOST_DLL:-}
if [[ -z $dll ]]; then
    dotnet publish "$repo/src/DnsHost/DnsHost.csproj" -c Release -o "$tmp/bin" -nologo -v q >/dev/null
    dll="$tmp/bin/dnshost.dll"
fi

mkdir -p "$tmp/zones"
python3 - "$tmp/zones/qlog.test.json" "$tmp/queries" <<'EOF'
import json, sys
sets = [{"Name": f"h{i}.qlog.test.", "Type": "A", "TTL": 300, "ResourceRecords": [{"Value": f"10.0.{i // 256}.{i % 256}"}]} for i in range(1000)]
json.dump({"HostedZone": {"Id": "/hostedzone/ZQLOGTEST0001", "Name": "qlog.test.", "Config": {"PrivateZone": False}}, "ResourceRecordSets": sets}, open(sys.argv[1], "w"))
with open(sys.argv[2], "w") as q:
    for i in range(1000):
        q.write(f"h{i}.qlog.test A\n")
EOF

port=$(python3 "$helper" free-port); api=$(python3 "$helper" free-port)
taskset -c 0 dotnet "$dll" serve --zones "$tmp/zones" --address 127.0.0.1 --port "$port" --api "127.0.0.1:$api" \
    --data "$tmp/data/api.db" --HealthChecks:Enabled=false --QueryLogging:Directory="$tmp/logs" >"$tmp/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do dig +short +time=1 +tries=1 @127.0.0.1 -p "$port" h1.qlog.test A >/dev/null 2>&1 && break; sleep 0.3; done

export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY AWS_DEFAULT_REGION=us-east-1 AWS_MAX_ATTEMPTS=1
awsr() { aws --endpoint-url "http://127.0.0.1:$api" route53 "$@" --output text; }
arn="arn:aws:logs:us-east-1:123456789012:log-group:/aws/route53/qlog.test"
config=""

run() { # label
    local before after start end out
    before=$(python3 "$helper" cpu-ticks "$server"); start=$(date +%s.%N)
    out=$(taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -d "$tmp/queries" -l "$duration" -c 20 -T 1 -q 100 2>&1)
    end=$(date +%s.%N); after=$(python3 "$helper" cpu-ticks "$server")
    local qps completed
    qps=$(grep -oP 'Queries per second:\s+\K[0-9.]+' <<<"$out")
    completed=$(grep -oP 'Queries completed:\s+\K[0-9]+' <<<"$out")
    python3 - "$1" "$qps" "$completed" "$before" "$after" "$(getconf CLK_TCK)" <<'EOF'
import sys
label, qps, done, b, a, tck = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
cpu = (a - b) / tck
print(f"{label:4} {qps:10.0f} q/s  {done / cpu if cpu else 0:10.0f} q/CPU-s  ({cpu:.1f} CPU-s)")
EOF
}

# Warm up (JIT tiering) once without logging.
taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -d "$tmp/queries" -l 3 -c 20 -T 1 -q 100 >/dev/null 2>&1 || true
for r in $(seq 1 "$rounds"); do
    echo "round $r"
    run off
    config=$(awsr create-query-logging-config --hosted-zone-id ZQLOGTEST0001 --cloud-watch-logs-log-group-arn "$arn" --query QueryLoggingConfig.Id)
    run on
    awsr delete-query-logging-config --id "$config" >/dev/null
done
sleep 1
echo "lines written: $(cat "$tmp"/logs/*.log 2>/dev/null | wc -l)"
