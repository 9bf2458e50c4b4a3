using System.Diagnostics;
using System.Net;
using DnsClient;
using DnsClient.Protocol;
using DnsHost.Health;

namespace DnsHost.Drill;

public enum DrillMode { Endpoint, Override }

public sealed record DrillSettings
{
    public required string Name { get; init; }
    public QueryType Type { get; init; } = QueryType.A;
    public required string CheckId { get; init; }
    public required IPEndPoint DnsServer { get; init; }
    public DrillMode Mode { get; init; } = DrillMode.Endpoint;
    public int Flips { get; init; } = 10;
    /// <summary>Time between queries.</summary>
    public TimeSpan QueryEvery { get; init; } = TimeSpan.FromMilliseconds(20);
    /// <summary>How long the new answer must hold before the drill calls a switch complete.</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Give up on one switch after this long (default from the check: 3 × interval × threshold + 10 s).</summary>
    public TimeSpan? Timeout { get; init; }
    /// <summary>Wait a random part of this before each switch (the drill uses the check's interval).</summary>
    public TimeSpan? RandomPhase { get; init; }
}

/// <summary>
/// What a drill needs of the server's health checks: a check's status and its override. The CLI's
/// <see cref="OperationsClient"/> goes over HTTP; <see cref="LocalHealthOperations"/> is the server's own checker,
/// for a drill the console runs inside the server.
/// </summary>
public interface IHealthOperations
{
    Task<HealthCheckStatus> GetAsync(string id, CancellationToken cancel = default);

    /// <summary>Forces the check healthy or unhealthy, or clears the override (null); with a TTL the override lapses by itself.</summary>
    Task<HealthCheckStatus> SetOverrideAsync(string id, bool? healthy, TimeSpan? ttl, CancellationToken cancel);
}

/// <summary>The server's own checker, through the same calls as the operations endpoints (<c>Get</c>, <c>SetOverride</c>).</summary>
public sealed class LocalHealthOperations(HealthChecker checker) : IHealthOperations
{
    public Task<HealthCheckStatus> GetAsync(string id, CancellationToken cancel = default) =>
        Task.FromResult(checker.Get(id) ?? throw new InvalidOperationException($"No health check exists with the specified ID {id}"));

    public Task<HealthCheckStatus> SetOverrideAsync(string id, bool? healthy, TimeSpan? ttl, CancellationToken cancel) =>
        checker.SetOverride(id, healthy, ttl)
            ? GetAsync(id, cancel)
            : throw new InvalidOperationException($"No health check exists with the specified ID {id}");
}

/// <summary>One switch: when the break (or repair) happened, and when queries saw it.</summary>
public sealed record DrillSwitch(string Direction, DateTimeOffset At, double? FirstNewAnswerSeconds, double? AllNewAnswersSeconds, int Queries, string NewAnswer, bool WithinBound);

public sealed record DrillFlip(int Flip, DrillSwitch Failure, DrillSwitch Recovery);

public sealed record DrillSummary(int Flips, double BoundSeconds, double? FailureMedianSeconds, double? FailureWorstSeconds, double? RecoveryMedianSeconds, double? RecoveryWorstSeconds, bool AllWithinBound);

public sealed record DrillReport(string Name, string Type, string CheckId, string Mode, string? Target, int RequestInterval, int FailureThreshold,
    string HealthyAnswer, IReadOnlyList<DrillFlip> Timeline, DrillSummary Summary);

/// <summary>
/// A failover drill against a running DnsHost: breaks a health check's endpoint (or overrides the
/// check), queries the affected name continuously, and records when the first query and then every
/// query saw the new answer; then repairs it and records the way back. The bound it checks against is
/// Route 53's: <c>RequestInterval × FailureThreshold</c>, plus one second.
/// </summary>
/// <param name="recorder">Where the drill's events go as it runs (<see cref="DrillJournal.Begin"/>), for the console; null: not recorded.</param>
public sealed class FailoverDrill(DrillSettings settings, IHealthOperations operations, TextWriter? progress = null, DrillRecorder? recorder = null)
{
    private readonly LookupClient _dns = new(new LookupClientOptions(new NameServer(settings.DnsServer))
    {
        UseCache = false,
        Retries = 0,
        Timeout = TimeSpan.FromMilliseconds(500),
        ThrowDnsErrors = false,
        ContinueOnDnsError = false,
        UseTcpFallback = true,
    });

