using DnsHost.Protocol;
using DnsHost.Server;
using DnsHost.Tests.Infrastructure;
using DnsHost.Zones;
using DnsHost.Zones.Routing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DnsHost.Tests.Server;

/// <summary>One registry for zone files and API zones: precedence, ordered change events, per-file reloads, a vanishing folder.</summary>
[Trait("Kind", "Unit")]
public sealed class ZoneRegistryTests : IDisposable
{
    private readonly TestZones _zones = new();

    public void Dispose() => _zones.Dispose();

    private static string ZoneText(string origin, uint serial) => $"""
        $ORIGIN {origin}.
        $TTL 300
        @   IN SOA ns1 admin ( {serial} 3600 600 604800 300 )
            IN NS  ns1
        ns1 IN A   192.0.2.1
        """;

    private Zone LoadText(string origin, uint serial, string? file = null) =>
        MasterFileLoader.Load(_zones.Write(file ?? $"{origin}.{serial}.zone", ZoneText(origin, serial)), _zones.Directory);

    private ZoneDirectoryService Folder(ZoneRegistry registry) =>
        new(registry, Options.Create(new ZoneOptions { Directory = _zones.Directory, Watch = false }), RoutingEnvironment.Default,
            Options.Create(new RoutingOptions()), NullLogger<ZoneDirectoryService>.Instance);

    [Fact]
    public void An_api_zone_wins_over_a_file_zone_of_the_same_name_and_the_file_zone_returns_when_it_goes()
    {
        var file = LoadText("same.test", 1);
        var api = LoadText("same.test", 2);
        var lower = DnsName.Parse("www.same.test.");

        var catalog = ZoneCatalog.Empty.With(api, ZoneSourceKind.Api).With(file, ZoneSourceKind.File);
        Assert.Same(api, catalog.FindZone(lower));
        Assert.Same(file, Assert.Single(catalog.Shadowed));
        Assert.DoesNotContain(file, catalog.AllZones);

        // The order of arrival does not matter.
        Assert.Same(api, ZoneCatalog.Empty.With(file).With(api, ZoneSourceKind.Api).FindZone(lower));

        var withoutApi = catalog.Without(api);
        Assert.Same(file, withoutApi.FindZone(lower));
        Assert.Empty(withoutApi.Shadowed);
    }

    [Fact]
    public void Two_files_with_one_name_the_later_wins_as_before()
    {
        var first = LoadText("dup.test", 1);
        var second = LoadText("dup.test", 2);
        Assert.Same(second, ZoneCatalog.Empty.With(first).With(second).FindZone(DnsName.Parse("dup.test.")));
    }

    [Fact]
    public async Task Change_events_arrive_in_the_order_the_changes_were_made()
    {
        var registry = new ZoneRegistry();
        var zones = Enumerable.Range(0, 200).Select(i => LoadText($"z{i}.test", 1)).ToArray();
        var seen = new List<int>();
        registry.Changed += catalog =>
        {
            // A slow handler widens the window in which a second writer could overtake.
            Thread.SpinWait(2000);
            lock (seen)
                seen.Add(catalog.Count);
        };
        int next = -1;
        var writers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < zones.Length)
                registry.Update(c => c.With(zones[i]));
        })).ToArray();
        await Task.WhenAll(writers);

        Assert.Equal(Enumerable.Range(1, zones.Length), seen);
    }

    [Fact]
    public void A_changed_file_reloads_only_its_zone()
    {
        var registry = new ZoneRegistry();
        var a = _zones.Write("a.test.zone", ZoneText("a.test", 1));
        _zones.Write("b.test.zone", ZoneText("b.test", 1));
        var folder = Folder(registry);
        folder.ReloadAll("start");
        var b = registry.Current.GetExact(DnsName.Parse("b.test."));
        Assert.NotNull(b);

        File.WriteAllText(a, ZoneText("a.test", 2));
        folder.ReloadFiles([a], "file change");

        Assert.Equal(2u, registry.Current.GetExact(DnsName.Parse("a.test."))!.Serial);
        Assert.Same(b, registry.Current.GetExact(DnsName.Parse("b.test.")));
    }

    [Fact]
    public void A_deleted_file_removes_its_zone_only()
    {
        var registry = new ZoneRegistry();
        var a = _zones.Write("a.test.zone", ZoneText("a.test", 1));
        _zones.Write("b.test.zone", ZoneText("b.test", 1));
        var folder = Folder(registry);
        folder.ReloadAll("start");
        var b = registry.Current.GetExact(DnsName.Parse("b.test."));

        File.Delete(a);
        folder.ReloadFiles([a], "file change");

        Assert.Null(registry.Current.GetExact(DnsName.Parse("a.test.")));
        Assert.Same(b, registry.Current.GetExact(DnsName.Parse("b.test.")));
    }

    [Fact]
    public void A_vanished_zones_folder_keeps_the_last_good_zones_and_is_picked_up_when_it_is_back()
    {
        var registry = new ZoneRegistry();
        _zones.Write("a.test.zone", ZoneText("a.test", 1));
        var folder = Folder(registry);
        folder.ReloadAll("start");
        var a = registry.Current.GetExact(DnsName.Parse("a.test."));
        Assert.NotNull(a);

        var moved = _zones.Directory + ".moved";
        Directory.Move(_zones.Directory, moved);
        try
        {
            folder.ReloadAll("SIGHUP");
            folder.CheckFolder();
            folder.ReloadFiles([Path.Combine(_zones.Directory, "a.test.zone")], "file change");
            Assert.Same(a, registry.Current.GetExact(DnsName.Parse("a.test.")));

            Directory.CreateDirectory(_zones.Directory);
            File.WriteAllText(Path.Combine(_zones.Directory, "a.test.zone"), ZoneText("a.test", 5));
            File.WriteAllText(Path.Combine(_zones.Directory, "c.test.zone"), ZoneText("c.test", 1));
            folder.CheckFolder();

            Assert.Equal(5u, registry.Current.GetExact(DnsName.Parse("a.test."))!.Serial);
            Assert.NotNull(registry.Current.GetExact(DnsName.Parse("c.test.")));
        }
        finally
        {
            Directory.Delete(moved, recursive: true);
        }
    }
}
