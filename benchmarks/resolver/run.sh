#!/usr/bin/env bash
# Resolver cache-hit benchmark: DnsHost's resolver against Unbound, in the same run, both forwarding
# to the same loopback authoritative (NSD) and both asked the same warm query set with dnsperf, in
# alternating rounds (Unbound, DnsHost, Unbound, DnsHost, ...) so both see the same machine noise.
# Each run: start the resolver, warm its cache with the whole query set (one pass, checked: every
# name must answer NOERROR), then measure dnsperf over the same set. Prints queries per second,
# queries per CPU-second of the resolver's processes, the cache-hit share DnsHost reports on
# /metrics, and the DnsHost/Unbound ratios per round and their median. Writes
# benchmarks/resolver/results.json. Talks to 127.0.0.1 only; every step is bounded in time.
#
# Usage: benchmarks/resolver/run.sh [--duration SECONDS] [--rounds N] [--names N] [--clients N]
#                                   [--threads N] [--outstanding N] [--warmup SECONDS]
#                                   [--results FILE] [--no-build] [--no-validate]
# Defaults: 15 s measured, 2 rounds, 2,000 names, dnsperf -c 20 -T 2 -q 100, 3 s of unmeasured
# load after the cache is filled (JIT tiering for DnsHost; the same for Unbound).
# Validation: the zone is signed (ldns-signzone, ECDSA P-256, NSEC) and both resolvers validate it
# from its DS as trust anchor (Unbound "validator iterator"); --no-validate for the unsigned zone and
# neither validating. Resolvers are pinned to CPU 0 and dnsperf to CPU 1 (taskset) when there are two.
# The warm pass (every name once, cold cache) is also measured: misses per second and per CPU-second, bytes
# DnsHost allocates per miss (its /metrics), and the
# resolver's resident memory before and after it (bytes per cached name).
# Environment:
#   DNSHOST_DLL=path/dnshost.dll   with --no-build: this build instead of publishing one
#   DNSHOST_ARGS='...'             extra arguments for `dnshost serve`
#   UNBOUND_THREADS=N              Unbound's num-threads (default: nproc)
#   KEEP_TMP=1                     keep the temporary folder
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$script_dir/../.." && pwd)
helper="$repo/benchmarks/load/bench_helper.py"
die() { echo "run.sh: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "missing tool '$1': install it with apt-get install -y $2"; }

duration=15; rounds=2; names=2000; clients=20; threads=2; outstanding=100; build=1; warmup=3; validate=1
results="$script_dir/results.json"
int_arg() { [[ ${2:-} =~ ^[0-9]+$ ]] || die "$1 needs a whole number (got '${2:-}')"; }
while [[ $# -gt 0 ]]; do
    case "$1" in
        --duration) int_arg "$1" "${2:-}"; duration=$2; shift 2 ;;
        --rounds) int_arg "$1" "${2:-}"; rounds=$2; shift 2 ;;
        --names) int_arg "$1" "${2:-}"; names=$2; shift 2 ;;
        --clients) int_arg "$1" "${2:-}"; clients=$2; shift 2 ;;
        --threads) int_arg "$1" "${2:-}"; threads=$2; shift 2 ;;
        --outstanding) int_arg "$1" "${2:-}"; outstanding=$2; shift 2 ;;
        --warmup) int_arg "$1" "${2:-}"; warmup=$2; shift 2 ;;
        --results) results=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        --no-validate) validate=0; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
done
((duration >= 1 && duration <= 600)) || die "--duration must be 1..600"
((rounds >= 1 && rounds <= 10)) || die "--rounds must be 1..10"
((names >= 1 && names <= 100000)) || die "--names must be 1..100000"

for t in python3:python3 dig:bind9-dnsutils dnsperf:dnsperf nsd:nsd unbound:unbound unbound-checkconf:unbound timeout:coreutils setsid:util-linux curl:curl; do
    need "${t%%:*}" "${t#*:}"
done
clk_tck=$(getconf CLK_TCK); ncpu=$(nproc)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dnshost-resolver-bench.XXXXXX")
pids=()

