#!/usr/bin/env python3
"""Route 53 API throughput of a DnsHost: change batches per second on a large zone, and the time of a
full ListResourceRecordSets. Uses boto3 (pip install boto3) against --endpoint-url.

  python3 benchmarks/api/batches.py --endpoint http://127.0.0.1:8053 --records 10000 --batch 100 --batches 50
"""
import argparse, time, uuid
import boto3

p = argparse.ArgumentParser()
p.add_argument("--endpoint", default="http://127.0.0.1:8053")
p.add_argument("--records", type=int, default=10000)
p.add_argument("--batch", type=int, default=100)
p.add_argument("--batches", type=int, default=50)
a = p.parse_args()

r53 = boto3.client("route53", endpoint_url=a.endpoint, region_name="eu-west-1",
                   aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
name = f"bench-{uuid.uuid4().hex[:8]}.test."
zone = r53.create_hosted_zone(Name=name, CallerReference=uuid.uuid4().hex)["HostedZone"]["Id"]

def change(action, i, value):
    return {"Action": action, "ResourceRecordSet": {"Name": f"r{i}.{name}", "Type": "A", "TTL": 60,
            "ResourceRecords": [{"Value": value}]}}

# Fill the zone in batches of 1,000.
t = time.perf_counter()
for start in range(0, a.records, 1000):
    r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [
        change("CREATE", i, f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}") for i in range(start, min(a.records, start + 1000))]})
fill = time.perf_counter() - t

# Batches of UPSERTs over the full zone.
t = time.perf_counter()
for b in range(a.batches):
    r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [
        change("UPSERT", (b * a.batch + j) % a.records, f"192.0.2.{(b + j) % 250 + 1}") for j in range(a.batch)]})
elapsed = time.perf_counter() - t

t = time.perf_counter()
count = sum(len(page["ResourceRecordSets"]) for page in r53.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone))
listing = time.perf_counter() - t

print(f"zone of {a.records} record sets filled in {fill:.2f} s ({a.records // 1000} batches of 1,000)")
print(f"{a.batches} batches of {a.batch} UPSERTs: {elapsed:.2f} s, {a.batches / elapsed:.1f} batches/s, {a.batches * a.batch / elapsed:.0f} changes/s")
print(f"ListResourceRecordSets over {count} sets (pages of 300): {listing:.2f} s")