    public async Task<DrillReport> RunAsync(CancellationToken cancel)
    {
        try
        {
            var report = await RunFlipsAsync(cancel);
            recorder?.Finish(report, DateTimeOffset.UtcNow);
            return report;
        }
        catch (Exception e)
        {
            recorder?.Fail(e.Message, DateTimeOffset.UtcNow);
            throw;
        }
    }

    private async Task<DrillReport> RunFlipsAsync(CancellationToken cancel)
    {
        var check = await operations.GetAsync(settings.CheckId, cancel);
        if (check.Override is not null)
            await operations.SetOverrideAsync(settings.CheckId, null, null, cancel);
        double bound = check.RequestInterval * check.FailureThreshold + 1;
        var timeout = settings.Timeout ?? TimeSpan.FromSeconds(3 * bound + 10);
        settings = settings with { RandomPhase = settings.RandomPhase ?? (settings.Mode == DrillMode.Endpoint ? TimeSpan.FromSeconds(check.RequestInterval) : null) };

        DrillEndpoint? endpoint = null;
        if (settings.Mode == DrillMode.Endpoint)
        {
            endpoint = CreateEndpoint(check);
            endpoint.Start();
        }
        try
        {
            progress?.WriteLine($"waiting for {settings.CheckId} to be healthy ...");
            await WaitForCheckAsync(healthy: true, timeout, cancel);
            var healthy = await BaselineAsync(cancel);
            progress?.WriteLine($"healthy answer for {settings.Name} {settings.Type}: {string.Join(" | ", healthy)}");
            recorder?.Add(DateTimeOffset.UtcNow, DrillEventKind.Baseline, 0, $"healthy answer: {string.Join(" | ", healthy)}");

            var timeline = new List<DrillFlip>();
            for (int flip = 1; flip <= settings.Flips; flip++)
            {
                var down = await SwitchAsync("failure", healthy, expectHealthy: false, Break, timeout, bound, cancel);
                progress?.WriteLine($"flip {flip}: failure seen after {Show(down.FirstNewAnswerSeconds)} s, by every query after {Show(down.AllNewAnswersSeconds)} s -> {down.NewAnswer}");
                recorder?.AddSwitch(flip, down);
                var up = await SwitchAsync("recovery", healthy, expectHealthy: true, Repair, timeout, bound, cancel);
                recorder?.AddSwitch(flip, up);
                progress?.WriteLine($"flip {flip}: recovery seen after {Show(up.FirstNewAnswerSeconds)} s, by every query after {Show(up.AllNewAnswersSeconds)} s");
                timeline.Add(new DrillFlip(flip, down, up));
            }
            return new DrillReport(settings.Name, settings.Type.ToString(), settings.CheckId, settings.Mode.ToString().ToLowerInvariant(), check.Target,
                check.RequestInterval, check.FailureThreshold, string.Join(" | ", healthy), timeline, Summarize(timeline, bound));
        }
        finally
        {
            endpoint?.Dispose();
            if (settings.Mode == DrillMode.Override)
                await operations.SetOverrideAsync(settings.CheckId, null, null, CancellationToken.None);
        }

        Task Break()
        {
            if (endpoint is not null)
            {
                endpoint.Stop();
                return Task.CompletedTask;
            }
            // The override lapses by itself after the longest a switch may take, so a drill that dies
            // without cleaning up (SIGKILL, a lost machine) cannot leave traffic failed over.
            return operations.SetOverrideAsync(settings.CheckId, false, OverrideTtl(timeout), cancel);
        }

        Task Repair()
        {
            if (endpoint is not null)
            {
                endpoint.Start();
                return Task.CompletedTask;
            }
            return operations.SetOverrideAsync(settings.CheckId, null, null, cancel);
        }
    }

    /// <summary>How long a drill's override lives: a whole switch (its timeout and settle time) and a margin for the HTTP calls.</summary>
    public TimeSpan OverrideTtl(TimeSpan switchTimeout) => switchTimeout + settings.Settle + TimeSpan.FromSeconds(10);

    private static string Show(double? seconds) => seconds is null ? "never" : $"{seconds:0.000}";

    private static DrillEndpoint CreateEndpoint(HealthCheckStatus check)
    {
        var spec = check.Target is null ? null : check.Target.Split('/', 2)[0];
        if (spec is null || !IPEndPoint.TryParse(spec, out var endPoint) || !IPAddress.IsLoopback(endPoint.Address))
            throw new InvalidOperationException($"health check {check.Id} targets {check.Target ?? "no endpoint"}; --mode endpoint serves the endpoint itself and needs a loopback IPAddress (use --mode override otherwise)");
        bool http = check.Type.StartsWith("HTTP", StringComparison.Ordinal);
        bool tls = check.Type.StartsWith("HTTPS", StringComparison.Ordinal);
        // The search string is not part of the status; the endpoint's body carries nothing to match then,
        // so string-match checks need --mode override.
        if (check.Type.EndsWith("STR_MATCH", StringComparison.Ordinal))
            throw new InvalidOperationException($"health check {check.Id} is {check.Type}; the drill's endpoint cannot know the search string, use --mode override");
        return new DrillEndpoint(endPoint, http, tls, null);
    }

