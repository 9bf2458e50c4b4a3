using DnsHost.Fuzz;
using DnsHost.Tests.Infrastructure;

namespace DnsHost.Tests.Abuse;

/// <summary>
/// The short fuzzing run of CI: every input of fuzz/corpus/TARGET (the seeds, and every finding kept as a
/// regression input) goes through the same target the afl++ harness runs, and none may throw.
/// The long run is fuzz/run-afl.sh (fuzz/README.md).
/// </summary>
[Trait("Kind", "Unit")]
public sealed class FuzzCorpusTests
{
    public static TheoryData<string> Targets => new(FuzzTargets.Names);

    [Theory]
    [MemberData(nameof(Targets))]
    public void Every_corpus_input_is_handled_without_an_unexpected_exception(string target)
    {
        var folder = Path.Combine(TestZones.RepositoryRoot, "fuzz", "corpus", target);
        var files = Directory.GetFiles(folder, "*", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        var failures = new List<string>();
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            try { FuzzTargets.Run(target, File.ReadAllBytes(file)); }
            catch (Exception e) { failures.Add($"{Path.GetFileName(file)}: {e.GetType().Name}: {e.Message}"); }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
