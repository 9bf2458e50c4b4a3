using System.Text;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;
using DnsHost.Route53.Api;

namespace DnsHost.Tests.Route53;

/// <summary>
/// The SigV4 verifier against signatures it did not make: the AWS SDK for .NET's own signer
/// (AWSSDK.Core's AWSSigV4Signer, service route53) and the vectors AWS published for Signature
/// Version 4 (the test suite's example.amazonaws.com requests and the IAM ListUsers example).
/// </summary>
[Trait("Kind", "Unit")]
public sealed class SigV4VerifierTests
{
    private const string AccessKey = "AKIAIOSFODNN7EXAMPLE";
    private const string Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private const string ExpectedMismatch = "The request signature we calculated does not match the signature you provided. " +
        "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
    private static readonly DateTime SignedAt = new(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    // The published suite: AKIDEXAMPLE, us-east-1, service "service", 2015-08-30T12:36:00Z.
    private const string SuiteKey = "AKIDEXAMPLE";
    private const string SuiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string SuiteDate = "20150830T123600Z";
    private const string SuiteScope = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";
    private static readonly DateTimeOffset SuiteNow = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    public sealed record Request(string Method, string Path, string Query, List<KeyValuePair<string, string>> Headers, byte[] Body)
    {
        public Request WithHeader(string name, string value) =>
            this with { Headers = [.. Headers.Where(h => !h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)), new(name, value)] };
        public Request WithoutHeader(string name) =>
            this with { Headers = [.. Headers.Where(h => !h.Key.Equals(name, StringComparison.OrdinalIgnoreCase))] };
    }

    private static SigV4Verifier Verifier(TimeSpan? clockOffset = null, DateTime? signedAt = null) =>
        new(new Dictionary<string, string> { [AccessKey] = Secret, ["AKIAOTHERKEYEXAMPLE"] = "another-secret" },
            time: new FixedTime(new DateTimeOffset(signedAt ?? SignedAt) + (clockOffset ?? TimeSpan.FromSeconds(3))));

    private static SigV4Result Verify(SigV4Verifier verifier, Request r) => verifier.Verify(r.Method, r.Path, r.Query, r.Headers, r.Body);

    /// <summary>Signs with the AWS SDK for .NET and returns the request as it goes on the wire.</summary>
    private static Request SdkSigned(string method, string url, string? body = null, string region = "eu-west-1",
        string accessKey = AccessKey, string secret = Secret, string service = "route53", bool signPayload = true, DateTime? signedAt = null)
    {
        var uri = new Uri(url);
        var bytes = body is null ? [] : Encoding.UTF8.GetBytes(body);
        var request = new AWSSigningRequest { HttpMethod = new HttpMethod(method), RequestUri = uri, Content = body is null ? null : bytes };
        var signed = AWSSigV4Signer.Sign(request, new AWSSigV4Parameters
        {
            Credentials = new BasicAWSCredentials(accessKey, secret),
            Region = RegionEndpoint.GetBySystemName(region),
            Service = service,
            SignPayload = signPayload,
            SignedAt = signedAt ?? SignedAt,
        });
        // Headers an HTTP client adds after signing are not signed, and must not matter.
        var headers = new List<KeyValuePair<string, string>> { new("Host", uri.Authority), new("User-Agent", "aws-cli/2.9.19"), new("Accept-Encoding", "identity") };
        headers.AddRange(signed.Headers);
        if (body is not null)
            headers.Add(new("Content-Length", bytes.Length.ToString()));
        return new Request(method, uri.AbsolutePath, uri.Query.TrimStart('?'), headers, bytes);
    }

    /// <summary>A request of the published suite, signed by AWS (its Authorization header is the suite's).</summary>
    private static Request Suite(string method, string path, string query, string signedHeaders, string signature, string body = "", params (string Name, string Value)[] headers)
    {
        var list = new List<KeyValuePair<string, string>> { new("Host", "example.amazonaws.com"), new("X-Amz-Date", SuiteDate) };
        list.AddRange(headers.Select(h => new KeyValuePair<string, string>(h.Name, h.Value)));
        list.Add(new("Authorization", $"AWS4-HMAC-SHA256 Credential={SuiteScope}, SignedHeaders={signedHeaders}, Signature={signature}"));
        return new Request(method, path, query, list, Encoding.UTF8.GetBytes(body));
    }

    private static SigV4Verifier SuiteVerifier(string service = "service") =>
        new(new Dictionary<string, string> { [SuiteKey] = SuiteSecret }, service, time: new FixedTime(SuiteNow));

    // ---- the SDK's signatures are accepted ----

