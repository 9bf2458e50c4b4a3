using System.Net.Sockets;
using System.Text;
using System.Xml.Linq;
using DnsHost.Protocol;
using DnsHost.Route53.Storage;
using DnsHost.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace DnsHost.Tests.Route53;

/// <summary>
/// Issue 16's attacks on the HTTP endpoint, each reproduced first over the wire: bodies read before the
/// signature and without a cap, the unauthenticated operations endpoints reachable by DNS rebinding,
/// deep XML, errors quoting characters XML cannot carry, and a bad row in the store at start.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class ApiHardeningTests : IAsyncLifetime
{
    private static readonly XNamespace Ns = SignedRoute53Client.Ns;
    private readonly TestZones _zones = new();
    private RunningServer _server = null!;
    private SignedRoute53Client _client = null!;
    private string _data = null!;

    public async Task InitializeAsync()
    {
        _data = Path.Combine(_zones.Directory, "api", "dnshost.db");
        _server = await RunningServer.StartAsync(_zones.Directory, "--data", _data, "--Api:Store=Sqlite");
        _client = new SignedRoute53Client(_server.ApiBase);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        _zones.Dispose();
    }

    /// <summary>
    /// Sends only the request head (with a Content-Length the body never follows) and reads the reply: a reply
    /// at all proves the server decided without reading the body.
    /// </summary>
    private async Task<string> HeadOnly(string method, string path, long contentLength, string? host = null, params string[] headers)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_server.ApiBase.Host, _server.ApiBase.Port);
        var stream = tcp.GetStream();
        var head = new StringBuilder($"{method} {path} HTTP/1.1\r\nHost: {host ?? _server.ApiBase.Authority}\r\nContent-Length: {contentLength}\r\nContent-Type: text/xml\r\n");
        foreach (var header in headers)
            head.Append(header).Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.Append("\r\n").ToString()));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var reply = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                reply.Write(buffer, 0, read);
                string text = Encoding.UTF8.GetString(reply.ToArray());
                // Whole when the error document or the last chunk of a chunked reply is in.
                if (text.Contains("\r\n\r\n", StringComparison.Ordinal) && (text.Contains("</ErrorResponse>", StringComparison.Ordinal) || text.EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal) || text.TrimEnd().EndsWith('}')))
                    break;
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail("no reply without the body: the server waited to read it");
        }
        return Encoding.UTF8.GetString(reply.ToArray());
    }

    [Fact]
    public async Task An_unsigned_30_mb_change_batch_is_refused_before_its_body_is_read()
    {
        string reply = await HeadOnly("POST", "/2013-04-01/hostedzone/Z123/rrset/", 30L << 20);
        Assert.StartsWith("HTTP/1.1 403", reply);
        Assert.Contains("<Code>MissingAuthenticationToken</Code>", reply);
    }

    [Fact]
    public async Task A_badly_signed_30_mb_body_is_refused_before_it_is_read()
    {
        string reply = await HeadOnly("POST", "/2013-04-01/hostedzone/Z123/rrset/", 30L << 20, null,
            "X-Amz-Date: 20261203T120000Z", "Authorization: AWS4-HMAC-SHA256 Credential=AKIANOTAKEY/20261203/us-east-1/route53/aws4_request, SignedHeaders=host;x-amz-date, Signature=00");
        Assert.StartsWith("HTTP/1.1 403", reply);
        Assert.Contains("<Code>InvalidClientTokenId</Code>", reply);
    }

    [Fact]
    public async Task A_signed_body_over_what_the_operation_accepts_is_refused()
    {
        string values = string.Concat(Enumerable.Repeat("<ResourceRecord><Value>192.0.2.1</Value></ResourceRecord>", 60_000));
        var (status, body) = await _client.SendAsync(HttpMethod.Post, "/2013-04-01/hostedzone/Z123/rrset/",
            $"""<ChangeResourceRecordSetsRequest xmlns="{Ns}"><ChangeBatch><Changes><Change><Action>CREATE</Action><ResourceRecordSet><Name>a.test</Name><Type>A</Type><TTL>60</TTL><ResourceRecords>{values}</ResourceRecords></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>""");
        Assert.Equal(413, status);
        Assert.Equal("InvalidInput", body.Descendants(Ns + "Code").Single().Value);
        Assert.Contains("larger than 2097152 bytes", body.Descendants(Ns + "Message").Single().Value);
        // A small request on the same server still works.
        Assert.Equal(200, (await _client.SendAsync(HttpMethod.Get, "/2013-04-01/hostedzonecount")).Status);
    }

    [Fact]
    public async Task Concurrent_30_mb_bodies_to_the_open_endpoints_are_refused_unread()
    {
        var replies = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => i % 2 == 0
            ? HeadOnly("PUT", "/dnshost/health-checks/hc/override", 30L << 20)
            : HeadOnly("POST", "/2013-04-01/hostedzone/Z123/rrset/", 30L << 20)));
        Assert.All(replies, r => Assert.True(r.StartsWith("HTTP/1.1 413", StringComparison.Ordinal) || r.StartsWith("HTTP/1.1 403", StringComparison.Ordinal), r));
    }

    [Theory]
    [InlineData("evil.example")]
    [InlineData("rebind.attacker.test:8053")]
    public async Task The_operations_endpoints_refuse_a_host_that_is_not_an_address_or_localhost(string host)
    {
        string reply = await HeadOnly("PUT", "/dnshost/health-checks/hc/override?status=Unhealthy", 0, host);
        Assert.StartsWith("HTTP/1.1 403", reply);
        Assert.Contains("InvalidHost", reply);
        foreach (var allowed in new[] { _server.ApiBase.Authority, $"localhost:{_server.ApiBase.Port}" })
        {
            string ok = await HeadOnly("PUT", "/dnshost/health-checks/hc/override?status=Unhealthy", 0, allowed);
            Assert.StartsWith("HTTP/1.1 404", ok);
            Assert.Contains("NoSuchHealthCheck", ok);
        }
    }

    [Fact]
    public async Task A_chunked_body_past_the_operations_cap_is_refused()
    {
        using var http = new HttpClient();
        using var content = new StreamContent(new MemoryStream(new byte[1 << 20]));
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(_server.ApiBase, "dnshost/health-checks/hc/override")) { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await http.SendAsync(request);
        Assert.Equal(413, (int)response.StatusCode);
    }

    [Fact]
    public async Task Deeply_nested_xml_is_refused_with_invalid_input()
    {
        var (_, zone) = await _client.SendAsync(HttpMethod.Post, "/2013-04-01/hostedzone",
            $"""<CreateHostedZoneRequest xmlns="{Ns}"><Name>deep.test</Name><CallerReference>deep-1</CallerReference></CreateHostedZoneRequest>""");
        string id = zone.Descendants(Ns + "Id").First().Value.Split('/').Last();
        string deep = string.Concat(Enumerable.Repeat("<a>", 80_000)) + string.Concat(Enumerable.Repeat("</a>", 80_000));
        var (status, body) = await _client.SendAsync(HttpMethod.Post, $"/2013-04-01/hostedzone/{id}/rrset/",
            $"""<ChangeResourceRecordSetsRequest xmlns="{Ns}"><ChangeBatch>{deep}</ChangeBatch></ChangeResourceRecordSetsRequest>""");
        Assert.Equal(400, status);
        Assert.Equal("InvalidInput", body.Descendants(Ns + "Code").Single().Value);
        Assert.Contains("more than 32 deep", body.Descendants(Ns + "Message").Single().Value);
    }

    [Fact]
    public async Task A_body_whose_xml_declaration_breaks_the_reader_is_invalid_input_not_a_500()
    {
        // afl++ found it (fuzz/corpus/xml/encoding-declaration-argument-out-of-range.xml): .NET's XmlTextReader
        // throws ArgumentOutOfRangeException on these bytes in the declaration; the API answered InternalFailure.
        byte[] bytes = File.ReadAllBytes(Path.Combine(TestZones.RepositoryRoot, "fuzz", "corpus", "xml", "encoding-declaration-argument-out-of-range.xml"));
        var (status, body) = await _client.SendBytesAsync(HttpMethod.Post, "/2013-04-01/hostedzone", bytes);
        Assert.Equal(400, status);
        Assert.Equal("InvalidInput", body.Descendants(Ns + "Code").Single().Value);
    }

    [Theory]
    [InlineData("/2013-04-01/hostedzone/%01Z123")]
    [InlineData("/2013-04-01/healthcheck/%1Bhc")]
    public async Task An_error_quoting_a_control_character_is_route53s_invalid_input(string path)
    {
        var (status, body) = await _client.SendAsync(HttpMethod.Get, path);
        Assert.Equal(400, status);
        Assert.Equal("InvalidInput", body.Descendants(Ns + "Code").Single().Value);
        Assert.Contains(@"\u00", body.Descendants(Ns + "Message").Single().Value);
    }

    [Fact]
    public async Task A_bad_row_in_the_store_is_skipped_and_reported_and_the_rest_is_served()
    {
        async Task<string> Zone(string name)
        {
            var (_, zone) = await _client.SendAsync(HttpMethod.Post, "/2013-04-01/hostedzone",
                $"""<CreateHostedZoneRequest xmlns="{Ns}"><Name>{name}</Name><CallerReference>{name}</CallerReference></CreateHostedZoneRequest>""");
            return zone.Descendants(Ns + "Id").First().Value.Split('/').Last();
        }
        async Task A(string zone, string name, string address) => Assert.Equal(200, (await _client.SendAsync(HttpMethod.Post, $"/2013-04-01/hostedzone/{zone}/rrset/",
            $"""<ChangeResourceRecordSetsRequest xmlns="{Ns}"><ChangeBatch><Changes><Change><Action>CREATE</Action><ResourceRecordSet><Name>{name}</Name><Type>A</Type><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>{address}</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>""")).Status);
        string good = await Zone("rows.test"), broken = await Zone("broken.test");
        await A(good, "www.rows.test", "192.0.2.10");
        await A(good, "bad.rows.test", "192.0.2.11");
        await A(broken, "www.broken.test", "192.0.2.12");
        var (_, check) = await _client.SendAsync(HttpMethod.Post, "/2013-04-01/healthcheck",
            $"""<CreateHealthCheckRequest xmlns="{Ns}"><CallerReference>hc-row</CallerReference><HealthCheckConfig><Type>CALCULATED</Type><HealthThreshold>0</HealthThreshold></HealthCheckConfig></CreateHealthCheckRequest>""");
        Assert.NotEmpty(check.Descendants(Ns + "Id"));
        await _server.DisposeAsync();

        using (var db = new SqliteConnection($"Data Source={_data};Pooling=false"))
        {
            db.Open();
            using var command = db.CreateCommand();
            command.CommandText = $$"""
                UPDATE record_sets SET document = '{"Name": "bad.rows.test.", "Type": 7' WHERE document LIKE '%bad.rows.test%';
                UPDATE zones SET document = 'null' WHERE id = '{{broken}}';
                UPDATE health_checks SET config = '[1, 2' ;
                """;
            Assert.Equal(3, command.ExecuteNonQuery());
        }

        _server = await RunningServer.StartAsync(_zones.Directory, "--data", _data, "--Api:Store=Sqlite");
        Assert.Equal(["192.0.2.10"], (await _server.UdpAsync(TestQuery.Build("www.rows.test", RecordType.A))).AnswerData("A").ToArray());
        Assert.Equal(ResponseCode.NXDomain, (await _server.UdpAsync(TestQuery.Build("bad.rows.test", RecordType.A))).ResponseCode);
        Assert.Equal(ResponseCode.Refused, (await _server.UdpAsync(TestQuery.Build("www.broken.test", RecordType.A))).ResponseCode);
        var bad = _server.Services.GetRequiredService<ApiStore>().BadRows;
        Assert.Equal(3, bad.Count);
        Assert.Contains(bad, b => b.Contains($"record_sets row {good} #", StringComparison.Ordinal));
        Assert.Contains(bad, b => b.Contains($"zones row {broken}", StringComparison.Ordinal));
        Assert.Contains(bad, b => b.Contains("health_checks row", StringComparison.Ordinal));
    }
}