stop_group() { # pid
    local pid=$1 i
    kill -TERM -- "-$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do python3 "$helper" group-alive "$pid" || break; sleep 0.1; done
    python3 "$helper" group-alive "$pid" && kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local rc=$? p
    trap - EXIT INT TERM HUP
    for p in "${pids[@]}"; do stop_group "$p"; done
    if [[ ${KEEP_TMP:-0} == 1 ]]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# --- the authoritative zone and the query set -----------------------------------------------------
mkdir -p "$tmp/zones" "$tmp/nsd" "$tmp/empty-zones"
python3 - "$tmp/zones/bench.lab.zone" "$tmp/queries.txt" "$names" <<'PY'
import sys
zone, queries, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(zone, "w") as z, open(queries, "w") as q:
    z.write("$ORIGIN bench.lab.\n$TTL 86400\n@ IN SOA ns hostmaster 1 3600 600 86400 3600\n@ IN NS ns\nns IN A 192.0.2.53\n")
    for i in range(n):
        z.write(f"h{i} IN A 198.{18 + i // 65536 % 2}.{i // 256 % 256}.{i % 256}\n")
        q.write(f"h{i}.bench.lab A\n")
PY
if [[ $validate == 1 ]]; then
    need ldns-signzone ldnsutils
    key=$(cd "$tmp/zones" && ldns-keygen -k -a ECDSAP256SHA256 bench.lab.)
    (cd "$tmp/zones" && ldns-signzone -f bench.lab.zone.signed bench.lab.zone "$key" && ldns-key2ds -n -2 "$key.key" >"$tmp/anchor.ds") ||
        die "signing bench.lab. failed"
    mv "$tmp/zones/bench.lab.zone.signed" "$tmp/zones/bench.lab.zone"
fi
pin_server=(); pin_client=()
if ((ncpu >= 2)) && command -v taskset >/dev/null 2>&1; then pin_server=(taskset -c 0); pin_client=(taskset -c 1); fi
auth_port=$(python3 "$helper" free-port)
cat >"$tmp/nsd/nsd.conf" <<CONF
server:
    ip-address: 127.0.0.1
    port: $auth_port
    server-count: 1
    username: ""
    chroot: ""
    zonesdir: "$tmp/zones"
    database: ""
    zonelistfile: "$tmp/nsd/zone.list"
    xfrdfile: "$tmp/nsd/xfrd.state"
    pidfile: "$tmp/nsd/nsd.pid"
    minimal-responses: yes
    rrl-ratelimit: 0
remote-control:
    control-enable: no
zone:
    name: bench.lab
    zonefile: bench.lab.zone
CONF
setsid nsd -d -c "$tmp/nsd/nsd.conf" >"$tmp/nsd.log" 2>&1 </dev/null &
pids+=($!)
for ((i = 0; i < 100; i++)); do
    [[ $(timeout 2 dig @127.0.0.1 -p "$auth_port" +short +time=1 +tries=1 h0.bench.lab A 2>/dev/null) == 198.* ]] && break
    sleep 0.2
done
((i < 100)) || { cat "$tmp/nsd.log" >&2; die "NSD did not come up"; }

# --- DnsHost build ---------------------------------------------------------------------------------
if [[ $build == 1 ]]; then
    need dotnet dotnet-sdk-10.0
    echo "publishing DnsHost (Release) ..."
    timeout 900 dotnet publish "$repo/src/DnsHost/DnsHost.csproj" -c Release -o "$tmp/dnshost" -nologo >"$tmp/publish.log" 2>&1 ||
        { tail -n 40 "$tmp/publish.log" >&2; die "dotnet publish failed"; }
    dnshost_dll="$tmp/dnshost/dnshost.dll"
else
    [[ -f ${DNSHOST_DLL:-} ]] || die "--no-build needs DNSHOST_DLL=path/to/dnshost.dll"
    dnshost_dll=$DNSHOST_DLL
fi

# --- resolvers -------------------------------------------------------------------------------------
start_resolver() { # name port log -> sets server_pid, api_port
    local name=$1 port=$2 log=$3
    case $name in
        unbound)
            cat >"$tmp/unbound.conf" <<CONF
server:
    interface: 127.0.0.1
    port: $port
    num-threads: ${UNBOUND_THREADS:-$ncpu}
    so-reuseport: yes
    username: ""
    chroot: ""
    directory: "$tmp"
    pidfile: "$tmp/unbound.pid"
    use-syslog: no
    logfile: ""
    verbosity: 0
    do-ip6: no
    access-control: 127.0.0.0/8 allow
    do-not-query-localhost: no
    module-config: "$unbound_modules"
$unbound_anchor
    # Defaults otherwise (message and RRset caches, prefetch off, minimal responses).
remote-control:
    control-enable: no
forward-zone:
    name: "."
    forward-addr: 127.0.0.1@$auth_port
CONF
            unbound-checkconf "$tmp/unbound.conf" >/dev/null || die "unbound-checkconf rejected the configuration"
            setsid "${pin_server[@]}" unbound -d -c "$tmp/unbound.conf" >"$log" 2>&1 </dev/null &
            ;;
        dnshost)
            api_port=$(python3 "$helper" free-port)
            # shellcheck disable=SC2086
            setsid "${pin_server[@]}" dotnet "$dnshost_dll" serve --zones "$tmp/empty-zones" --address 127.0.0.1 --port "$port" \
                --api "127.0.0.1:$api_port" --data "$tmp/dnshost.db" --Logging:LogLevel:Default=Warning \
                --Resolver:Forwarders:0="127.0.0.1:$auth_port" $dnshost_validation ${DNSHOST_ARGS:-} >"$log" 2>&1 </dev/null &
            ;;
    esac
    server_pid=$!
    pids+=("$server_pid")
    for ((i = 0; i < 150; i++)); do
        python3 "$helper" group-alive "$server_pid" || { cat "$log" >&2; die "$name exited"; }
        [[ $(timeout 2 dig @127.0.0.1 -p "$port" +short +time=1 +tries=1 h0.bench.lab A 2>/dev/null) == 198.* ]] && return 0
        sleep 0.2
    done
    cat "$log" >&2; die "$name did not answer within 30 s"
}

