using DnsHost.Protocol;

namespace DnsHost.Zones.Routing;

/// <summary>What a query would be answered, and why: Route 53's TestDNSAnswer, plus the reasons.</summary>
public sealed record Explanation(
    string? Zone, bool PrivateZone, string RecordName, string RecordType, ResponseCode ResponseCode,
    IReadOnlyList<string> RecordData, IReadOnlyList<string> Answer, IReadOnlyList<string> Reasons, int EcsScope);

/// <summary>
/// Runs the real answer path (zone choice, <see cref="AnswerEngine"/>, routing) for one name, type and
/// client, with a <see cref="RoutingTrace"/> collecting the reasons.
/// </summary>
public static class Explainer
{
    /// <param name="only">
    /// The zone to answer from (Route 53's TestDNSAnswer answers from the hosted zone its id names, even
    /// for a name a child zone holds); null: the zone the query path would choose.
    /// </param>
    public static Explanation Explain(ZoneCatalog catalog, RoutingEnvironment environment, string name, ushort type, IpPrefix resolver, IpPrefix? subnet, Zone? only = null)
    {
        var wire = DnsName.Parse(name.EndsWith('.') ? name : name + ".");
        var lower = new byte[wire.Length];
        DnsName.ToLower(wire, lower);
        var client = new QueryClient(environment, resolver, subnet);
        var trace = new RoutingTrace();
        var zone = only is null ? ZoneSelection.Select(catalog, lower, type, client.VpcMask)
            : DnsName.IsSubdomainOf(lower, only.Origin) ? only : null;
        string typeText = RecordData.TypeToText(type);
        if (zone is null)
        {
            trace.Note(only is null ? $"no zone served here contains {DnsName.ToText(lower)}: REFUSED" : $"zone {only.OriginText} does not contain {DnsName.ToText(lower)}: REFUSED");
            return new(null, false, DnsName.ToText(lower), typeText, ResponseCode.Refused, [], [], trace.Lines, 0);
        }
        trace.Note(zone.IsPrivate
            ? $"zone {zone.OriginText} (private, id {zone.HostedZone!.Id}): the resolver {resolver} is in one of its VPCs"
            : $"zone {zone.OriginText}{(zone.HostedZone is { } hz ? $" (public, id {hz.Id})" : "")}");
        if (type == (ushort)RecordType.DS && lower.Length > zone.Origin.Length && catalog.GetExact(lower) is not null)
            trace.Note("RFC 4035 3.1.4.1: DS at a zone cut is answered by the parent zone");
        if (zone.IsPrivate)
        {
            var vpc = environment.Vpcs.ClientVpc(zone.HostedZone!, client.VpcMask);
            if (vpc is { } v)
                trace.Note($"VPC {v.Vpc.VpcId} in {v.Vpc.VpcRegion}; private zones ignore EDNS Client Subnet");
            var region = vpc?.Region;
            client.EnterPrivateZone(region);
        }
        else if (subnet is not null)
            trace.Note($"client subnet (ECS) {subnet}");
        else
            trace.Note($"no client subnet; the resolver address {resolver} stands for the client");

        var buffer = new byte[ushort.MaxValue];
        var writer = new DnsMessageWriter(buffer, ushort.MaxValue);
        writer.TryWriteQuestion(wire, type, RecordClass.IN);
        var result = AnswerEngine.Answer(zone, lower, wire, type, ref writer, ref client, trace);
        writer.SetResponseCode(result.ResponseCode);
        int length = writer.Finish();

        var data = new List<string>();
        var answer = new List<string>();
        var reader = new DnsMessageReader(buffer.AsSpan(0, length));
        Span<byte> nameBuffer = stackalloc byte[DnsName.MaxLength + 1];
        reader.TryReadHeader(out var header);
        reader.TryReadQuestion(nameBuffer, out _);
        var rdata = new byte[ushort.MaxValue];
        for (int i = 0; i < header.AnswerCount && reader.TryReadRecord(nameBuffer, out var record); i++)
        {
            int n = Protocol.RecordData.CopyUncompressed(record.Type, buffer.AsSpan(0, length), record.RDataOffset, record.RDataLength, rdata);
            string text = Protocol.RecordData.ToText(record.Type, rdata.AsSpan(0, Math.Max(n, 0)));
            answer.Add($"{DnsName.ToText(nameBuffer[..record.NameLength])} {record.Ttl} IN {Protocol.RecordData.TypeToText(record.Type)} {text}");
            if (record.Type == type)
                data.Add(text);
        }
        trace.Note($"answer: {result.ResponseCode}{(result.Authoritative ? ", authoritative" : "")}, {answer.Count} record(s)");
        return new(zone.OriginText, zone.IsPrivate, DnsName.ToText(lower), typeText, result.ResponseCode, data, answer, trace.Lines, client.Scope);
    }
}