    private async Task WaitForCheckAsync(bool healthy, TimeSpan timeout, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        while ((await operations.GetAsync(settings.CheckId, cancel)).Healthy != healthy)
        {
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"health check {settings.CheckId} did not become {(healthy ? "healthy" : "unhealthy")} within {timeout.TotalSeconds:0} s");
            await Task.Delay(100, cancel);
        }
    }

    /// <summary>The answers seen while the check is healthy (several, when the policy picks at random).</summary>
    private async Task<HashSet<string>> BaselineAsync(CancellationToken cancel)
    {
        var answers = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < 50; i++)
        {
            if (await QueryAsync(cancel) is { } answer)
                answers.Add(answer);
            await Task.Delay(settings.QueryEvery, cancel);
        }
        if (answers.Count == 0)
            throw new TimeoutException($"{settings.DnsServer} did not answer {settings.Name} {settings.Type}");
        return answers;
    }

    private async Task<DrillSwitch> SwitchAsync(string direction, HashSet<string> healthy, bool expectHealthy, Func<Task> act, TimeSpan timeout, double bound, CancellationToken cancel)
    {
        // Break at a random point of the probe interval: right after a switch the drill is in step with
        // the probes, and always breaking at the same phase would measure one case only.
        if (settings.RandomPhase is { } interval)
            await Task.Delay(interval * Random.Shared.NextDouble(), cancel);
        var at = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        await act();
        // first: the first query with the new answer; streak: where the final unbroken run of new answers began.
        double? first = null, streak = null;
        int queries = 0;
        string newAnswer = "";
        while (clock.Elapsed < timeout)
        {
            var answer = await QueryAsync(cancel);
            double t = clock.Elapsed.TotalSeconds;
            queries++;
            if (answer is not null)
            {
                if (expectHealthy ? healthy.Contains(answer) : !healthy.Contains(answer))
                {
                    first ??= t;
                    streak ??= t;
                    newAnswer = answer;
                    if (t - streak.Value >= settings.Settle.TotalSeconds)
                        break;
                }
                else
                    streak = null;
            }
            await Task.Delay(settings.QueryEvery, cancel);
        }
        return new DrillSwitch(direction, at, first, streak, queries, newAnswer, streak is not null && streak <= bound);
    }

    /// <summary>The answer as one comparable string: sorted data, or the response code when not NOERROR.</summary>
    private async Task<string?> QueryAsync(CancellationToken cancel)
    {
        try
        {
            var response = await _dns.QueryAsync(settings.Name, settings.Type, QueryClass.IN, cancel);
            if (response.HasError)
                return "rcode " + response.Header.ResponseCode;
            var data = response.Answers.Select(Data).Order(StringComparer.Ordinal).ToList();
            return data.Count == 0 ? "no data" : string.Join(", ", data);
        }
        catch (DnsResponseException)
        {
            return null;
        }
    }

    private static string Data(DnsResourceRecord record) => record switch
    {
        ARecord a => a.Address.ToString(),
        AaaaRecord aaaa => aaaa.Address.ToString(),
        CNameRecord cname => "CNAME " + cname.CanonicalName.Value,
        _ => record.RecordType + " " + record.ToString().Split(' ', 5).Last(),
    };

    private static DrillSummary Summarize(List<DrillFlip> timeline, double bound)
    {
        static double? Median(List<double> values) => values.Count == 0 ? null : values.Order().ElementAt(values.Count / 2) is var m && values.Count % 2 == 1 ? m : (values.Order().ElementAt(values.Count / 2 - 1) + values.Order().ElementAt(values.Count / 2)) / 2;
        var down = timeline.Select(f => f.Failure.AllNewAnswersSeconds).OfType<double>().ToList();
        var up = timeline.Select(f => f.Recovery.AllNewAnswersSeconds).OfType<double>().ToList();
        bool all = timeline.All(f => f.Failure.WithinBound && f.Recovery.WithinBound);
        return new DrillSummary(timeline.Count, bound, Median(down), down.Count > 0 ? down.Max() : null, Median(up), up.Count > 0 ? up.Max() : null, all);
    }
}
