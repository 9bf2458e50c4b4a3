#!/usr/bin/env bash
# Zone-scale benchmark: how long DnsHost, Knot DNS and NSD take from process start until a big
# generated zone (load.test, --records N data records from gen-zone.py, the same file for every
# server) answers, and how much memory they hold once it is loaded (PSS and RSS of the server's
# process tree). Each server runs pinned to CPU 0 (taskset -c 0) on 127.0.0.1; the servers take
# turns (Knot, NSD, DnsHost, Knot, ...) over --rounds rounds. With --load, a short dnsperf on
# CPU 1 also measures qps and queries per server CPU-second. Prints one table per record count
# and writes JSON to --results. Talks to 127.0.0.1 only; every step is bounded in time. See
# README.md in this folder.
#
# Usage: benchmarks/load/zone-scale.sh [--records N[,N...]] [--servers knot,nsd,dnshost]
#                                      [--rounds N] [--timeout SECONDS] [--settle SECONDS]
#                                      [--load] [--duration SECONDS] [--clients N]
#                                      [--results FILE] [--no-build]
#
# Defaults: --records 100000,1000000  --servers knot,nsd,dnshost  --rounds 2  --timeout 180
#           --settle 2  --duration 10  --clients 20
#           --results benchmarks/load/zone-scale-results.json
#
# Environment:
#   DNSHOST_DLL=path/dnshost.dll  with --no-build: run this build instead of publishing one.
#   DNSHOST_ARGS='...'            extra arguments for `dnshost serve`.
#   NSD_SERVER_COUNT=N            NSD's server-count (default here: 1, as it has one CPU).
#   KNOT_WORKERS=N                Knot's udp-workers, tcp-workers, background-workers (default 1).
#   KEEP_TMP=1                    keep the temporary folder (zones, configs, server logs).
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$script_dir/../.." && pwd)
helper="$script_dir/bench_helper.py"

die() { echo "zone-scale.sh: $*" >&2; exit 1; }

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

need() { # tool package
    command -v "$1" >/dev/null 2>&1 ||
        die "missing tool '$1': install it with apt-get install -y $2"
}

# --- options -----------------------------------------------------------------------------------

records_list="100000,1000000"
servers_list="knot,nsd,dnshost"
rounds=2
start_timeout=180
settle=2
load=0
duration=10
clients=20
build=1
results="$script_dir/zone-scale-results.json"

int_arg() { [[ ${2:-} =~ ^[0-9]+$ ]] || die "$1 needs a whole number (got '${2:-}')"; }
while [[ $# -gt 0 ]]; do
    case "$1" in
        --records) [[ ${2:-} =~ ^[0-9]+(,[0-9]+)*$ ]] || die "--records needs N or N,N,..."; records_list=$2; shift 2 ;;
        --servers) [[ ${2:-} =~ ^(knot|nsd|dnshost)(,(knot|nsd|dnshost))*$ ]] ||
                       die "--servers needs a comma list of knot, nsd, dnshost"; servers_list=$2; shift 2 ;;
        --rounds) int_arg "$1" "${2:-}"; rounds=$2; shift 2 ;;
        --timeout) int_arg "$1" "${2:-}"; start_timeout=$2; shift 2 ;;
        --settle) int_arg "$1" "${2:-}"; settle=$2; shift 2 ;;
        --load) load=1; shift ;;
        --duration) int_arg "$1" "${2:-}"; duration=$2; shift 2 ;;
        --clients) int_arg "$1" "${2:-}"; clients=$2; shift 2 ;;
        --results) [[ -n ${2:-} ]] || die "--results needs a file"; results=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown option '$1'" ;;
    esac
done
((rounds >= 1 && rounds <= 20)) || die "--rounds must be 1..20"
((start_timeout >= 1 && start_timeout <= 3600)) || die "--timeout must be 1..3600 seconds"
((settle <= 600)) || die "--settle must be at most 600 seconds"
((duration >= 1 && duration <= 600)) || die "--duration must be 1..600 seconds"
((clients >= 1)) || die "--clients must be positive"
IFS=, read -r -a record_counts <<<"$records_list"
IFS=, read -r -a servers <<<"$servers_list"
for n in "${record_counts[@]}"; do
    ((n >= 2000 && n <= 20000000)) || die "--records must be 2000..20000000 (got $n)"
done