run_dnsperf() { # port seconds output
    timeout -k 5 $(($2 + 60)) "${pin_client[@]}" dnsperf -s 127.0.0.1 -p "$1" -d "$tmp/queries.txt" -l "$2" -c "$clients" -T "$threads" -q "$outstanding" -t 2 >"$3" 2>&1
}

runs="$tmp/runs.jsonl"; : >"$runs"
bench() { # name round
    local name=$1 round=$2 port out before after warm hits=-1 misses=-1
    port=$(python3 "$helper" free-port)
    start_resolver "$name" "$port" "$tmp/$name-$round.log"
    # Warm: every name once (dnsperf -n 1 sends the file once), then check nothing failed.
    warm="$tmp/warm-$name-$round.txt"
    local rss0 rss1
    local wcpu0 wcpu1 alloc0=-1 alloc1=-1
    rss0=$(python3 "$helper" mem "$server_pid")
    [[ $name == dnshost ]] && alloc0=$(curl -s "http://127.0.0.1:$api_port/metrics" | awk '$1=="dnshost_gc_allocated_bytes_total"{print $2}')
    wcpu0=$(python3 "$helper" cpu-ticks "$server_pid")
    timeout 300 "${pin_client[@]}" dnsperf -s 127.0.0.1 -p "$port" -d "$tmp/queries.txt" -n 1 -c 4 -q 50 -t 5 >"$warm" 2>&1 || { cat "$warm" >&2; die "warm-up failed against $name"; }
    wcpu1=$(python3 "$helper" cpu-ticks "$server_pid")
    rss1=$(python3 "$helper" mem "$server_pid")
    [[ $name == dnshost ]] && alloc1=$(curl -s "http://127.0.0.1:$api_port/metrics" | awk '$1=="dnshost_gc_allocated_bytes_total"{print $2}')
    grep -q "NOERROR $names " "$warm" || { cat "$warm" >&2; die "warm-up against $name did not answer all $names names NOERROR"; }
    if ((warmup > 0)); then
        run_dnsperf "$port" "$warmup" "$tmp/warmload-$name-$round.txt" || { cat "$tmp/warmload-$name-$round.txt" >&2; die "warm-up load failed against $name"; }
    fi
    if [[ $name == dnshost ]]; then
        hits=$(curl -s "http://127.0.0.1:$api_port/metrics" | awk '$1=="dnshost_resolver_cache_hits_total"{print $2}')
        misses=$(curl -s "http://127.0.0.1:$api_port/metrics" | awk '$1=="dnshost_resolver_cache_misses_total"{print $2}')
    fi
    out="$tmp/dnsperf-$name-$round.txt"
    before=$(python3 "$helper" cpu-ticks "$server_pid")
    run_dnsperf "$port" "$duration" "$out" || { cat "$out" >&2; die "dnsperf failed against $name"; }
    after=$(python3 "$helper" cpu-ticks "$server_pid")
    local hits2=-1 misses2=-1
    if [[ $name == dnshost ]]; then
        hits2=$(curl -s "http://127.0.0.1:$api_port/metrics" | awk '$1=="dnshost_resolver_cache_hits_total"{print $2}')
        misses2=$(curl -s "http://127.0.0.1:$api_port/metrics" | awk '$1=="dnshost_resolver_cache_misses_total"{print $2}')
    fi
    stop_group "$server_pid"
    python3 - "$out" "$runs" "$name" "$round" "$before" "$after" "$clk_tck" "$hits" "$hits2" "$misses" "$misses2" "$warm" "$rss0" "$rss1" "$names" "$wcpu0" "$wcpu1" "$alloc0" "$alloc1" <<'PY'
import json, re, sys
out, runs, name, rnd, before, after, tck, h1, h2, m1, m2, warm, rss0, rss1, names, wcpu0, wcpu1, alloc0, alloc1 = sys.argv[1:]
warm_text = open(warm).read()
m = re.search(r"Queries per second:\s+([\d.]+)", warm_text)
miss_qps = float(m.group(1)) if m else None
def kib(v):  # bench_helper.py mem: "PSS_KIB RSS_KIB PROCESSES"
    parts = v.split()
    return int(parts[1]) if len(parts) == 3 else None
r0, r1 = kib(rss0), kib(rss1)
bytes_per_name = (r1 - r0) * 1024 / int(names) if r0 is not None and r1 is not None else None
text = open(out).read()
def num(p, cast=float):
    m = re.search(p, text)
    return cast(m.group(1)) if m else None
qps = num(r"Queries per second:\s+([\d.]+)")
sent = num(r"Queries sent:\s+(\d+)", int)
done = num(r"Queries completed:\s+(\d+)", int)
noerror = num(r"NOERROR (\d+)", int)
elapsed = num(r"Run time \(s\):\s+([\d.]+)")
cpu = (int(after) - int(before)) / int(tck)
row = {"server": name, "round": int(rnd), "qps": qps, "sent": sent, "completed": done, "noerror": noerror,
       "cpu_seconds": cpu, "queries_per_cpu_second": (done / cpu) if cpu > 0 and done else None, "run_seconds": elapsed,
       "miss_qps": miss_qps, "rss_kib_before_fill": r0, "rss_kib_after_fill": r1, "rss_bytes_per_cached_name": bytes_per_name}
warm_cpu = (int(wcpu1) - int(wcpu0)) / int(tck)
row["miss_cpu_seconds"] = warm_cpu
row["misses_per_cpu_second"] = int(names) / warm_cpu if warm_cpu > 0 else None
if int(float(alloc0)) >= 0 and int(float(alloc1)) >= 0:
    row["allocated_bytes_per_miss"] = (int(float(alloc1)) - int(float(alloc0))) / int(names)
if int(h1) >= 0:
    hits, misses = int(h2) - int(h1), int(m2) - int(m1)
    row["cache_hits"], row["cache_misses"] = hits, misses
open(runs, "a").write(json.dumps(row) + "\n")
extra = f", cache hits {row['cache_hits']}, misses {row['cache_misses']}" if "cache_hits" in row else ""
print(f"  round {rnd} {name:8s} {qps:>10.0f} qps, {row['queries_per_cpu_second'] or 0:>10.0f} queries per CPU-second, "
      f"{done}/{sent} completed, NOERROR {noerror}{extra}; cold pass {miss_qps or 0:.0f} misses/s, "
      f"{row['misses_per_cpu_second'] or 0:.0f} misses per CPU-second, "
      + (f"{row['allocated_bytes_per_miss']:.0f} B allocated per miss, " if "allocated_bytes_per_miss" in row else "")
      + f"{bytes_per_name or 0:.0f} bytes RSS per cached name")
PY
}

