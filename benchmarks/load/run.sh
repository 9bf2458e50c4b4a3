#!/usr/bin/env bash
# Load benchmark: DnsHost against NSD on the same generated zone (load.test, 100,000 records) with
# dnsperf over UDP, alternating the servers (NSD, DnsHost, NSD, DnsHost, ...) so that both see the
# same machine noise. For every run it prints queries per second, queries per CPU-second of the
# server's processes, and the rcode mix; then the DnsHost/NSD ratios per round and their median.
# Writes everything to benchmarks/load/results.json. Talks to 127.0.0.1 only; every step is
# bounded in time. See README.md in this folder.
#
# Usage: benchmarks/load/run.sh [--duration SECONDS] [--clients N] [--rounds N] [--threads N]
#                               [--outstanding N] [--max-qps N] [--warmup SECONDS]
#                               [--results FILE] [--no-build]
#        benchmarks/load/run.sh --nsd-server PORT ZONES_DIR     (see DNSHOST_CMD below)
#        benchmarks/load/run.sh --nsd-conf CONF STATE_DIR PORT ZONES_DIR  (only write NSD's config)
#
# Environment:
#   DNSHOST_DLL=path/dnshost.dll  with --no-build: run this build instead of publishing one.
#   DNSHOST_CMD='command ...'     run this instead of DnsHost (no build). {port} and {zones} are
#                                 replaced by the port and the zones folder. For example, to test
#                                 the script with a second NSD in DnsHost's place:
#                                   DNSHOST_CMD='benchmarks/load/run.sh --nsd-server {port} {zones}'
#   DNSHOST_ARGS='...'            extra arguments for `dnshost serve` (e.g. --Dns:UdpSocketsPerAddress=2).
#   NSD_SERVER_COUNT=N            NSD's server-count (default: nproc).
#   NSD_MINIMAL_RESPONSES=yes|no  NSD's minimal-responses (default yes: closest to DnsHost's answers).
#   KEEP_TMP=1                    keep the temporary folder (zone, queries, logs, dnsperf output).
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$script_dir/../.." && pwd)
helper="$script_dir/bench_helper.py"

die() { echo "run.sh: $*" >&2; exit 1; }

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

need() { # tool package
    command -v "$1" >/dev/null 2>&1 ||
        die "missing tool '$1': install it with apt-get install -y $2"
}

# --- NSD ---------------------------------------------------------------------------------------

write_nsd_conf() { # conf_file state_dir port zones_dir
    local conf=$1 state=$2 port=$3 zones=$4
    mkdir -p "$state"
    cat >"$conf" <<EOF
# Written by benchmarks/load/run.sh (write_nsd_conf) for one benchmark run.
server:
    ip-address: 127.0.0.1
    port: $port
    do-ip4: yes
    do-ip6: no
    server-count: ${NSD_SERVER_COUNT:-$(nproc)}
    reuseport: yes
    username: ""
    chroot: ""
    zonesdir: "$zones"
    database: ""
    zonelistfile: "$state/zone.list"
    xfrdfile: "$state/xfrd.state"
    xfrdir: "$state"
    pidfile: "$state/nsd.pid"
    logfile: "$state/nsd.log"
    verbosity: 0
    hide-version: yes
    zonefiles-write: 0
    # NSD by default adds the apex NS RRset (authority) and its addresses (additional) to every
    # positive answer; DnsHost, like Knot, does not, so NSD's answers would be much bigger. With
    # minimal-responses NSD omits those (and also the MX/SRV target addresses, which DnsHost adds),
    # which is the closer match. NSD_MINIMAL_RESPONSES=no restores NSD's default.
    minimal-responses: ${NSD_MINIMAL_RESPONSES:-yes}
    # Response rate limiting (on by default in Debian's build: 200 qps per source) would throttle
    # a benchmark from a single address.
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0

remote-control:
    control-enable: no

zone:
    name: load.test
    zonefile: load.test.zone
EOF
    nsd-checkconf "$conf" >/dev/null || die "nsd-checkconf rejected $conf"
}

