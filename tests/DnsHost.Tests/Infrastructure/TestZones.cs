using DnsHost.Server;
using DnsHost.Zones;

namespace DnsHost.Tests.Infrastructure;

/// <summary>Zones written to a temp folder and loaded the way the server loads them.</summary>
public sealed class TestZones : IDisposable
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "dnshost-tests-" + Guid.NewGuid().ToString("N"));

    public TestZones() => System.IO.Directory.CreateDirectory(Directory);

    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DnsHost.sln")))
                dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root");
        }
    }

    public static string SampleZones => Path.Combine(RepositoryRoot, "zones");

    public string Write(string fileName, string text)
    {
        var path = Path.Combine(Directory, fileName);
        File.WriteAllText(path, text);
        return path;
    }

    public TestZones CopySamples()
    {
        foreach (var file in System.IO.Directory.GetFiles(SampleZones, "*.zone"))
            File.Copy(file, Path.Combine(Directory, Path.GetFileName(file)));
        return this;
    }

    public ZoneRegistry LoadRegistry()
    {
        var registry = new ZoneRegistry();
        registry.Replace(ZoneCatalog.Create(System.IO.Directory.GetFiles(Directory, "*.zone").Select(f => MasterFileLoader.Load(f, Directory))));
        return registry;
    }

    public QueryProcessor Processor(DnsServerOptions? options = null) => new(LoadRegistry(), options ?? new DnsServerOptions());

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}

public static class QueryProcessorExtensions
{
    public static TestResponse Ask(this QueryProcessor processor, byte[] query, bool overTcp = false)
    {
        var response = new byte[65535];
        var disposition = processor.Process(query, response, overTcp, transferAllowed: false, out int length, out _);
        Assert.Equal(QueryDisposition.Respond, disposition);
        return TestResponse.Parse(response.AsSpan(0, length));
    }

    public static TestResponse Ask(this QueryProcessor processor, string name, DnsHost.Protocol.RecordType type, bool overTcp = false, int? ednsSize = 1232) =>
        processor.Ask(TestQuery.Build(name, type, ednsSize: ednsSize), overTcp);
}
