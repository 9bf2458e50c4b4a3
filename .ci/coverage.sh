#!/usr/bin/env bash
# Line and branch coverage of the whole suite per project (coverlet.collector), as a Markdown table.
# Only code that runs inside the test process counts: tests that start `dnshost` as a child process
# (ProcessTests, CrashSafetyTests, the differential runs' peers) exercise code this does not see.
set -euo pipefail
cd "$(dirname "$0")/.."
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
dotnet build tests/DnsHost.Tests >/dev/null
dotnet test tests/DnsHost.Tests --no-build --collect:"XPlat Code Coverage" --results-directory "$results" || true
python3 .ci/coverage-summary.py "$results"