# `run.sh --nsd-conf CONF STATE_DIR PORT ZONES_DIR`: only write (and check) the NSD configuration
# the NSD half uses, for other scripts (zone-scale.sh).
if [[ ${1:-} == --nsd-conf ]]; then
    [[ $# -eq 5 ]] || die "usage: run.sh --nsd-conf CONF STATE_DIR PORT ZONES_DIR"
    need nsd-checkconf nsd
    write_nsd_conf "$2" "$3" "$4" "$5"
    exit 0
fi

# `run.sh --nsd-server PORT ZONES`: run NSD in the foreground on 127.0.0.1:PORT for ZONES/load.test.zone,
# configured as the NSD half is; its state goes next to ZONES. For DNSHOST_CMD.
if [[ ${1:-} == --nsd-server ]]; then
    [[ $# -eq 3 ]] || die "usage: run.sh --nsd-server PORT ZONES_DIR"
    need nsd nsd
    zones=$(cd "$3" && pwd)
    state="$(dirname "$zones")/nsd-server.$2"
    write_nsd_conf "$state/nsd.conf" "$state" "$2" "$zones"
    exec nsd -d -c "$state/nsd.conf"
fi

# --- options -----------------------------------------------------------------------------------

duration=20
clients=20
threads=2
outstanding=100
max_qps=""
warmup=3
rounds=2
build=1
results="$script_dir/results.json"

int_arg() { [[ ${2:-} =~ ^[0-9]+$ ]] || die "$1 needs a whole number (got '${2:-}')"; }
while [[ $# -gt 0 ]]; do
    case "$1" in
        --duration) int_arg "$1" "${2:-}"; duration=$2; shift 2 ;;
        --clients) int_arg "$1" "${2:-}"; clients=$2; shift 2 ;;
        --threads) int_arg "$1" "${2:-}"; threads=$2; shift 2 ;;
        --outstanding) int_arg "$1" "${2:-}"; outstanding=$2; shift 2 ;;
        --max-qps) int_arg "$1" "${2:-}"; max_qps=$2; shift 2 ;;
        --warmup) int_arg "$1" "${2:-}"; warmup=$2; shift 2 ;;
        --rounds) int_arg "$1" "${2:-}"; rounds=$2; shift 2 ;;
        --results) [[ -n ${2:-} ]] || die "--results needs a file"; results=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown option '$1'" ;;
    esac
done
((duration >= 1 && duration <= 3600)) || die "--duration must be 1..3600 seconds"
((rounds >= 1 && rounds <= 20)) || die "--rounds must be 1..20"
((clients >= 1 && threads >= 1 && outstanding >= 1)) || die "--clients, --threads, --outstanding must be positive"
((clients >= threads)) || die "--clients must be at least --threads"
((warmup <= 600)) || die "--warmup must be at most 600 seconds"

need python3 python3
need dig bind9-dnsutils
need dnsperf dnsperf
need nsd nsd
need nsd-checkconf nsd
need timeout coreutils
need setsid util-linux
need getconf libc-bin

if [[ -n ${DNSHOST_CMD:-} ]]; then
    dnshost_mode=cmd
elif [[ $build == 0 ]]; then
    [[ -n ${DNSHOST_DLL:-} ]] || die "--no-build needs DNSHOST_DLL=path/to/dnshost.dll (or DNSHOST_CMD)"
    [[ -f $DNSHOST_DLL ]] || die "DNSHOST_DLL=$DNSHOST_DLL does not exist"
    need dotnet dotnet-sdk-10.0
    dnshost_mode=dll
else
    need dotnet dotnet-sdk-10.0
    dnshost_mode=build
fi

clk_tck=$(getconf CLK_TCK)
ncpu=$(nproc)

# --- temp dir and cleanup ----------------------------------------------------------------------

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dnshost-load.XXXXXX")
server_pid=""
dnsperf_pid=""

