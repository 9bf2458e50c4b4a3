using System.Diagnostics;
using System.Text.Json;

namespace DnsHost.Tests.Infrastructure;

/// <summary>
/// The real AWS CLI (`apt-get install awscli`; .ci/run installs it) pointed at a DnsHost with
/// --endpoint-url, with the example credentials of the AWS documentation and no user configuration.
/// </summary>
public sealed class AwsCli(Uri endpoint, string accessKey = AwsCli.ExampleAccessKey, string secretKey = AwsCli.ExampleSecretKey, bool clientValidation = true)
{
    // botocore checks ranges before sending (RequestInterval ≥ 10, say); DnsHost's harness settings go below them.
    private static readonly Lazy<string> NoValidationConfig = new(() =>
    {
        var path = Path.Combine(Path.GetTempPath(), "dnshost-aws-config-" + Environment.ProcessId);
        File.WriteAllText(path, "[default]\nparameter_validation = false\n");
        return path;
    });

    public const string ExampleAccessKey = "AKIAIOSFODNN7EXAMPLE", ExampleSecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public JsonElement Json => JsonDocument.Parse(Stdout).RootElement;

        /// <summary>The error code the CLI reports: "An error occurred (Code) when calling ...".</summary>
        public string? ErrorCode => Stderr.Split("An error occurred (", 2) is [_, var rest] ? rest[..rest.IndexOf(')')] : null;
    }

    public async Task<Result> Run(params string[] args)
    {
        string[] all = ["route53", .. args, "--endpoint-url", endpoint.ToString().TrimEnd('/'), "--output", "json"];
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry variable in Environment.GetEnvironmentVariables())
            environment[(string)variable.Key] = (string?)variable.Value ?? "";
        environment["AWS_ACCESS_KEY_ID"] = accessKey;
        environment["AWS_SECRET_ACCESS_KEY"] = secretKey;
        environment["AWS_DEFAULT_REGION"] = "eu-west-1";
        environment["AWS_CONFIG_FILE"] = clientValidation ? "/dev/null" : NoValidationConfig.Value;
        environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        environment["AWS_MAX_ATTEMPTS"] = "1";
        environment["AWS_RETRY_MODE"] = "standard";
        environment["AWS_PAGER"] = "";
        environment.Remove("AWS_PROFILE");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        if (await AwsCliServer.Shared.Value is { } server && await server.RunAsync(all, environment, timeout.Token) is { } forked)
            return new Result(forked.ExitCode, forked.Stdout, forked.Stderr);
        return await RunProcess(all, environment, timeout.Token);
    }

    private static async Task<Result> RunProcess(string[] all, Dictionary<string, string> environment, CancellationToken timeout)
    {
        var psi = new ProcessStartInfo("aws") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in all)
            psi.ArgumentList.Add(arg);
        psi.Environment.Clear();
        foreach (var (name, value) in environment)
            psi.Environment[name] = value;
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start the AWS CLI (aws); apt-get install awscli");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        await process.WaitForExitAsync(timeout);
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs a command that must succeed and returns its JSON output.</summary>
    public async Task<JsonElement> Ok(params string[] args)
    {
        var result = await Run(args);
        Assert.True(result.ExitCode == 0, $"aws route53 {string.Join(' ', args)} failed ({result.ExitCode}): {result.Stderr}");
        return result.Stdout.Length == 0 ? default : result.Json;
    }
}
