#!/usr/bin/env bash
# Fuzz one target with afl++ through SharpFuzz: publish the harness, instrument the DnsHost assemblies,
# and run afl-fuzz on the seed corpus of fuzz/corpus/TARGET. See fuzz/README.md.
#
# Usage: fuzz/run-afl.sh TARGET [SECONDS] [OUT_DIR]
#   TARGET   message | masterfile | route53json | xml | sigv4
#   SECONDS  how long afl-fuzz runs (default 600); 0: until stopped
#   OUT_DIR  afl's output folder (default /tmp/dnshost-afl/TARGET); findings are in OUT_DIR/default/crashes
# Needs: afl++ (apt-get install -y afl++), the SharpFuzz tool (dotnet tool install -g SharpFuzz.CommandLine --version 2.3.0).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
target=${1:?usage: run-afl.sh TARGET [SECONDS] [OUT_DIR]}
seconds=${2:-600}
out=${3:-/tmp/dnshost-afl/$target}
export PATH="$PATH:$HOME/.dotnet/tools"
command -v afl-fuzz >/dev/null || { echo "run-afl.sh: needs afl++ (apt-get install -y afl++)" >&2; exit 1; }
command -v sharpfuzz >/dev/null || { echo "run-afl.sh: needs sharpfuzz (dotnet tool install -g SharpFuzz.CommandLine --version 2.3.0)" >&2; exit 1; }

bin=${FUZZ_BIN:-/tmp/dnshost-afl/bin}
if [[ ! -f $bin/.instrumented ]]; then
    dotnet publish "$here/DnsHost.Fuzz/DnsHost.Fuzz.csproj" -c Release -o "$bin" -nologo >/dev/null
    # Only our own assemblies carry afl's coverage probes; the BCL and packages stay as they are.
    for dll in DnsHost.Protocol DnsHost.Zones DnsHost.Server DnsHost.Route53; do
        sharpfuzz "$bin/$dll.dll" >/dev/null
    done
    touch "$bin/.instrumented"
fi

mkdir -p "$out"
# dotnet itself is not instrumented (SharpFuzz reports coverage from the managed code): skip afl's binary check.
# AFL_NO_AFFINITY: on a shared machine no core is free for afl to pin itself to.
export AFL_SKIP_BIN_CHECK=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1
args=(-i "$here/corpus/$target" -o "$out" -t 5000 -m none)
[[ $seconds != 0 ]] && args+=(-V "$seconds")
# Input sizes: a DNS message fits 64 KiB, the text targets are capped by afl's default (1 MiB).
exec afl-fuzz "${args[@]}" -- dotnet "$bin/dnshost-fuzz.dll" afl "$target"