# Stop a server started by start_server: SIGTERM to its process group, SIGKILL after 5 s.
stop_server() { # pid
    local pid=$1 i
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        python3 "$helper" group-alive "$pid" || break
        sleep 0.1
    done
    if python3 "$helper" group-alive "$pid"; then
        echo "  (server $pid ignored SIGTERM for 5 s; SIGKILL)" >&2
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    if [[ -n $dnsperf_pid ]]; then kill -TERM "$dnsperf_pid" 2>/dev/null || true; wait "$dnsperf_pid" 2>/dev/null || true; fi
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

# --- inputs ------------------------------------------------------------------------------------

mkdir -p "$tmp/zones"
timeout 300 python3 "$script_dir/gen-zone.py" --out "$tmp/zones" 2>"$tmp/gen-zone.log" ||
    { cat "$tmp/gen-zone.log" >&2; die "gen-zone.py failed"; }
mv "$tmp/zones/queries.txt" "$tmp/zones/queries.meta.json" "$tmp/"
queries="$tmp/queries.txt"
meta="$tmp/queries.meta.json"
serial=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["serial"])' "$meta")
nsd-checkzone load.test "$tmp/zones/load.test.zone" >/dev/null ||
    die "nsd-checkzone rejected the generated zone"
cat "$tmp/gen-zone.log"

case $dnshost_mode in
    build)
        echo "publishing DnsHost (Release) ..."
        timeout 900 dotnet publish "$repo/src/DnsHost/DnsHost.csproj" -c Release -o "$tmp/dnshost" \
            -nologo >"$tmp/publish.log" 2>&1 ||
            { tail -n 40 "$tmp/publish.log" >&2; die "dotnet publish failed"; }
        dnshost_dll="$tmp/dnshost/dnshost.dll"
        [[ -f $dnshost_dll ]] || die "dotnet publish did not produce $dnshost_dll"
        ;;
    dll) dnshost_dll=$(cd "$(dirname "$DNSHOST_DLL")" && pwd)/$(basename "$DNSHOST_DLL") ;;
    cmd) dnshost_dll="" ;;
esac

# --- servers -----------------------------------------------------------------------------------

