using System.Text;
using System.Xml;
using DnsHost.Protocol;
using DnsHost.Route53.Api;
using DnsHost.Server;
using DnsHost.Zones;
using DnsHost.Zones.Routing;

namespace DnsHost.Fuzz;

/// <summary>
/// The fuzz targets: each takes one input and either returns (the input was handled: answered, or refused
/// with the error a user would see) or throws, which is a finding. The exceptions a target lists as
/// expected are the clear errors the real caller turns into a message (a zone problem, Route 53's
/// InvalidInput); anything else would be a crash, a 500 or a dropped zone.
/// </summary>
public static class FuzzTargets
{
    public static readonly string[] Names = ["message", "masterfile", "route53json", "xml", "sigv4"];

    public static void Run(string target, ReadOnlySpan<byte> input)
    {
        switch (target)
        {
            case "message": Message(input); break;
            case "masterfile": MasterFile(input); break;
            case "route53json": Route53Json(input); break;
            case "xml": Xml(input); break;
            case "sigv4": SigV4(input); break;
            default: throw new ArgumentException($"unknown target '{target}'; one of {string.Join(", ", Names)}");
        }
    }

    // --- the DNS message reader and the whole query pipeline -----------------------------------------

    private static QueryProcessor? _processor;
    private static readonly byte[] Response = new byte[ushort.MaxValue];

    /// <summary>Never throws: every query is answered, FORMERR'd or dropped; what is sent must parse.</summary>
    private static void Message(ReadOnlySpan<byte> input)
    {
        _processor ??= CreateProcessor();
        var reader = new DnsMessageReader(input);
        Span<byte> name = stackalloc byte[DnsName.MaxLength + 1];
        if (reader.TryReadHeader(out var header))
        {
            for (int i = 0; i < header.QuestionCount && reader.TryReadQuestion(name, out _); i++) { }
            int records = header.AnswerCount + header.AuthorityCount + header.AdditionalCount;
            for (int i = 0; i < records && reader.TryReadRecord(name, out var record); i++)
            {
                if (record.Type == (ushort)RecordType.OPT)
                    reader.TryReadEdns(record, out _);
            }
        }
        foreach (bool tcp in new[] { false, true })
        {
            var disposition = _processor.Process(input, Response, tcp, transferAllowed: true, new IpPrefix(false, 0xC0000201, 32), out int length, out _);
            if (disposition != QueryDisposition.Respond)
                continue;
            var check = new DnsMessageReader(Response.AsSpan(0, length));
            if (!check.TryReadHeader(out var h))
                throw new InvalidOperationException("the response has no header");
            for (int i = 0; i < h.QuestionCount; i++)
            {
                if (!check.TryReadQuestion(name, out _))
                    throw new InvalidOperationException($"the response's question does not parse: {check.Error}");
            }
            for (int i = 0; i < h.AnswerCount + h.AuthorityCount + h.AdditionalCount; i++)
            {
                if (!check.TryReadRecord(name, out _))
                    throw new InvalidOperationException($"a record of the response does not parse: {check.Error}");
            }
        }
    }

    private static QueryProcessor CreateProcessor()
    {
        var registry = new ZoneRegistry();
        var zone = MasterFileLoader.Load(WriteTemp("fuzz.test.zone", Encoding.ASCII.GetBytes(SampleZone)));
        registry.Replace(ZoneCatalog.Create([zone]));
        var options = new DnsServerOptions();
        options.RateLimit.Exempt = ["0.0.0.0/0", "::/0"];
        return new QueryProcessor(registry, options, cookies: new ServerCookies(new CookieOptions()), rateLimiter: new ResponseRateLimiter(options.RateLimit));
    }

    private const string SampleZone = """
        $ORIGIN fuzz.test.
        $TTL 300
        @ SOA ns1 admin 1 3600 600 86400 300
        @ NS ns1
        @ MX 10 mail
        ns1 A 192.0.2.1
        www A 192.0.2.10
        www AAAA 2001:db8::10
        mail A 192.0.2.25
        alias CNAME www
        *.wild TXT "wildcard"
        sub NS ns.sub
        ns.sub A 192.0.2.53
        dname DNAME example.net.
        """;