need python3 python3
need dig bind9-dnsutils
need taskset util-linux
need setsid util-linux
need timeout coreutils
need getconf libc-bin
[[ -r /proc/self/smaps_rollup ]] || die "this kernel has no /proc/PID/smaps_rollup (needed for PSS)"
((load == 0)) || need dnsperf dnsperf
[[ $(nproc) -ge 2 ]] || die "needs at least 2 CPUs (the server on CPU 0, the client on CPU 1)"
dnshost_dll=""
for s in "${servers[@]}"; do
    case $s in
        knot) need knotd knot ;;
        nsd) need nsd nsd; need nsd-checkconf nsd ;;
        dnshost)
            need dotnet dotnet-sdk-10.0
            if [[ $build == 0 ]]; then
                [[ -n ${DNSHOST_DLL:-} ]] || die "--no-build needs DNSHOST_DLL=path/to/dnshost.dll"
                [[ -f $DNSHOST_DLL ]] || die "DNSHOST_DLL=$DNSHOST_DLL does not exist"
                dnshost_dll=$(cd "$(dirname "$DNSHOST_DLL")" && pwd)/$(basename "$DNSHOST_DLL")
            fi
            ;;
    esac
done
clk_tck=$(getconf CLK_TCK)

# --- temp dir and cleanup ----------------------------------------------------------------------

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dnshost-zone-scale.XXXXXX")
server_pid=""
child_pid=""    # gen-zone, publish or dnsperf while they run

# Stop a server started by start_server: SIGTERM to its process group, SIGKILL after 10 s.
stop_server() { # pid
    local pid=$1 i
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        python3 "$helper" group-alive "$pid" || break
        sleep 0.1
    done
    if python3 "$helper" group-alive "$pid"; then
        echo "  (server $pid ignored SIGTERM for 10 s; SIGKILL)" >&2
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    if [[ -n $child_pid ]]; then kill -TERM -- "-$child_pid" 2>/dev/null || kill -TERM "$child_pid" 2>/dev/null || true; wait "$child_pid" 2>/dev/null || true; fi
    if [[ -n $server_pid ]]; then stop_server "$server_pid"; fi
    if [[ ${KEEP_TMP:-0} == 1 ]]; then
        echo "kept $tmp" >&2
    else
        rm -rf "$tmp"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# Run a command in its own process group with a time limit, so that the trap can stop it.
bounded() { # seconds log command...
    local secs=$1 log=$2 rc=0
    shift 2
    setsid timeout -k 5 "$secs" "$@" >"$log" 2>&1 </dev/null &
    child_pid=$!
    wait "$child_pid" || rc=$?
    child_pid=""
    return "$rc"
}

# --- DnsHost build -----------------------------------------------------------------------------

for s in "${servers[@]}"; do
    if [[ $s == dnshost && -z $dnshost_dll ]]; then
        echo "publishing DnsHost (Release) ..."
        bounded 900 "$tmp/publish.log" dotnet publish "$repo/src/DnsHost/DnsHost.csproj" -c Release \
            -o "$tmp/dnshost" -nologo ||
            { tail -n 40 "$tmp/publish.log" >&2; die "dotnet publish failed"; }
        dnshost_dll="$tmp/dnshost/dnshost.dll"
        [[ -f $dnshost_dll ]] || die "dotnet publish did not produce $dnshost_dll"
    fi
done

# --- servers -----------------------------------------------------------------------------------

write_knot_conf() { # conf state port zones
    local conf=$1 state=$2 port=$3 zones=$4 w=${KNOT_WORKERS:-1}
    mkdir -p "$state/db"
    cat >"$conf" <<EOF
# Written by benchmarks/load/zone-scale.sh for one run.
server:
    rundir: "$state"
    pidfile: "$state/knot.pid"
    listen: 127.0.0.1@$port
    udp-workers: $w
    tcp-workers: $w
    background-workers: $w

control:
    listen: "$state/knot.sock"

log:
  - target: "$state/knot.log"
    any: info

database:
    storage: "$state/db"

template:
  - id: default
    storage: "$zones"
    # Read the zone file as it is; never write it back, keep no journal of changes.
    zonefile-load: whole
    zonefile-sync: -1
    journal-content: none

zone:
  - domain: load.test
    file: load.test.zone
EOF
}

# Start a server pinned to CPU 0 in its own process group (setsid; taskset execs the server, so
# the pid is the server's); sets server_pid and start_time (EPOCHREALTIME just before the fork).
start_server() { # name port state log
    local name=$1 port=$2 state=$3 log=$4 api_port
    mkdir -p "$state"
    case $name in
        knot)
            write_knot_conf "$state/knot.conf" "$state" "$port" "$zones"
            start_time=$EPOCHREALTIME
            setsid taskset -c 0 knotd -c "$state/knot.conf" >"$log" 2>&1 </dev/null &
            ;;
        nsd)
            NSD_SERVER_COUNT=${NSD_SERVER_COUNT:-1} \
                "$script_dir/run.sh" --nsd-conf "$state/nsd.conf" "$state" "$port" "$zones" >"$log" 2>&1 ||
                { cat "$log" >&2; die "could not write the NSD configuration"; }
            start_time=$EPOCHREALTIME
            setsid taskset -c 0 nsd -d -c "$state/nsd.conf" >"$log" 2>&1 </dev/null &
            ;;
        dnshost)
            # Its HTTP API (on by default) goes to a free loopback port and its SQLite file into
            # the state folder, so that runs never collide with anything else on the machine.
            api_port=$(python3 "$helper" free-port)
            start_time=$EPOCHREALTIME
            # shellcheck disable=SC2086 # DNSHOST_ARGS is split on purpose
            (cd "$state" && exec setsid taskset -c 0 dotnet "$dnshost_dll" serve --zones "$zones" \
                --address 127.0.0.1 --port "$port" --api "127.0.0.1:$api_port" \
                --data "$state/dnshost.db" ${DNSHOST_ARGS:-}) >"$log" 2>&1 </dev/null &
            ;;
    esac
    server_pid=$!
}

