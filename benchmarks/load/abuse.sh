#!/usr/bin/env bash
# What response rate limiting (RRL) and DNS cookies cost, and what RRL does to amplification:
# DnsHost with them off and on, beside Knot DNS with its RRL, in the same run, on one small zone.
# Server on core 0, dnsperf on core 1 (taskset), everything on 127.0.0.1.
#
# Rows (each a dnsperf run of --duration seconds from 127.0.0.1, which DnsHost's RRL is told not to exempt):
#   dnshost-off          RRL and cookies off
#   dnshost-rrl          RRL on with a limit far above the rate: every response is counted, none limited
#   dnshost-rrl-cookie   as above, queries carry a client cookie: a fresh server cookie per response (SipHash)
#   dnshost-valid-cookie as above, queries carry a valid server cookie: checked, echoed, exempt from RRL
#   knot-rrl             Knot with mod-rrl at a limit far above the rate (the reference for the RRL rows)
#   knot-valid-cookie    Knot with mod-rrl and mod-cookies, queries with a valid server cookie
#                        (Knot answers a client cookie alone with BADCOOKIE, so that row would not compare)
#   dnshost-flood, dnshost-flood-norrl, knot-flood   the large DNSKEY answer (EDNS 4096) flooded at
#                        RRL 200/s, slip 2 (and without RRL): amplification = bytes answered / bytes asked
# For each: queries per second, the server's CPU-seconds (utime+stime from /proc), queries per CPU-second,
# and for the flood rows the bytes in and out. Prints a table and writes abuse-results.txt beside this script.
#
# Usage: benchmarks/load/abuse.sh [--duration SECONDS] [--no-build]   (--no-build: DNSHOST_DLL=path/dnshost.dll)
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$script_dir/../.." && pwd)
duration=10
build=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --duration) duration=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        *) echo "usage: abuse.sh [--duration SECONDS] [--no-build]" >&2; exit 2 ;;
    esac