    // --- zone sources ----------------------------------------------------------------------------

    private static readonly string Folder = Directory.CreateTempSubdirectory("dnshost-fuzz-").FullName;

    private static string WriteTemp(string fileName, ReadOnlySpan<byte> content)
    {
        var path = Path.Combine(Folder, fileName);
        File.WriteAllBytes(path, content.ToArray());
        return path;
    }

    /// <summary>A master file: loads, or fails with zone problems (file and line), nothing else.</summary>
    private static void MasterFile(ReadOnlySpan<byte> input)
    {
        // $INCLUDE is renamed: an include of /dev/zero or a fifo is the zone-containment work of issue 16
        // (another branch); here it would only stall the fuzzer.
        var text = input.ToArray();
        for (int i = text.AsSpan().IndexOf("$INCLUDE"u8); i >= 0; i = text.AsSpan().IndexOf("$INCLUDE"u8))
            text[i + 1] = (byte)'X';
        var path = WriteTemp("fuzz.test.zone", text);
        try { MasterFileLoader.Load(path, Folder); }
        catch (ZoneLoadException) { }
    }

    /// <summary>A Route 53 JSON zone: loads, or fails with zone problems, nothing else.</summary>
    private static void Route53Json(ReadOnlySpan<byte> input)
    {
        var path = WriteTemp("fuzz.test.json", input);
        try { DnsHost.Zones.HostedZones.HostedZoneLoader.Load(path, RoutingEnvironment.Default, new RoutingOptions(), Folder); }
        catch (ZoneLoadException) { }
    }

    // --- the HTTP API's readers ------------------------------------------------------------------

    /// <summary>
    /// A request body as the API reads it: XML, then the record sets and health-check configs inside.
    /// XmlException and Route53Exception become Route 53's InvalidInput; anything else would be a 500.
    /// </summary>
    private static void Xml(ReadOnlySpan<byte> input)
    {
        try
        {
            // Read as the API reads a body, so a finding here is a 500 there.
            using var stream = new MemoryStream(input.ToArray());
            var root = Route53RequestLimits.ParseBody(stream).Root!;
            foreach (var e in root.DescendantsAndSelf())
                e.Name = Route53Xml.Ns + e.Name.LocalName;
            foreach (var set in root.Descendants(Route53Xml.Ns + "ResourceRecordSet"))
                _ = Route53Xml.ReadRecordSet(set);
            foreach (var config in root.Descendants(Route53Xml.Ns + "HealthCheckConfig"))
                _ = Route53Xml.ReadHealthCheckConfig(config);
            foreach (var e in root.Descendants())
            {
                _ = Route53Xml.Long(e.Parent, e.Name.LocalName);
                _ = Route53Xml.Bool(e.Parent, e.Name.LocalName);
            }
        }
        catch (XmlException) { }
        catch (Route53Exception) { }
    }

    private static readonly SigV4Verifier Verifier = new(new Dictionary<string, string> { ["AKIDEXAMPLE"] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" });

    /// <summary>
    /// A signed request as text: method, path, query on the first three lines, then "name: value" headers,
    /// an empty line, and the body. The verifier answers every input with a result, never an exception.
    /// </summary>
    private static void SigV4(ReadOnlySpan<byte> input)
    {
        var text = Encoding.UTF8.GetString(input);
        int bodyStart = text.IndexOf("\n\n", StringComparison.Ordinal);
        var head = (bodyStart < 0 ? text : text[..bodyStart]).Split('\n');
        var body = bodyStart < 0 ? [] : Encoding.UTF8.GetBytes(text[(bodyStart + 2)..]);
        var headers = head.Skip(3).Select(line =>
        {
            int colon = line.IndexOf(':');
            return colon < 0 ? new KeyValuePair<string, string>(line, "") : new(line[..colon], line[(colon + 1)..].Trim());
        }).ToList();
        _ = Verifier.Verify(head.ElementAtOrDefault(0) ?? "", head.ElementAtOrDefault(1) ?? "", head.ElementAtOrDefault(2) ?? "", headers, body);
    }
}