if [[ $validate == 1 ]]; then
    unbound_modules="validator iterator"; unbound_anchor="    trust-anchor-file: \"$tmp/anchor.ds\""
    dnshost_validation="--Resolver:TrustAnchors=$tmp/anchor.ds"
else
    unbound_modules="iterator"; unbound_anchor=""; dnshost_validation="--Resolver:Dnssec=false"
fi
echo "NSD on 127.0.0.1:$auth_port serves bench.lab. ($names names, signed: $validate); resolvers forward to it and validate: $validate; $ncpu CPUs"
echo "dnsperf -c $clients -T $threads -q $outstanding -l $duration over the same $names warm names"
for ((r = 1; r <= rounds; r++)); do
    bench unbound "$r"
    bench dnshost "$r"
done

mkdir -p "$(dirname "$results")"
python3 - "$runs" "$results" "$duration" "$names" "$clients" "$threads" "$outstanding" "$(unbound -V | head -1)" "$(git -C "$repo" rev-parse HEAD)" <<'PY'
import json, statistics, sys
runs_path, results, duration, names, clients, threads, outstanding, unbound, commit = sys.argv[1:]
runs = [json.loads(l) for l in open(runs_path)]
rounds = sorted({r["round"] for r in runs})
ratios, cpu_ratios, miss_ratios, miss_cpu_ratios = [], [], [], []
for rnd in rounds:
    d = next(r for r in runs if r["round"] == rnd and r["server"] == "dnshost")
    u = next(r for r in runs if r["round"] == rnd and r["server"] == "unbound")
    ratios.append(d["qps"] / u["qps"])
    if d["queries_per_cpu_second"] and u["queries_per_cpu_second"]:
        cpu_ratios.append(d["queries_per_cpu_second"] / u["queries_per_cpu_second"])
    if d.get("miss_qps") and u.get("miss_qps"):
        miss_ratios.append(d["miss_qps"] / u["miss_qps"])
    if d.get("misses_per_cpu_second") and u.get("misses_per_cpu_second"):
        miss_cpu_ratios.append(d["misses_per_cpu_second"] / u["misses_per_cpu_second"])