    public static TheoryData<string, string, string?, string> SdkRequests => new()
    {
        { "GET", "http://127.0.0.1:8053/2013-04-01/hostedzone", null, "eu-west-1" },
        // Query parameters as the CLI sends them: not sorted.
        { "GET", "http://127.0.0.1:8053/2013-04-01/hostedzone?maxitems=2&marker=Z3AAAAAAAAAAAA", null, "us-east-1" },
        { "GET", "http://127.0.0.1:8053/prefix/2013-04-01/hostedzone/Z1D633PJN98FT9/rrset?type=A&name=www.example.com.&maxitems=300", null, "eu-west-1" },
        { "GET", "http://localhost:38053/a/b/2013-04-01/hostedzonesbyname?dnsname=example.com.&hostedzoneid=Z1", null, "ap-southeast-2" },
        // Escapes in path and query: the SDK encodes the path again for the canonical URI, as the spec says for non-S3 services.
        { "GET", "http://127.0.0.1:8053/2013-04-01/cidrcollection/c%20d%2Fe/cidrblocks?location=a%2Bb%20c&nexttoken=x%3D%3D", null, "eu-west-1" },
        { "GET", "http://127.0.0.1:8053/2013-04-01/geolocation?countrycode=US&subdivisioncode=WA", null, "eu-central-1" },
        { "DELETE", "http://127.0.0.1:8053/2013-04-01/hostedzone/Z1D633PJN98FT9", null, "us-east-1" },
        { "POST", "http://127.0.0.1:8053/2013-04-01/hostedzone",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CreateHostedZoneRequest xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Name>example.com</Name><CallerReference>ref-1</CallerReference></CreateHostedZoneRequest>",
            "eu-west-1" },
        { "POST", "http://127.0.0.1:8053/prefix/2013-04-01/hostedzone/Z1D633PJN98FT9/rrset/",
            "<ChangeResourceRecordSetsRequest xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><ChangeBatch><Changes/></ChangeBatch></ChangeResourceRecordSetsRequest>",
            "us-west-2" },
    };

    [Theory]
    [MemberData(nameof(SdkRequests))]
    public void A_request_signed_by_the_AWS_SDK_is_accepted(string method, string url, string? body, string region)
    {
        var result = Verify(Verifier(), SdkSigned(method, url, body, region));

        Assert.True(result.Ok, result.Message);
        Assert.Equal(SigV4Failure.None, result.Failure);
        Assert.Equal(AccessKey, result.AccessKeyId);
    }

    [Fact]
    public void An_unsigned_payload_is_accepted_as_declared()
    {
        // The SDK signs UNSIGNED-PAYLOAD only over HTTPS; the scheme is not part of what is signed.
        var request = SdkSigned("POST", "https://127.0.0.1:8053/2013-04-01/hostedzone", "<x/>", signPayload: false);
        Assert.Contains(request.Headers, h => h.Key.Equals("x-amz-content-sha256", StringComparison.OrdinalIgnoreCase) && h.Value == "UNSIGNED-PAYLOAD");

        Assert.True(Verify(Verifier(), request).Ok);
    }

    [Fact]
    public void A_presigned_url_from_the_SDK_is_accepted_until_it_expires()
    {
        var presigned = AWSSigV4Signer.Presign(
            new AWSSigningRequest { HttpMethod = HttpMethod.Get, RequestUri = new Uri("http://127.0.0.1:8053/2013-04-01/hostedzone?maxitems=1") },
            new AWSSigV4Parameters { Credentials = new BasicAWSCredentials(AccessKey, Secret), Region = RegionEndpoint.EUWest1, Service = "route53", SignedAt = SignedAt },
            TimeSpan.FromMinutes(10));
        var uri = presigned.Uri;
        var headers = new List<KeyValuePair<string, string>> { new("Host", uri.Authority) };
        headers.AddRange(presigned.SignedHeaders.Where(h => !h.Key.Equals("host", StringComparison.OrdinalIgnoreCase)));
        var request = new Request("GET", uri.AbsolutePath, uri.Query.TrimStart('?'), headers, []);

        Assert.True(Verify(Verifier(TimeSpan.FromMinutes(9)), request).Ok);
        var expired = Verify(Verifier(TimeSpan.FromMinutes(16)), request);
        Assert.Equal(SigV4Failure.SignatureDoesNotMatch, expired.Failure);
        Assert.StartsWith("Signature expired: 20240102T031405Z is now earlier than", expired.Message);
        Assert.Equal(SigV4Failure.SignatureDoesNotMatch, Verify(Verifier(), request with { Query = request.Query.Replace("maxitems=1", "maxitems=2") }).Failure);
    }

