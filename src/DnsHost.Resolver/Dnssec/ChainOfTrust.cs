using System.Collections.Concurrent;
using DnsHost.Dnssec;
using DnsHost.Protocol;

namespace DnsHost.Resolver.Dnssec;

/// <summary>Fetches one question without validating it (through the forwarders or by iteration).</summary>
public delegate Task<CachedAnswer?> DnssecFetch(byte[] name, ushort type, CancellationToken cancel);

/// <summary>
/// Builds chains of trust from the anchors down (RFC 4035 5): the anchor's DNSKEY set checked against
/// the anchor; then, label by label towards a name, the DS query each label's zone answers, validated
/// with that zone's keys: a DS set leads to the child's DNSKEY set (checked against the DS), a signed
/// proof of no DS at a delegation makes everything below insecure, and a name that is not a cut keeps
/// the parent's keys. Every step is cached by name until its records' TTL (or briefly when bogus),
/// and concurrent walks share the steps under way.
/// </summary>
internal sealed class ChainOfTrust(TrustAnchors anchors, DnssecFetch fetch, RecordSetVerifier verifier, ResolverOptions options, ResolverClock clock)
{
    private readonly ConcurrentDictionary<string, Task<ZoneTrust>> _trust = new();

    public void Flush() => _trust.Clear();

    private long Now => clock.Now;
    private long BogusExpiry => Now + options.DnssecBogusTtl * 1000L;