summary = {
    "config": {"duration_s": int(duration), "names": int(names), "dnsperf": f"-c {clients} -T {threads} -q {outstanding}",
               "unbound": unbound, "git_commit": commit},
    "runs": runs,
    "ratio_qps_per_round": ratios, "ratio_qps_median": statistics.median(ratios),
    "ratio_queries_per_cpu_second_per_round": cpu_ratios,
    "ratio_queries_per_cpu_second_median": statistics.median(cpu_ratios) if cpu_ratios else None,
    "ratio_cold_misses_per_second_per_round": miss_ratios,
    "ratio_cold_misses_per_second_median": statistics.median(miss_ratios) if miss_ratios else None,
    "ratio_cold_misses_per_cpu_second_per_round": miss_cpu_ratios,
    "ratio_cold_misses_per_cpu_second_median": statistics.median(miss_cpu_ratios) if miss_cpu_ratios else None,
}
json.dump(summary, open(results, "w"), indent=2)
print("DnsHost/Unbound qps per round: " + ", ".join(f"{x:.2f}" for x in ratios) + f"; median {summary['ratio_qps_median']:.2f}")
if cpu_ratios:
    print("DnsHost/Unbound queries per CPU-second per round: " + ", ".join(f"{x:.2f}" for x in cpu_ratios)
          + f"; median {summary['ratio_queries_per_cpu_second_median']:.2f}")
if miss_ratios:
    print("DnsHost/Unbound cold misses per second per round: " + ", ".join(f"{x:.2f}" for x in miss_ratios)
          + f"; median {summary['ratio_cold_misses_per_second_median']:.2f}")
if miss_cpu_ratios:
    print("DnsHost/Unbound cold misses per CPU-second per round: " + ", ".join(f"{x:.2f}" for x in miss_cpu_ratios)
          + f"; median {summary['ratio_cold_misses_per_cpu_second_median']:.2f}")
print(f"results: {results}")
PY
