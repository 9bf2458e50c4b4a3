#!/usr/bin/env bash
# Zone-sync benchmark: a hosted zone of 10,000 record sets with mixed routing policies and health
# checks is synced from one DnsHost (playing Route 53) to an empty one, then planned again (the
# second plan must be empty), then synced to a third DnsHost that throttles 20 % of API requests.
# Prints time, batches, API calls and retries for each step. Loopback only; Release build.
#
# Usage: benchmarks/sync/run.sh [--records N]
set -euo pipefail
records=10000
[[ "${1:-}" == "--records" ]] && records=$2
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

dotnet build -c Release "$repo/src/DnsHost/DnsHost.csproj" -o "$tmp/bin" -v q -nologo >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; exit 1; }
dll="$tmp/bin/dnshost.dll"
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null

mkdir -p "$tmp/source"
python3 - "$tmp/source/big.test.json" "$records" <<'PY'
import json, sys
path, n = sys.argv[1], int(sys.argv[2])
zone = "big.test."
checks = [{"Id": f"hc-{i}", "CallerReference": f"hc-{i}", "HealthCheckConfig": {"Type": "TCP", "IPAddress": "127.0.0.1", "Port": 9}} for i in range(20)]
sets, i = [], 0
def ip(k): return f"10.{(k >> 16) & 255}.{(k >> 8) & 255}.{k & 255}"
regions = ["us-east-1", "eu-west-1", "ap-northeast-1", "eu-central-1"]
countries = ["US", "DE", "FR", "JP", "*"]
while len(sets) < n:
    kind = i % 10
    name = f"r{i}.{zone}"
    if kind < 4:
        sets.append({"Name": name, "Type": "A", "TTL": 300, "ResourceRecords": [{"Value": ip(i)}]})
    elif kind < 6:
        for w in range(2):
            sets.append({"Name": name, "Type": "A", "SetIdentifier": f"w{w}", "Weight": 10 * (w + 1), "TTL": 60, "ResourceRecords": [{"Value": ip(i * 2 + w)}]})
    elif kind == 6:
        for r in regions[:2]:
            sets.append({"Name": name, "Type": "A", "SetIdentifier": r, "Region": r, "TTL": 60, "ResourceRecords": [{"Value": ip(i + len(r))}]})
    elif kind == 7:
        for c in countries[i % 4: i % 4 + 2]:
            sets.append({"Name": name, "Type": "A", "SetIdentifier": c.replace("*", "default"), "GeoLocation": {"CountryCode": c}, "TTL": 60, "ResourceRecords": [{"Value": ip(i)}]})
    elif kind == 8:
        sets.append({"Name": name, "Type": "A", "SetIdentifier": "p", "Failover": "PRIMARY", "HealthCheckId": f"hc-{i % 20}", "TTL": 60, "ResourceRecords": [{"Value": ip(i)}]})
        sets.append({"Name": name, "Type": "A", "SetIdentifier": "s", "Failover": "SECONDARY", "TTL": 60, "ResourceRecords": [{"Value": ip(i + 1)}]})
    else:
        sets.append({"Name": name, "Type": "A", "SetIdentifier": "m1", "MultiValueAnswer": True, "HealthCheckId": f"hc-{i % 20}", "TTL": 60, "ResourceRecords": [{"Value": ip(i)}]})
        sets.append({"Name": f"alias{i}.{zone}", "Type": "A", "AliasTarget": {"HostedZoneId": "ZBIGTEST", "DNSName": f"r{i - 9}.{zone}", "EvaluateTargetHealth": False}})
    i += 1
json.dump({"HostedZone": {"Id": "/hostedzone/ZBIGTEST", "Name": zone}, "ResourceRecordSets": sets[:n], "HealthChecks": checks}, open(path, "w"))
print(f"generated {len(sets[:n])} record sets", file=sys.stderr)
PY

# Quota off: 10,000 generated sets plus SOA and NS exceed Route 53's default 10,000 per zone.
start_server() { # name port [extra args]
  local name=$1 port=$2; shift 2
  mkdir -p "$tmp/$name"
  dotnet "$dll" serve --zones "$tmp/$name" --port 0 --address 127.0.0.1 --api "127.0.0.1:$port" --data "$tmp/$name/api.db" \
    --HealthChecks:Enabled=false --HealthChecks:AllowPrivateTargets=true --Api:Quotas:RecordSetsPerZone=0 "$@" >"$tmp/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return; sleep 0.2; done
  echo "server $name did not start" >&2; cat "$tmp/$name.log" >&2; exit 1
}
start_server remote 18601
start_server local 18602
start_server flaky 18603 --Api:FaultInjection:ThrottleRate=0.2

sync() { dotnet "$dll" sync "$@"; }
echo "== seeding the remote from the generated folder"
sync apply --source "dir:$tmp/source" --target route53:http://127.0.0.1:18601 --json > "$tmp/seed.json" 2>"$tmp/seed.err" || { cat "$tmp/seed.err"; exit 1; }
echo "== remote -> empty local"
/usr/bin/time -f "%e s wall, %U s user, %S s sys (the sync process)" dotnet "$dll" sync apply --source route53:http://127.0.0.1:18601 --target route53:http://127.0.0.1:18602 --json 2>"$tmp/copy.err" | tee "$tmp/copy.json"
tail -1 "$tmp/copy.err"
echo "== second plan"
start=$(date +%s.%N)
set +e; sync plan --source route53:http://127.0.0.1:18601 --target route53:http://127.0.0.1:18602 >"$tmp/plan.out" 2>"$tmp/plan.err"; code=$?; set -e
end=$(date +%s.%N)
echo "exit $code in $(python3 -c "print(round($end - $start, 2))") s; $(tail -1 "$tmp/plan.err")"
echo "== remote -> empty local that throttles 20 % of requests"
sync apply --source route53:http://127.0.0.1:18601 --target route53:http://127.0.0.1:18603 --json 2>/dev/null | tee "$tmp/flaky.json"
set +e; sync plan --source route53:http://127.0.0.1:18601 --target route53:http://127.0.0.1:18603 >/dev/null 2>&1; echo "plan after the throttled apply: exit $?"; set -e