alive() { # pid: the process exists and is not a zombie (cheap enough to poll every 20 ms)
    local stat
    read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]]
}

# Poll the SOA every ~20 ms (dig on CPU 1) until it carries the generated serial; sets
# ready_time and polls (how many dig queries it took). Returns 1 on timeout, 2 if the server exited.
wait_ready() { # port pid
    local port=$1 pid=$2 deadline answer
    deadline=$((SECONDS + start_timeout))
    polls=0
    while ((SECONDS < deadline)); do
        alive "$pid" || return 2
        polls=$((polls + 1))
        answer=$(taskset -c 1 timeout 5 dig +short +tries=1 +time=1 @127.0.0.1 -p "$port" load.test SOA 2>/dev/null || true)
        if [[ $answer == *" $serial "* ]]; then
            ready_time=$EPOCHREALTIME
            return 0
        fi
        sleep 0.02
    done
    return 1
}

dnsperf_args() { # port
    printf '%s\n' -s 127.0.0.1 -p "$1" -d "$queries" -l "$duration" -c "$clients" -T 1 -q 100 -t 2
}

runs="$tmp/runs.jsonl"
: >"$runs"

bench() { # name round records
    local name=$1 round=$2 records=$3 label port state log status=0 secs answer deep_ok=0
    local pss rss nproc_ server_died=0 before after out rc extra=() dargs deep_name deep_type deep_expected
    case $name in knot) label="Knot DNS" ;; nsd) label=NSD ;; dnshost) label=DnsHost ;; esac
    port=$(python3 "$helper" free-port)
    state="$tmp/$name-$records-round$round"
    log="$state.log"
    start_server "$name" "$port" "$state" "$log"
    wait_ready "$port" "$server_pid" || status=$?
    if [[ $status != 0 ]]; then
        echo "  round $round  $label: no answer ($([[ $status == 1 ]] && echo "not within $start_timeout s" || echo 'the server exited')); log:" >&2
        tail -n 20 "$log" >&2 || true
        [[ $name == knot ]] && { tail -n 20 "$state/knot.log" >&2 2>/dev/null || true; }
        [[ $name == nsd ]] && { tail -n 20 "$state/nsd.log" >&2 2>/dev/null || true; }
        stop_server "$server_pid"
        server_pid=""
        python3 "$helper" kv-json "$tmp/run.json" server="$name" label="$label" round="$round" \
            records="$records" ready=0 failure="$([[ $status == 1 ]] && echo timeout || echo exited)"
        python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r["ready"]=False; open(sys.argv[2],"a").write(json.dumps(r)+"\n")' "$tmp/run.json" "$runs"
        return 0
    fi
    secs=$(python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.3f}")' "$start_time" "$ready_time")

    # One deep name near the end of the zone file must answer with its record.
    read -r deep_name deep_type deep_expected <<<"$deep"
    answer=$(taskset -c 1 timeout 5 dig +short +tries=2 +time=2 @127.0.0.1 -p "$port" "$deep_name" "$deep_type" 2>/dev/null || true)
    if grep -qxF -- "$deep_expected" <<<"$answer"; then deep_ok=1
    else echo "  round $round  $label: $deep_name $deep_type answered '${answer//$'\n'/ }', expected $deep_expected" >&2
    fi

    sleep "$settle"
    read -r pss rss nproc_ < <(python3 "$helper" mem "$server_pid") || { pss=""; rss=""; nproc_=""; }

    if ((load == 1)); then
        out="$state-dnsperf.txt"
        before=$(python3 "$helper" cpu-ticks "$server_pid")
        rc=0
        mapfile -t dargs < <(dnsperf_args "$port")
        bounded $((duration + 60)) "$out" taskset -c 1 dnsperf "${dargs[@]}" || rc=$?
        after=$(python3 "$helper" cpu-ticks "$server_pid")
        [[ $rc == 0 ]] || { cat "$out" >&2; die "dnsperf failed against $label (exit $rc)"; }
    fi
    alive "$server_pid" || server_died=1
    stop_server "$server_pid"
    server_pid=""

    printf '  round %s  %-9s %8.2f s to answer   PSS %8.1f MiB   RSS %8.1f MiB   processes: %s%s\n' \
        "$round" "$label" "$secs" "$(bc_mib "$pss")" "$(bc_mib "$rss")" "${nproc_:-?}" \
        "$([[ $deep_ok == 1 ]] || echo '   deep name WRONG')"
    extra=(server="$name" label="$label" round="$round" records="$records" port="$port"
        seconds_to_answer="$secs" polls="$polls" pss_kib="$pss" rss_kib="$rss" processes="$nproc_"
        deep_name="$deep_name" deep_name_ok="$deep_ok" ready=1 server_died="$server_died")
    if ((load == 1)); then
        # record parses dnsperf's output, adds the CPU figures and prints one line.
        python3 "$helper" record "$out" "$meta" "$runs" "${extra[@]}" cpu_ticks_before="$before" \
            cpu_ticks_after="$after" clk_tck="$clk_tck"
    else
        python3 "$helper" kv-json "$tmp/run.json" "${extra[@]}"
        python3 -c 'import json,sys; open(sys.argv[2],"a").write(json.dumps(json.load(open(sys.argv[1])))+"\n")' "$tmp/run.json" "$runs"
    fi
}

