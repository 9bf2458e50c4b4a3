using System.Text;
using DnsHost.Tests.Infrastructure;
using DnsHost.Zones;

namespace DnsHost.Tests.Zones;

/// <summary>
/// Random and mutated zone files, from a fixed seed so every run sees the same inputs: the parser
/// reports problems with a file and a line and never throws; the loader throws only ZoneLoadException.
/// </summary>
[Trait("Kind", "Unit")]
public sealed class MasterFileFuzzTests : IDisposable
{
    private readonly TestZones _zones = new();

    public void Dispose() => _zones.Dispose();

    private static readonly byte[] Interesting = "()\"\\;$@. \t\n0123456789#*-/{},=AaZz\u00e9"u8.ToArray();

    private static List<byte[]> Seeds()
    {
        var seeds = new List<byte[]> { Encoding.UTF8.GetBytes(EveryType.Zone) };
        foreach (var folder in new[] { TestZones.SampleZones, Path.Combine(TestZones.RepositoryRoot, "tests", "DnsHost.Tests", "Differential", "zones") })
            seeds.AddRange(Directory.GetFiles(folder, "*.zone").Select(File.ReadAllBytes));
        seeds.Add("$TTL 1h\n@ SOA ns h ( 1 2 3 4 5 )\n NS ns\n$GENERATE 1-20/3 h${1,3,x} IN 60 A 192.0.2.$\n$ORIGIN x.\nq TYPE65280 \\# 2 ABCD\n"u8.ToArray());
        return seeds;
    }

    private static byte[] Mutate(Random random, byte[] input)
    {
        var bytes = new List<byte>(input);
        int edits = random.Next(1, 8);
        for (int e = 0; e < edits; e++)
        {
            int at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0 when bytes.Count > 0: bytes[at] = (byte)random.Next(256); break;
                case 1 when bytes.Count > 0: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                case 2: bytes.Insert(at, Interesting[random.Next(Interesting.Length)]); break;
                case 3 when bytes.Count > 0: bytes.RemoveRange(at, Math.Min(random.Next(1, 16), bytes.Count - at)); break;
                case 4 when bytes.Count > 0:
                    // Copy a run of the file somewhere else (duplicates lines, splits quotes and parentheses).
                    int length = Math.Min(random.Next(1, 80), bytes.Count - at);
                    var run = bytes.GetRange(at, length);
                    bytes.InsertRange(random.Next(bytes.Count), run);
                    break;
                default:
                    bytes.Insert(at, Interesting[random.Next(Interesting.Length)]);
                    break;
            }
        }
        return bytes.ToArray();
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 200)];
        for (int i = 0; i < bytes.Length; i++)
            bytes[i] = random.Next(3) == 0 ? (byte)random.Next(256) : Interesting[random.Next(Interesting.Length)];
        return bytes;
    }

    [Fact]
    public void Parser_reports_problems_with_file_and_line_and_never_throws()
    {
        var random = new Random(20261203);
        var seeds = Seeds();
        for (int i = 0; i < 3000; i++)
        {
            var input = i % 10 == 0 ? RandomBytes(random) : Mutate(random, seeds[random.Next(seeds.Count)]);
            List<ZoneProblem> problems;
            try
            {
                var (_, parser) = MasterFileParserTests.Parse(input, "fuzz.test.", _zones.Directory);
                problems = parser.Problems.ToList();
            }
            catch (Exception e)
            {
                Assert.Fail($"iteration {i} threw {e}\ninput: {Convert.ToBase64String(input)}");
                return;
            }
            foreach (var problem in problems)
            {
                Assert.True(problem.Line > 0 && problem.Column > 0, $"iteration {i}: {problem}");
                Assert.Equal("test.zone", problem.File);
            }
        }
    }

    [Fact]
    public void Loader_throws_only_zone_load_exceptions_that_name_the_file()
    {
        var random = new Random(1035);
        var seeds = Seeds();
        string path = Path.Combine(_zones.Directory, "fuzz.test.zone");
        for (int i = 0; i < 1500; i++)
        {
            var input = i % 10 == 0 ? RandomBytes(random) : Mutate(random, seeds[random.Next(seeds.Count)]);
            File.WriteAllBytes(path, input);
            try
            {
                MasterFileLoader.Load(path, _zones.Directory);
            }
            catch (ZoneLoadException e)
            {
                Assert.NotEmpty(e.Problems);
                foreach (var problem in e.Problems)
                    Assert.False(string.IsNullOrEmpty(problem.File), $"iteration {i}: {problem}");
                // Problems of the whole zone (no SOA, no NS at the apex, the count of the rest) have no line.
                Assert.All(e.Problems.Where(p => p.Line <= 0), p => Assert.Matches("no SOA|no NS|more problems not shown|outside", p.Message));
            }
            catch (Exception e)
            {
                Assert.Fail($"iteration {i} threw {e}\ninput: {Convert.ToBase64String(input)}");
            }
        }
    }
}
