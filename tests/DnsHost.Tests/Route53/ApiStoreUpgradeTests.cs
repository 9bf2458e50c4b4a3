using DnsHost.Protocol;
using DnsHost.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace DnsHost.Tests.Route53;

/// <summary>A store written before record sets had rows of their own is read, served and moved to rows once.</summary>
[Trait("Kind", "Interop")]
public sealed class ApiStoreUpgradeTests
{
    [Fact]
    public async Task A_zone_stored_as_one_document_is_served_after_the_upgrade_and_changes_stay()
    {
        using var zones = new TestZones();
        string data = Path.Combine(zones.Directory, "old.db");
        using (var db = new SqliteConnection($"Data Source={data};Pooling=false"))
        {
            db.Open();
            using var command = db.CreateCommand();
            command.CommandText = """
                CREATE TABLE zones (id TEXT PRIMARY KEY, name TEXT NOT NULL, caller_reference TEXT NOT NULL UNIQUE, document TEXT NOT NULL);
                INSERT INTO zones VALUES ('ZOLDSTYLE', 'old.test.', 'ref-old', '{ "HostedZone": { "Id": "/hostedzone/ZOLDSTYLE", "Name": "old.test.", "CallerReference": "ref-old" },
                  "ResourceRecordSets": [
                    { "Name": "old.test.", "Type": "SOA", "TTL": 900, "ResourceRecords": [ { "Value": "ns.old.test. h.old.test. 1 7200 900 1209600 86400" } ] },
                    { "Name": "old.test.", "Type": "NS", "TTL": 172800, "ResourceRecords": [ { "Value": "ns.old.test." } ] },
                    { "Name": "www.old.test.", "Type": "A", "TTL": 60, "ResourceRecords": [ { "Value": "192.0.2.44" } ] } ] }');
                """;
            command.ExecuteNonQuery();
        }
        for (int run = 0; run < 2; run++)
        {
            await using var server = await RunningServer.StartAsync(zones.Directory, "--data", data);
            var answer = await server.UdpAsync(TestQuery.Build("www.old.test", RecordType.A));
            Assert.Equal(["192.0.2.44"], answer.AnswerData("A").ToArray());
            var aws = new AwsCli(server.ApiBase);
            var sets = (await aws.Ok("list-resource-record-sets", "--hosted-zone-id", "ZOLDSTYLE")).GetProperty("ResourceRecordSets");
            Assert.Equal(3, sets.GetArrayLength());
        }
    }
}
