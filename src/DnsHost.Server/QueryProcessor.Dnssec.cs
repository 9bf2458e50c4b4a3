using DnsHost.Dnssec.Signing;
using DnsHost.Protocol;
using DnsHost.Zones;

namespace DnsHost.Server;

/// <summary>The DNSSEC stages of a signed zone (see <see cref="ResponseSigner"/>).</summary>
public sealed partial class QueryProcessor
{
    /// <summary>The zones signed online and their keys; null when no zone is signed.</summary>
    public ZoneSigners? Signers { get; init; }

    /// <summary>
    /// The signer of a Route 53 API zone whose signing is enabled through the API (EnableHostedZoneDNSSEC),
    /// or null; asked before <see cref="Signers"/> for zones with a hosted zone id.
    /// </summary>
    public Func<Zone, ZoneSigner?>? HostedZoneSigners { get; init; }

    private readonly SignedAnswerCache _signedAnswers = new();

    /// <summary>The zone's signer and its denial: an API zone's is compact (as Route 53's), a file zone's as configured.</summary>
    private ZoneSigner? SignerFor(Zone zone, out bool nsec3)
    {
        nsec3 = false;
        if (zone.HostedZone is not null && HostedZoneSigners?.Invoke(zone) is { } api)
            return api;
        var signer = Signers?.For(zone);
        nsec3 = signer is not null && Signers!.UsesNsec3For(zone);
        return signer;
    }

    /// <summary>DNSKEY, CDS and CDNSKEY at a signed zone's apex come from its keys, not from the zone's data.</summary>
    private bool AnswerZoneKeys(ref QueryContext q)
    {
        if (q.Zone is not { } zone || PresignedZone.Of(zone) is not null || SignerFor(zone, out bool nsec3) is not { } signer
            || !ResponseSigner.IsKeyQuery(signer, q.Lower, q.Question.Type, nsec3))
            return true;
        q.WriteQuestion();
        q.Writer.Flags |= DnsHeader.AaBit;
        if (!ResponseSigner.TryWriteKeys(signer, zone, q.Question.Type, q.QName, q.Edns.DnssecOk, ref q.Writer))
            q.Writer.Flags |= DnsHeader.TcBit;
        return q.Respond(ResponseCode.NoError);
    }

    /// <summary>With DO set, a signed zone's answer gets its RRSIGs and denial proofs; the RCODE may change (compact denial).</summary>
    private ResponseCode SignAnswer(ref QueryContext q, ResponseCode rcode, bool authoritative)
    {
        if (q.Zone is not { } zone)
            return rcode;
        // Route 53 serves a signing hosted zone's TTLs at most a week, DO or not (SignedTtlCap).
        if (zone.HostedZone is not null && HostedZoneSigners?.Invoke(zone) is not null)
            SignedTtlCap.Apply(q.Response[..q.Writer.Position], q.Writer.AnswerCount + q.Writer.AuthorityCount + q.Writer.AdditionalCount);
        if (!q.Edns.DnssecOk)
            return rcode;
        bool truncated;
        // A zone file that came signed is served as it is, never signed again (RFC 4035 3.1).
        if (PresignedZone.Of(zone) is { } presigned)
            rcode = PresignedAnswer.Add(presigned, zone, ref q.Writer, rcode, authoritative, out truncated);
        else if (SignerFor(zone, out bool nsec3) is { } signer)
            rcode = _signedAnswers.Sign(signer, zone, ref q.Writer, rcode, authoritative, out truncated, nsec3);
        else
            return rcode;
        if (truncated)
            q.Writer.Flags |= DnsHeader.TcBit;
        return rcode;
    }
}
