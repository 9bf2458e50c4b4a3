using System.Net;
using DnsHost.Web;

namespace DnsHost.Tests.WebConsole;

/// <summary>
/// Who can sign in to the console and the operations endpoints: the AWS documentation's example key pair
/// (the API's default when Api:AccessKeys is empty) is public, so beyond loopback it opens only the API.
/// </summary>
[Trait("Kind", "Unit")]
public sealed class ConsoleCredentialsTests
{
    private const string ExampleId = "AKIAIOSFODNN7EXAMPLE";
    private const string ExampleSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    [Fact]
    public void On_loopback_the_example_pair_signs_in()
    {
        var credentials = ConsoleCredentials.For(new ApiOptions(), null, IPEndPoint.Parse("127.0.0.1:8053"));
        Assert.Equal(ExampleId, credentials.Verify(ExampleId, ExampleSecret, null));
        Assert.True(credentials.Any);
    }

    [Theory]
    [InlineData("0.0.0.0:8053")]
    [InlineData("192.0.2.10:8053")]
    [InlineData("[::]:8053")]
    public void Beyond_loopback_the_example_pair_does_not_sign_in_but_configured_keys_and_the_token_do(string listen)
    {
        var endPoint = IPEndPoint.Parse(listen);
        var unconfigured = ConsoleCredentials.For(new ApiOptions(), null, endPoint);
        Assert.Null(unconfigured.Verify(ExampleId, ExampleSecret, null));
        Assert.Null(unconfigured.VerifyAuthorization("Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{ExampleId}:{ExampleSecret}"))));
        Assert.False(unconfigured.Any);

        var withToken = ConsoleCredentials.For(new ApiOptions(), "s3cret-admin-token", endPoint);
        Assert.Equal("admin", withToken.Verify(null, null, "s3cret-admin-token"));
        Assert.Null(withToken.Verify(ExampleId, ExampleSecret, null));

        var configured = new ApiOptions { AccessKeys = { ["AKIDTEAM"] = "team-secret" } };
        Assert.Equal("AKIDTEAM", ConsoleCredentials.For(configured, null, endPoint).Verify("AKIDTEAM", "team-secret", null));
    }
}