    // ---- AWS's published vectors are accepted ----

    public static TheoryData<string, Request> SuiteRequests => new()
    {
        { "get-vanilla", Suite("GET", "/", "", "host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31") },
        // Paths a non-S3 service normalises before signing: same canonical URI "/", same signature.
        { "get-slash", Suite("GET", "//", "", "host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31") },
        { "get-slash-dot-slash", Suite("GET", "/./", "", "host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31") },
        { "get-relative-relative", Suite("GET", "/example1/example2/../..", "", "host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31") },
        { "get-unreserved", Suite("GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "", "host;x-amz-date", "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f") },
        { "get-utf8", Suite("GET", "/\u1234", "", "host;x-amz-date", "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85") },
        { "get-vanilla-query-order-key-case", Suite("GET", "/", "Param2=value2&Param1=value1", "host;x-amz-date", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500") },
        { "get-vanilla-query-unreserved", Suite("GET", "/",
            "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            "host;x-amz-date", "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197") },
        { "get-vanilla-utf8-query", Suite("GET", "/", "%E1%88%B4=bar", "host;x-amz-date", "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04") },
        { "get-header-key-duplicate", Suite("GET", "/", "", "host;my-header1;x-amz-date", "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea", "",
            ("My-Header1", "value2"), ("My-Header1", "value2"), ("My-Header1", "value1")) },
        { "get-header-value-trim", Suite("GET", "/", "", "host;my-header1;my-header2;x-amz-date", "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736", "",
            ("My-Header1", " value1"), ("My-Header2", "\"a   b   c\"")) },
        { "post-vanilla", Suite("POST", "/", "", "host;x-amz-date", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b") },
        { "post-vanilla-query", Suite("POST", "/", "Param1=value1", "host;x-amz-date", "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11") },
        // A body and no x-amz-content-sha256: the payload hash is the body's own, as for the AWS CLI's Route 53 POSTs.
        { "post-x-www-form-urlencoded", Suite("POST", "/", "", "content-type;host;x-amz-date", "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a", "Param1=value1",
            ("Content-Type", "application/x-www-form-urlencoded")) },
        { "post-x-www-form-urlencoded-parameters", Suite("POST", "/", "", "content-type;host;x-amz-date", "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe", "Param1=value1",
            ("Content-Type", "application/x-www-form-urlencoded; charset=utf8")) },
    };

    [Theory]
    [MemberData(nameof(SuiteRequests))]
    public void A_request_of_the_published_test_suite_is_accepted(string name, Request request)
    {
        var result = Verify(SuiteVerifier(), request);

        Assert.True(result.Ok, $"{name}: {result.Message}");
        Assert.Equal(SuiteKey, result.AccessKeyId);
    }

    [Fact]
    public void The_documented_IAM_ListUsers_example_is_accepted_for_service_iam()
    {
        // docs.aws.amazon.com, "Create a signed AWS API request": GET https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08
        var request = new Request("GET", "/", "Action=ListUsers&Version=2010-05-08",
        [
            new("Host", "iam.amazonaws.com"),
            new("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
            new("X-Amz-Date", SuiteDate),
            new("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, " +
                "SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"),
        ], []);

        Assert.True(Verify(SuiteVerifier("iam"), request).Ok);
        Assert.Equal(SigV4Failure.SignatureDoesNotMatch, Verify(SuiteVerifier("route53"), request).Failure);
    }

    // ---- what is refused ----

    [Fact]
    public void A_wrong_secret_is_SignatureDoesNotMatch()
    {
        var result = Verify(Verifier(), SdkSigned("GET", "http://127.0.0.1:8053/2013-04-01/hostedzone", secret: "not-the-secret"));

        Assert.Equal(SigV4Failure.SignatureDoesNotMatch, result.Failure);
        Assert.Equal(ExpectedMismatch, result.Message);
        Assert.Equal(AccessKey, result.AccessKeyId);
    }

    [Fact]
    public void An_unknown_access_key_is_InvalidClientTokenId()
    {
        var result = Verify(Verifier(), SdkSigned("GET", "http://127.0.0.1:8053/2013-04-01/hostedzone", accessKey: "AKIAUNKNOWNEXAMPLE1"));

        Assert.Equal(SigV4Failure.InvalidClientTokenId, result.Failure);
        Assert.Equal("The security token included in the request is invalid.", result.Message);
    }

    [Fact]
    public void A_body_changed_after_signing_is_SignatureDoesNotMatch()
    {
        // Without x-amz-content-sha256 (the CLI's way): the published form-post vector with another body.
        var suite = Suite("POST", "/", "", "content-type;host;x-amz-date", "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a", "Param1=value1",
            ("Content-Type", "application/x-www-form-urlencoded"));
        Assert.Equal(SigV4Failure.SignatureDoesNotMatch, Verify(SuiteVerifier(), suite with { Body = "Param1=value2"u8.ToArray() }).Failure);

        // With x-amz-content-sha256 (the SDK's way): the declared hash no longer matches the body.
        var sdk = SdkSigned("POST", "http://127.0.0.1:8053/2013-04-01/hostedzone", "<Name>example.com</Name>");
        var result = Verify(Verifier(), sdk with { Body = "<Name>evil.example</Name>"u8.ToArray() });
        Assert.Equal(SigV4Failure.SignatureDoesNotMatch, result.Failure);
        Assert.Equal(ExpectedMismatch, result.Message);
    }

    public static TheoryData<string, Func<Request, Request>> Alterations => new()
    {
        { "method", r => r with { Method = "DELETE" } },
        { "path", r => r with { Path = r.Path.Replace("Z1D633PJN98FT9", "Z1D633PJN98FT8") } },
        { "path prefix dropped", r => r with { Path = r.Path.Replace("/prefix", "") } },
        { "query value", r => r with { Query = r.Query.Replace("type=A", "type=MX") } },
        { "query parameter added", r => r with { Query = r.Query + "&identifier=x" } },
        { "signed host", r => r.WithHeader("Host", "127.0.0.1:8054") },
        { "signed date", r => r.WithHeader("X-Amz-Date", "20240102T030406Z") },
        { "signature", r => r.WithHeader("Authorization", r.Headers.Single(h => h.Key == "Authorization").Value[..^4] + "0000") },
        { "signature not hex", r => r.WithHeader("Authorization", r.Headers.Single(h => h.Key == "Authorization").Value[..^4] + "zzzz") },
    };

    [Theory]
    [MemberData(nameof(Alterations))]
    public void A_request_changed_after_signing_is_SignatureDoesNotMatch(string what, Func<Request, Request> alter)
    {
        var signed = SdkSigned("GET", "http://127.0.0.1:8053/prefix/2013-04-01/hostedzone/Z1D633PJN98FT9/rrset?type=A&name=www.example.com.");
        Assert.True(Verify(Verifier(), signed).Ok);

        var result = Verify(Verifier(), alter(signed));

        Assert.Equal(SigV4Failure.SignatureDoesNotMatch, result.Failure);
        Assert.False(string.IsNullOrEmpty(result.Message), what);
    }

    [Fact]
    public void No_Authorization_is_MissingAuthenticationToken()
    {
        var signed = SdkSigned("GET", "http://127.0.0.1:8053/2013-04-01/hostedzone");

        var result = Verify(Verifier(), signed.WithoutHeader("Authorization"));

        Assert.Equal(SigV4Failure.MissingAuthenticationToken, result.Failure);
        Assert.Equal("Missing Authentication Token", result.Message);
        Assert.Null(result.AccessKeyId);
    }

    [Fact]
    public void An_Authorization_without_SignedHeaders_and_Signature_is_IncompleteSignature_naming_both()
    {
        const string header = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240102/eu-west-1/route53/aws4_request";
        var signed = SdkSigned("GET", "http://127.0.0.1:8053/2013-04-01/hostedzone").WithHeader("Authorization", header);

        var result = Verify(Verifier(), signed);

        Assert.Equal(SigV4Failure.IncompleteSignature, result.Failure);
        Assert.Equal("Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. " +
            "Authorization=" + header, result.Message);
    }

    public static TheoryData<string, string> MalformedAuthorizations => new()
    {
        { "Bearer abc", "Authorization header requires 'Credential' parameter." },
        { "AWS4-HMAC-SHA256", "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter." },
        { "AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=", "Authorization header requires 'SignedHeaders' parameter." },
        { "AWS4-HMAC-SHA512 Credential=AKIAIOSFODNN7EXAMPLE/20240102/eu-west-1/route53/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
            "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'." },
        { "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240102/route53, SignedHeaders=host;x-amz-date, Signature=00",
            "Credential must have exactly 5 slash-delimited elements" },
    };

    [Theory]
    [MemberData(nameof(MalformedAuthorizations))]
    public void A_malformed_Authorization_is_IncompleteSignature(string header, string expected)
    {
        var signed = SdkSigned("GET", "http://127.0.0.1:8053/2013-04-01/hostedzone").WithHeader("Authorization", header);

        var result = Verify(Verifier(), signed);

        Assert.Equal(SigV4Failure.IncompleteSignature, result.Failure);
        Assert.Contains(expected, result.Message);
    }

    [Fact]
    public void A_huge_malformed_Authorization_is_not_echoed_whole()
    {
        var header = "AWS4-HMAC-SHA256 Credential=" + new string('A', 100_000);
        var result = Verify(Verifier(), SdkSigned("GET", "http://127.0.0.1:8053/2013-04-01/hostedzone").WithHeader("Authorization", header));

        Assert.Equal(SigV4Failure.IncompleteSignature, result.Failure);
        Assert.StartsWith("Authorization header requires 'Signature' parameter.", result.Message);
        Assert.True(result.Message.Length < 1_000, $"message of {result.Message.Length} characters");
    }

    [Fact]
    public void A_request_without_any_date_is_IncompleteSignature()
    {
        var signed = SdkSigned("GET", "http://127.0.0.1:8053/2013-04-01/hostedzone").WithoutHeader("X-Amz-Date");

        var result = Verify(Verifier(), signed);

        Assert.Equal(SigV4Failure.IncompleteSignature, result.Failure);
        Assert.Contains("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.", result.Message);
    }

    [Fact]
    public void A_request_six_minutes_old_has_expired()
    {
        var result = Verify(Verifier(TimeSpan.FromMinutes(6)), SdkSigned("GET", "http://127.0.0.1:8053/2013-04-01/hostedzone"));

        Assert.Equal(SigV4Failure.SignatureDoesNotMatch, result.Failure);
        Assert.Equal("Signature expired: 20240102T030405Z is now earlier than 20240102T030505Z (20240102T031005Z - 5 min.)", result.Message);
    }

    [Fact]
    public void A_request_six_minutes_in_the_future_is_not_yet_current()
    {
        var result = Verify(Verifier(TimeSpan.FromMinutes(-6)), SdkSigned("GET", "http://127.0.0.1:8053/2013-04-01/hostedzone"));

        Assert.Equal(SigV4Failure.SignatureDoesNotMatch, result.Failure);
        Assert.Equal("Signature not yet current: 20240102T030405Z is still later than 20240102T030305Z (20240102T025805Z + 5 min.)", result.Message);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(-4)]
    [InlineData(5)]
    [InlineData(-5)]
    public void A_request_within_five_minutes_of_the_clock_is_accepted(int minutes)
    {
        var result = Verify(Verifier(TimeSpan.FromMinutes(minutes)), SdkSigned("GET", "http://127.0.0.1:8053/2013-04-01/hostedzone?maxitems=1"));

        Assert.True(result.Ok, result.Message);
    }

    [Fact]
    public void A_credential_scoped_to_another_service_is_SignatureDoesNotMatch()
    {
        var result = Verify(Verifier(), SdkSigned("GET", "http://127.0.0.1:8053/2013-04-01/hostedzone", service: "s3"));

        Assert.Equal(SigV4Failure.SignatureDoesNotMatch, result.Failure);
        Assert.Equal("Credential should be scoped to correct service: 'route53'.", result.Message);
    }

    [Fact]
    public void No_message_ever_contains_the_secret()
    {
        var verifier = Verifier();
        var signed = SdkSigned("POST", "http://127.0.0.1:8053/2013-04-01/hostedzone", "<x/>");
        Request[] refused =
        [
            signed.WithoutHeader("Authorization"),
            signed.WithHeader("Authorization", "AWS4-HMAC-SHA256 Credential=" + Secret),
            signed.WithHeader("Authorization", "AWS4-HMAC-SHA256 Credential=" + AccessKey + "/" + Secret),
            signed.WithHeader("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAUNKNOWNEXAMPLE1/20240102/eu-west-1/route53/aws4_request, SignedHeaders=host, Signature=00"),
            signed.WithHeader("X-Amz-Date", "yesterday"),
            signed with { Body = "<y/>"u8.ToArray() },
            signed with { Path = "/2013-04-01/hostedzone/Z1" },
            SdkSigned("GET", "http://127.0.0.1:8053/2013-04-01/hostedzone", secret: "wrong"),
            SdkSigned("GET", "http://127.0.0.1:8053/2013-04-01/hostedzone", service: "s3"),
            SdkSigned("GET", "http://127.0.0.1:8053/2013-04-01/hostedzone", signedAt: SignedAt.AddHours(-1)),
            SdkSigned("GET", "http://127.0.0.1:8053/2013-04-01/hostedzone", signedAt: SignedAt.AddHours(1)),
        ];

        foreach (var request in refused)
        {
            var result = Verify(verifier, request);
            Assert.False(result.Ok);
            Assert.DoesNotContain(Secret, result.Message);
            Assert.DoesNotContain("K7MDENG", result.Message);
        }
    }
}