bc_mib() { # KiB -> MiB with one decimal, or 0
    [[ -n ${1:-} ]] || { echo 0; return; }
    local tenths=$((($1 * 10 + 512) / 1024))
    echo "$((tenths / 10)).$((tenths % 10))"
}

# --- configuration -----------------------------------------------------------------------------

versions=(knot_version="$(command -v knotd >/dev/null && knotd --version 2>&1 | head -n 1 || echo none)"
    nsd_version="$(command -v nsd >/dev/null && nsd -v 2>&1 | head -n 1 || echo none)"
    dotnet_version="$(command -v dotnet >/dev/null && dotnet --version 2>/dev/null || echo none)")
python3 "$helper" kv-json "$tmp/config.json" \
    timestamp="$(date -u +%Y-%m-%dT%H:%M:%SZ)" benchmark=zone-scale \
    record_counts="$records_list" servers="$servers_list" rounds="$rounds" timeout_s="$start_timeout" \
    settle_s="$settle" load="$load" duration_s="$duration" clients="$clients" \
    server_cpu=0 client_cpu=1 nsd_server_count="${NSD_SERVER_COUNT:-1}" knot_workers="${KNOT_WORKERS:-1}" \
    dnshost_command="dotnet ${dnshost_dll:-none} serve --zones ZONES --address 127.0.0.1 --port PORT --api 127.0.0.1:FREE_PORT --data STATE/dnshost.db ${DNSHOST_ARGS:-}" \
    "${versions[@]}" \
    git_commit="$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)" \
    git_dirty="$(git -C "$repo" status --porcelain 2>/dev/null | grep -q . && echo yes || echo no)" \
    nproc="$(nproc)" kernel="$(uname -r)"
mkdir -p "$(dirname "$results")"

echo "servers pinned to CPU 0 on 127.0.0.1, dig/dnsperf on CPU 1; $rounds round(s); order: ${servers[*]}"
[[ " ${servers[*]} " == *" dnshost "* ]] && echo "DnsHost: dotnet $dnshost_dll serve ${DNSHOST_ARGS:-}"

for records in "${record_counts[@]}"; do
    zones="$tmp/zones-$records"
    rm -rf "$tmp"/zones-*   # one zone on disk at a time
    mkdir -p "$zones"
    bounded 900 "$tmp/gen-zone.log" python3 "$script_dir/gen-zone.py" --records "$records" --out "$zones" ||
        { cat "$tmp/gen-zone.log" >&2; die "gen-zone.py --records $records failed"; }
    cat "$tmp/gen-zone.log"
    mv "$zones/queries.txt" "$tmp/queries.txt"
    mv "$zones/queries.meta.json" "$tmp/queries.meta.json"
    queries="$tmp/queries.txt"
    meta="$tmp/queries.meta.json"
    serial=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["serial"])' "$meta")
    deep=$(python3 "$helper" deep-name "$zones/load.test.zone")
    echo "zone: $(du -m "$zones/load.test.zone" | cut -f1) MB; ready = SOA serial $serial; deep name check: $deep"
    for ((r = 1; r <= rounds; r++)); do
        for s in "${servers[@]}"; do
            bench "$s" "$r" "$records"
        done
    done
    python3 "$helper" scale-summary "$runs" "$tmp/config.json" "$results" "$records"
    echo
done
echo "results written to $results"