done
for tool in dnsperf knotd kdig taskset dotnet python3; do
    command -v "$tool" >/dev/null || { echo "abuse.sh: needs $tool" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dnshost-abuse.XXXXXX")
server_pid=""
cleanup() {
    if [[ -n $server_pid ]]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    [[ ${KEEP_TMP:-0} == 1 ]] && echo "kept $tmp" >&2 || rm -rf "$tmp"
}
trap cleanup EXIT

secret=e5e973e5a6b2a43f48e7dc849e37bfcf
free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# --- zone and queries ------------------------------------------------------------------------------
mkdir -p "$tmp/zones"
key=$(head -c 256 /dev/zero | tr '\0' 'A' | sed 's/.\{4\}$/AQAB/')
{
    echo '$ORIGIN abuse.test.'
    echo '$TTL 300'
    echo '@ SOA ns1 admin 1 3600 600 86400 300'
    echo '@ NS ns1'
    echo 'ns1 A 192.0.2.1'
    echo 'www A 192.0.2.10'
    # Four 2048-bit-sized keys: the DNSKEY set answered to a spoofed query is the classic amplifier.
    for n in 1 2 3 4; do echo "@ DNSKEY $((n == 1 ? 257 : 256)) 3 8 ${key:0:$((256 - n * 4))}$key$key${key:0:$((n * 4))}"; done
} >"$tmp/zones/abuse.test.zone"
echo "www.abuse.test A" >"$tmp/www.txt"
echo "abuse.test DNSKEY" >"$tmp/dnskey.txt"

if [[ $build == 1 ]]; then
    echo "publishing DnsHost (Release) ..."
    dotnet publish "$repo/src/DnsHost/DnsHost.csproj" -c Release -o "$tmp/pub" -nologo >"$tmp/publish.log" 2>&1 || { tail -20 "$tmp/publish.log"; exit 1; }
    dll="$tmp/pub/dnshost.dll"
else
    dll=${DNSHOST_DLL:?--no-build needs DNSHOST_DLL}
fi

# --- servers -----------------------------------------------------------------------------------------
start_dnshost() { # port extra-args...
    local port=$1; shift
    taskset -c 0 dotnet "$dll" serve --zones "$tmp/zones" --address 127.0.0.1 --port "$port" --api off \
        --data "$tmp/api-$port.db" --Dns:UdpSocketsPerAddress=1 --Dns:MaxUdpPayload=4096 \
        --Dns:RateLimit:Exempt:0=192.0.2.0/24 --Dns:Cookies:Secret=$secret "$@" >"$tmp/server-$port.log" 2>&1 &
    server_pid=$!
}

start_knot() { # port rate cookies(yes|no)
    local port=$1 rate=$2 cookies=$3 dir="$tmp/knot-$1"
    mkdir -p "$dir"
    local modules="mod-rrl/default"
    [[ $cookies == yes ]] && modules="mod-cookies/default, mod-rrl/default"
    cat >"$dir/knot.conf" <<CONF
server:
    rundir: "$dir"
    listen: 127.0.0.1@$port
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
    udp-max-payload: 4096
database:
    storage: "$dir"
mod-rrl:
  - id: default
    rate-limit: $rate
    slip: 2
mod-cookies:
  - id: default
    secret: 0x$secret
template:
  - id: default
    storage: "$tmp/zones"
    global-module: [$modules]
zone:
  - domain: abuse.test
    file: abuse.test.zone
CONF
    taskset -c 0 knotd -c "$dir/knot.conf" >"$dir/knot.log" 2>&1 &
    server_pid=$!
}

wait_ready() { # port
    for _ in $(seq 1 100); do
        kdig @127.0.0.1 -p "$1" +timeout=1 +retry=0 www.abuse.test A 2>/dev/null | grep -q 192.0.2.10 && return 0
        sleep 0.2
    done
    echo "abuse.sh: server on port $1 did not answer" >&2; return 1
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

stop_server() { kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=""; }

printf '%-22s %10s %10s %12s %12s %12s %8s\n' row qps cpu-s q/cpu-s bytes-in bytes-out amplif | tee "$tmp/table"
# run ROW PORT QUERYFILE [dnsperf args...]: dnsperf against the running server, CPU of the server around it.
run() {
    local row=$1 port=$2 file=$3; shift 3
    wait_ready "$port"
    local hz; hz=$(getconf CLK_TCK)
    local before; before=$(cpu_ticks "$server_pid")
    taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -d "$file" -l "$duration" -c 4 -q 100 -t 1 "$@" >"$tmp/$row.out" 2>&1 || true
    local after; after=$(cpu_ticks "$server_pid")
    python3 - "$row" "$tmp/$row.out" "$before" "$after" "$hz" <<'PY' | tee -a "$tmp/table"
import re, sys
row, out, before, after, hz = sys.argv[1], open(sys.argv[2]).read(), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
def num(pattern, default=0.0):
    m = re.search(pattern, out)
    return float(m.group(1)) if m else default
sent = num(r"Queries sent:\s+(\d+)")
done = num(r"Queries completed:\s+(\d+)")
qps = num(r"Queries per second:\s+([\d.]+)")
req = num(r"Average packet size:\s+request (\d+)")
resp = num(r"Average packet size:\s+request \d+, response (\d+)")
cpu = (after - before) / hz
bin_, bout = sent * req, done * resp
print(f"{row:<22} {qps:10.0f} {cpu:10.2f} {(done / cpu if cpu else 0):12.0f} {bin_:12.0f} {bout:12.0f} {(bout / bin_ if bin_ else 0):8.2f}")
PY
}

big=1000000
p=$(free_port); start_dnshost "$p" --Dns:RateLimit:Enabled=false --Dns:Cookies:Enabled=false; run dnshost-off "$p" "$tmp/www.txt"; stop_server
p=$(free_port); start_knot "$p" "$big" no; run knot-rrl "$p" "$tmp/www.txt"; stop_server
p=$(free_port); start_dnshost "$p" --Dns:RateLimit:ResponsesPerSecond=$big; run dnshost-rrl "$p" "$tmp/www.txt"; stop_server
p=$(free_port); start_dnshost "$p" --Dns:RateLimit:ResponsesPerSecond=$big
run dnshost-rrl-cookie "$p" "$tmp/www.txt" -E 10:0102030405060708
# A valid server cookie for 127.0.0.1 made by this server: dnsperf sends it with every query.
cookie=$(kdig @127.0.0.1 -p "$p" +cookie=0102030405060708 www.abuse.test A | sed -n 's/.*COOKIE: \([0-9A-Fa-f]*\).*/\1/p' | head -1)
run dnshost-valid-cookie "$p" "$tmp/www.txt" -E "10:$cookie"; stop_server
p=$(free_port); start_knot "$p" "$big" yes
kcookie=$(kdig @127.0.0.1 -p "$p" +cookie=0102030405060708 www.abuse.test A | sed -n 's/.*COOKIE: \([0-9A-Fa-f]*\).*/\1/p' | tail -1)
run knot-valid-cookie "$p" "$tmp/www.txt" -E "10:$kcookie"; stop_server
# The flood: the large DNSKEY answer with EDNS 4096, at the default-like limit of 200/s and slip 2.
p=$(free_port); start_dnshost "$p" --Dns:RateLimit:ResponsesPerSecond=200; run dnshost-flood "$p" "$tmp/dnskey.txt" -e -t 0.2; stop_server
p=$(free_port); start_dnshost "$p" --Dns:RateLimit:Enabled=false; run dnshost-flood-norrl "$p" "$tmp/dnskey.txt" -e -t 0.2; stop_server
p=$(free_port); start_knot "$p" 200 no; run knot-flood "$p" "$tmp/dnskey.txt" -e -t 0.2; stop_server

cp "$tmp/table" "$script_dir/abuse-results.txt"
echo "written $script_dir/abuse-results.txt"
