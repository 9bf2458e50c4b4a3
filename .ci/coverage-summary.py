#!/usr/bin/env python3
"""Line and branch coverage per project from coverlet's Cobertura files.

Usage: coverage-summary.py RESULTS_DIR   (the --results-directory of dotnet test --collect:"XPlat Code Coverage")
Prints a Markdown table: one row per src/ project, then the total. Lines and branches are counted once
per file and line, so several Cobertura files (one per test run) merge instead of adding up.
"""
import glob
import os
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict


def main(results):
    files = glob.glob(os.path.join(results, "**", "coverage.cobertura.xml"), recursive=True)
    if not files:
        sys.exit(f"no coverage.cobertura.xml under {results}")
    # package -> (file, line) -> [hits, branches covered, branches total]
    lines = defaultdict(dict)
    for path in files:
        for package in ET.parse(path).getroot().iter("package"):
            name = package.get("name")
            # The executable's assembly is "dnshost" (its AssemblyName); test, fuzz and benchmark code is not measured.
            if not name.lower().startswith("dnshost") or name.lower() in ("dnshost.tests", "dnshost.fuzz", "dnshost-fuzz", "dnshost.benchmarks"):
                continue
            for cls in package.iter("class"):
                source = cls.get("filename")
                # Source generators' output (regex, LoggerMessage) is not code we wrote or can test apart.
                if "/obj/" in source.replace("\\", "/"):
                    continue
                for line in cls.iter("line"):
                    key = (source, int(line.get("number")))
                    hits = int(line.get("hits"))
                    covered = total = 0
                    if line.get("branch") == "True":
                        # condition-coverage="50% (1/2)"
                        fraction = line.get("condition-coverage", "0% (0/0)").split("(")[1].rstrip(")")
                        covered, total = (int(x) for x in fraction.split("/"))
                    old = lines[name].get(key)
                    if old is None:
                        lines[name][key] = [hits, covered, total]
                    else:
                        old[0] += hits
                        old[1] = max(old[1], covered)
                        old[2] = max(old[2], total)
    print("| project | lines covered | line coverage | branches covered | branch coverage |")
    print("|---|---:|---:|---:|---:|")
    all_l = all_lc = all_b = all_bc = 0
    for name in sorted(lines):
        values = lines[name].values()
        l, lc = len(values), sum(1 for v in values if v[0] > 0)
        b, bc = sum(v[2] for v in values), sum(v[1] for v in values)
        all_l, all_lc, all_b, all_bc = all_l + l, all_lc + lc, all_b + b, all_bc + bc
        print(f"| {name} | {lc}/{l} | {100 * lc / max(l, 1):.1f}% | {bc}/{b} | {100 * bc / max(b, 1):.1f}% |")
    print(f"| **all** | {all_lc}/{all_l} | {100 * all_lc / max(all_l, 1):.1f}% | {all_bc}/{all_b} | {100 * all_bc / max(all_b, 1):.1f}% |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "TestResults")