    /// <summary>The trust of the deepest zone enclosing <paramref name="name"/> (its own zone when it is an apex).</summary>
    public Task<ZoneTrust> TrustAtAsync(byte[] name, CancellationToken cancel)
    {
        if (anchors.IsNegative(name))
            return Task.FromResult(ZoneTrust.Insecure(name, long.MaxValue));
        string key = Convert.ToHexString(name);
        while (true)
        {
            if (_trust.TryGetValue(key, out var existing))
            {
                if (!existing.IsCompleted || existing.Result.ExpiresAt > Now)
                    return existing;
                if (!_trust.TryRemove(new KeyValuePair<string, Task<ZoneTrust>>(key, existing)))
                    continue;
            }
            var completion = new TaskCompletionSource<ZoneTrust>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_trust.TryAdd(key, completion.Task))
                continue;
            _ = ComputeAsync(name, completion, cancel);
            return completion.Task;
        }
    }

    private async Task ComputeAsync(byte[] name, TaskCompletionSource<ZoneTrust> completion, CancellationToken cancel)
    {
        try
        {
            completion.SetResult(await ComputeAsync(name, cancel));
        }
        catch (Exception)
        {
            // A timeout or failure on the way: bogus for now, and not remembered.
            _trust.TryRemove(new KeyValuePair<string, Task<ZoneTrust>>(Convert.ToHexString(name), completion.Task));
            completion.TrySetResult(ZoneTrust.Bogus(name, ExtendedDnsError.DnssecBogus, 0));
        }
    }

    private async Task<ZoneTrust> ComputeAsync(byte[] name, CancellationToken cancel)
    {
        var anchor = anchors.Closest(name);
        if (anchor is null)
            return ZoneTrust.Insecure(name, long.MaxValue);
        if (DnsName.EqualsIgnoreCase(anchor.Zone, name))
            return await ApexAsync(name, anchor.Ds, anchor.Keys, long.MaxValue, cancel);
        var parent = await TrustAtAsync(DnsName.Parent(name).ToArray(), cancel);
        if (parent.Status != DnssecStatus.Secure || parent.Terminal)
            return parent;
        return await StepAsync(parent, name, cancel);
    }

    /// <summary>The DS query for <paramref name="name"/>, answered by the secure zone <paramref name="parent"/>.</summary>
    private async Task<ZoneTrust> StepAsync(ZoneTrust parent, byte[] name, CancellationToken cancel)
    {
        var answer = await fetch(name, (ushort)RecordType.DS, cancel);
        if (answer is null || answer.ResponseCode is not (ResponseCode.NoError or ResponseCode.NXDomain))
            return ZoneTrust.Bogus(name, ExtendedDnsError.DnssecBogus, BogusExpiry);
        var records = Records(answer);
        long expires = Math.Min(parent.ExpiresAt, Now + answer.Ttl * 1000L);
        var answerSets = ResourceRecordSet.Group(records, DnsSection.Answer);
        var ds = answerSets.FirstOrDefault(s => s.Type == (ushort)RecordType.DS && DnsName.EqualsIgnoreCase(s.Owner, name));
        if (ds is not null)
        {
            var check = verifier.Verify(ds, parent);
            if (check.Status != DnssecStatus.Secure)
                return ZoneTrust.Bogus(name, check.ExtendedError, BogusExpiry);
            var usable = ds.RDatas.Where(d => d.Length > 4 && DnssecAlgorithm.IsSupported(d[2]) && DsDigestType.IsSupported(d[3])).ToList();
            // RFC 4035 5.2: a DS set with no algorithm or digest we know makes the child insecure.
            if (usable.Count == 0)
                return ZoneTrust.Insecure(name, expires);
            return await ApexAsync(name, usable, [], expires, cancel);
        }
        if (answerSets.Any(s => s.Type == (ushort)RecordType.CNAME && DnsName.EqualsIgnoreCase(s.Owner, name)))
            return parent with { ExpiresAt = expires }; // an alias is never a zone cut
        var proofs = ResourceRecordSet.Group(records, DnsSection.Authority)
            .Where(s => s.Type is (ushort)RecordType.NSEC or (ushort)RecordType.NSEC3).ToList();
        if (proofs.Count == 0)
            return ZoneTrust.Bogus(name, ExtendedDnsError.NsecMissing, BogusExpiry);
        foreach (var proof in proofs)
        {
            var check = verifier.Verify(proof, parent);
            if (check.Status != DnssecStatus.Secure)
                return ZoneTrust.Bogus(name, check.ExtendedError, BogusExpiry);
        }
        var denial = new DenialOfExistence(parent.Zone, proofs);
        return denial.ProveDelegation(name, answer.ResponseCode == ResponseCode.NXDomain) switch
        {
            DelegationProof.Insecure => ZoneTrust.Insecure(name, expires),
            DelegationProof.NotACut => parent with { ExpiresAt = expires },
            DelegationProof.NoName => parent with { ExpiresAt = expires, Terminal = true },
            _ => ZoneTrust.Bogus(name, ExtendedDnsError.NsecMissing, BogusExpiry),
        };
    }

    /// <summary>The zone's DNSKEY set, trusted when a key that a DS (or an anchor key) names has signed it (RFC 4035 5.2).</summary>
    private async Task<ZoneTrust> ApexAsync(byte[] zone, IReadOnlyList<byte[]> ds, IReadOnlyList<byte[]> anchorKeys, long expires, CancellationToken cancel)
    {
        if (ds.Count > 0 && anchorKeys.Count == 0 && !ds.Any(d => d.Length > 4 && DnssecAlgorithm.IsSupported(d[2]) && DsDigestType.IsSupported(d[3])))
            return ZoneTrust.Insecure(zone, expires);
        var answer = await fetch(zone, (ushort)RecordType.DNSKEY, cancel);
        if (answer is null || answer.ResponseCode != ResponseCode.NoError)
            return ZoneTrust.Bogus(zone, ExtendedDnsError.DnskeyMissing, BogusExpiry);
        var keys = ResourceRecordSet.Group(Records(answer), DnsSection.Answer)
            .FirstOrDefault(s => s.Type == (ushort)RecordType.DNSKEY && DnsName.EqualsIgnoreCase(s.Owner, zone));
        if (keys is null)
            return ZoneTrust.Bogus(zone, ExtendedDnsError.DnskeyMissing, BogusExpiry);
        var entry = keys.RDatas.Where(k => anchorKeys.Any(a => a.AsSpan().SequenceEqual(k)) || ds.Any(d => DsDigest.Matches(d, zone, k))).ToList();
        if (entry.Count == 0)
            return ZoneTrust.Bogus(zone, ExtendedDnsError.DnskeyMissing, BogusExpiry);
        var usableEntry = entry.Where(k => DnskeyRecord.TryRead(k, out var key) && key.IsZoneKey && !key.IsRevoked).ToList();
        if (usableEntry.Count == 0)
            return ZoneTrust.Bogus(zone, ExtendedDnsError.NoZoneKeyBitSet, BogusExpiry);
        var check = verifier.Verify(keys, new ZoneTrust(zone, DnssecStatus.Secure, usableEntry, 0, expires));
        if (check.Status != DnssecStatus.Secure)
            return ZoneTrust.Bogus(zone, check.ExtendedError, BogusExpiry);
        var zoneKeys = keys.RDatas.Where(k => DnskeyRecord.TryRead(k, out var key) && key.IsZoneKey && !key.IsRevoked && key.Protocol == 3).ToList();
        long keysExpire = Math.Min(expires, Now + Math.Min(answer.Ttl, check.TtlCap) * 1000L);
        return new ZoneTrust(zone, DnssecStatus.Secure, zoneKeys, 0, keysExpire);
    }

    internal static List<ValidatorRecord> Records(CachedAnswer answer)
    {
        var records = new List<ValidatorRecord>();
        foreach (var r in answer.Records)
            records.Add(new ValidatorRecord(r.Section, answer.Owner(r).ToArray(), r.Type, r.Ttl, answer.RData(r).ToArray()));
        return records;
    }
}
