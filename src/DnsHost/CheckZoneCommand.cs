using DnsHost.Protocol;
using DnsHost.Zones;
using DnsHost.Zones.HostedZones;
using DnsHost.Zones.Routing;

namespace DnsHost;

/// <summary>The check-zone verb: load a zone file as the server would and report, like named-checkzone.</summary>
public static class CheckZoneCommand
{
    public static int Run(CommandLine command)
    {
        if (command.Positional.Count != 1)
        {
            Console.Error.WriteLine("usage: dnshost check-zone FILE");
            return 64;
        }
        string file = command.Positional[0];
        var warnings = new List<ZoneProblem>();
        try
        {
            var zone = file.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
                ? HostedZoneLoader.Load(file, RoutingEnvironment.Default, new RoutingOptions(), null, warnings)
                : MasterFileLoader.Load(file, null, warnings);
            foreach (var w in warnings)
                Console.Error.WriteLine(w);
            var byType = zone.Records.GroupBy(r => r.Type).OrderBy(g => g.Key)
                .Select(g => $"{RecordData.TypeToText(g.Key)}={g.Count()}");
            int delegations = zone.Records.Count(r => r.Type == (ushort)RecordType.NS && !DnsName.EqualsIgnoreCase(r.Owner, zone.Origin));
            Console.WriteLine($"zone {zone.OriginText}/IN: loaded serial {zone.Serial}");
            Console.WriteLine($"{zone.RecordCount} records, {zone.NodeCount} names; {string.Join(' ', byType)}; negative TTL {zone.NegativeTtl}");
            int groups = zone.Nodes.Sum(n => n.Groups.Length);
            if (groups > 0)
                Console.WriteLine($"{groups} routed or alias names and types, {zone.Nodes.Sum(n => n.Groups.Sum(g => g.Sets.Length))} record sets; policies: {string.Join(' ', zone.Nodes.SelectMany(n => n.Groups).GroupBy(g => g.Policy).Select(g => $"{g.Key}={g.Count()}"))}");
            if (zone.HostedZone is { } info)
                Console.WriteLine($"hosted zone id {info.Id}, {(info.IsPrivate ? $"private ({string.Join(", ", info.Vpcs.Select(v => v.VpcId))})" : "public")}");
            if (delegations > 0)
                Console.WriteLine($"{delegations} delegation NS records");
            if (command.Flags.Contains("print"))
            {
                foreach (var r in zone.Records)
                    Console.WriteLine($"{DnsName.ToText(r.Owner)}\t{r.Ttl}\t{RecordData.ClassToText(r.Class)}\t{RecordData.TypeToText(r.Type)}\t{RecordData.ToText(r.Type, r.RData)}");
                // Routed and alias sets live in groups, not among the plain records; a comment carries the routing.
                foreach (var group in zone.Nodes.SelectMany(n => n.Groups))
                {
                    foreach (var set in group.Sets)
                    {
                        foreach (var line in RoutedRecordSetText.Lines(group, set))
                            Console.WriteLine(line);
                    }
                }
            }
            Console.WriteLine("OK");
            return 0;
        }
        catch (ZoneLoadException e)
        {
            foreach (var w in warnings)
                Console.Error.WriteLine(w);
            foreach (var problem in e.Problems)
                Console.Error.WriteLine(problem);
            Console.Error.WriteLine($"{file}: zone not loaded due to errors");
            return 1;
        }
    }
}