# Start a server in its own process group (setsid, so that it and any children can be signalled
# together); sets server_pid.
start_server() { # name port log
    local name=$1 port=$2 log=$3 cmd
    case $name in
        nsd)
            write_nsd_conf "$tmp/nsd/nsd.conf" "$tmp/nsd" "$port" "$tmp/zones"
            rm -f "$tmp/nsd/nsd.pid"
            setsid nsd -d -c "$tmp/nsd/nsd.conf" >"$log" 2>&1 </dev/null &
            ;;
        dnshost)
            if [[ $dnshost_mode == cmd ]]; then
                cmd=${DNSHOST_CMD//\{port\}/$port}
                cmd=${cmd//\{zones\}/$tmp/zones}
                (cd "$repo" && exec setsid bash -c "exec $cmd") >"$log" 2>&1 </dev/null &
            else
                # shellcheck disable=SC2086 # DNSHOST_ARGS is split on purpose
                setsid dotnet "$dnshost_dll" serve --zones "$tmp/zones" --address 127.0.0.1 \
                    --port "$port" ${DNSHOST_ARGS:-} >"$log" 2>&1 </dev/null &
            fi
            ;;
    esac
    server_pid=$!
}

# Wait (at most 60 s) until the server answers the zone's SOA with the generated serial.
# Returns 1 on timeout, 2 if the server exited.
wait_ready() { # port pid
    local port=$1 pid=$2 deadline=$((SECONDS + 60)) answer
    while ((SECONDS < deadline)); do
        python3 "$helper" group-alive "$pid" || return 2
        answer=$(timeout 5 dig @127.0.0.1 -p "$port" load.test SOA +short +time=1 +tries=1 2>/dev/null || true)
        [[ $answer == *" $serial "* ]] && return 0
        sleep 0.2
    done
    return 1
}

dnsperf_args() { # port duration
    local a=(-s 127.0.0.1 -p "$1" -d "$queries" -l "$2" -c "$clients" -T "$threads" -q "$outstanding" -t 2)
    [[ -n $max_qps ]] && a+=(-Q "$max_qps")
    printf '%s\n' "${a[@]}"
}

run_dnsperf() { # port duration output
    local rc=0 args
    mapfile -t args < <(dnsperf_args "$1" "$2")
    timeout -k 5 $(($2 + 60)) dnsperf "${args[@]}" >"$3" 2>&1 &
    dnsperf_pid=$!
    wait "$dnsperf_pid" || rc=$?
    dnsperf_pid=""
    return "$rc"
}

runs="$tmp/runs.jsonl"
: >"$runs"

bench() { # name round
    local name=$1 round=$2 label port log attempt status before after died=0 out rc
    [[ $name == nsd ]] && label=NSD || label=DnsHost
    for attempt in 1 2 3; do
        port=$(python3 "$helper" free-port)
        log="$tmp/$name-round$round.log"
        start_server "$name" "$port" "$log"
        status=0
        wait_ready "$port" "$server_pid" || status=$?
        [[ $status == 0 ]] && break
        stop_server "$server_pid"
        server_pid=""
        echo "  $label did not come up on port $port ($([[ $status == 1 ]] && echo 'no answer within 60 s' || echo 'it exited')); log:" >&2
        tail -n 20 "$log" >&2 || true
        [[ $status == 2 && $attempt -lt 3 ]] || die "$label failed to start"
        echo "  retrying on another port" >&2
    done

    if ((warmup > 0)); then
        run_dnsperf "$port" "$warmup" "$tmp/dnsperf-$name-round$round-warmup.txt" ||
            { cat "$tmp/dnsperf-$name-round$round-warmup.txt" >&2; die "dnsperf (warm-up) failed against $label"; }
    fi
    before=$(python3 "$helper" cpu-ticks "$server_pid")
    out="$tmp/dnsperf-$name-round$round.txt"
    rc=0
    run_dnsperf "$port" "$duration" "$out" || rc=$?
    after=$(python3 "$helper" cpu-ticks "$server_pid")
    python3 "$helper" group-alive "$server_pid" || died=1
    stop_server "$server_pid"
    server_pid=""
    if [[ $rc != 0 ]]; then
        cat "$out" >&2
        die "dnsperf failed against $label (exit $rc)"
    fi
    python3 "$helper" record "$out" "$meta" "$runs" server="$name" label="$label" round="$round" \
        port="$port" cpu_ticks_before="$before" cpu_ticks_after="$after" clk_tck="$clk_tck" \
        server_died="$died"
}

dnsperf_desc="dnsperf $(dnsperf_args PORT "$duration" | tr '\n' ' ' | sed "s|$tmp/||; s/ \$//")"
if [[ $dnshost_mode == cmd ]]; then dnshost_desc="DNSHOST_CMD: $DNSHOST_CMD"
else dnshost_desc="dotnet $dnshost_dll serve --zones ZONES --address 127.0.0.1 --port PORT ${DNSHOST_ARGS:-}"; fi

python3 "$helper" kv-json "$tmp/config.json" \
    timestamp="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    duration_s="$duration" warmup_s="$warmup" rounds="$rounds" clients="$clients" threads="$threads" \
    outstanding="$outstanding" max_qps="${max_qps:-none}" \
    dnsperf_command="$dnsperf_desc" \
    dnsperf_version="$(dnsperf -h 2>&1 | sed -n 's/^Version //p' | head -n 1)" \
    nsd_version="$(nsd -v 2>&1 | head -n 1)" nsd_server_count="${NSD_SERVER_COUNT:-$ncpu}" \
    nsd_minimal_responses="${NSD_MINIMAL_RESPONSES:-yes}" \
    dnshost_command="$dnshost_desc" \
    git_commit="$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)" \
    git_dirty="$(git -C "$repo" status --porcelain 2>/dev/null | grep -q . && echo yes || echo no)" \
    nproc="$ncpu" clk_tck="$clk_tck" kernel="$(uname -r)"

echo "servers on 127.0.0.1, $ncpu CPUs; $dnsperf_desc"
echo "DnsHost: $dnshost_desc"
echo "each run: start, wait for the SOA, ${warmup} s warm-up, ${duration} s measured, stop"
for ((r = 1; r <= rounds; r++)); do
    bench nsd "$r"
    bench dnshost "$r"
done

mkdir -p "$(dirname "$results")"
python3 "$helper" summarize "$runs" "$tmp/config.json" "$meta" "$results"
