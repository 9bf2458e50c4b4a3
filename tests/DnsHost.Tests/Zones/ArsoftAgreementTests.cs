using System.Reflection;
using System.Text;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using DnsHost.Protocol;
using Xunit.Abstractions;

namespace DnsHost.Tests.Zones;

/// <summary>
/// An independent check of our parser: ARSoft.Tools.Net parses the same zone and both RDATA are
/// compared as wire bytes. Every type of <see cref="EveryType"/> agrees; ARSoft is wrong elsewhere
/// ("@" in RDATA, owners named like types, non-ASCII TXT), which the zone here avoids.
/// </summary>
[Trait("Kind", "Unit")]
public sealed class ArsoftAgreementTests(ITestOutputHelper output)
{
    /// <summary>Syntax ARSoft 3.6.1 does not read, taken out of the line for both parsers.</summary>
    private static readonly string[] ArsoftCannotRead =
    [
        " key65000=\"x\"", // generic SvcParamKey keyNNNNN (RFC 9460 2.1): "Invalid or unknown SvcParamKey"
        " ech=AEX+DQBBpQAgACBo", // ARSoft knows key 5 by a draft's name, not "ech"
    ];

    [Fact]
    public void Rdata_wire_bytes_agree_with_arsoft()
    {
        var disagreements = new List<string>();
        int compared = 0;
        string? owner = null;
        foreach (var line in EveryType.Zone.Split('\n'))
        {
            if (line.StartsWith('$') || line.Trim().Length == 0)
                continue;
            // One record at a time, each with its owner written out.
            // ARSoft reads a relative owner that looks like a type ("txt") as the type, so owners are written absolute.
            if (!char.IsWhiteSpace(line[0]))
                owner = line.Split(' ', 2)[0] is var o && o == "@" ? "every.test." : o + ".every.test.";
            string entry = owner + " " + (char.IsWhiteSpace(line[0]) ? line.TrimStart() : line.Split(' ', 2)[1].TrimStart());
            foreach (var unsupported in ArsoftCannotRead)
                entry = entry.Replace(unsupported, "", StringComparison.Ordinal);
            string text = "$TTL 300\n" + entry + "\n";
            var ours = Assert.Single(MasterFileParserTests.ParseOk(text, "every.test."));
            List<DnsRecordBase> theirs;
            try
            {
                using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
                theirs = ARSoft.Tools.Net.Dns.Zone.ParseMasterFile(DomainName.Parse("every.test"), stream).ToList();
            }
            catch (Exception e) when (e is FormatException or NotSupportedException or ArgumentException or IndexOutOfRangeException)
            {
                disagreements.Add($"ARSoft cannot parse '{entry}': {e.Message}");
                continue;
            }
            var (name, code, rdata) = Encode(Assert.Single(theirs));
            compared++;
            Assert.Equal(ours.Type, code);
            Assert.True(DnsName.EqualsIgnoreCase(ours.Owner, name), entry);
            if (!ours.RData.AsSpan().SequenceEqual(rdata))
                disagreements.Add($"{entry}\n  ARSoft {Convert.ToHexString(rdata)} ({RecordData.ToText(code, rdata)})\n  ours   {Convert.ToHexString(ours.RData)} ({RecordData.ToText(code, ours.RData)})");
        }
        foreach (var d in disagreements)
            output.WriteLine(d);
        Assert.Empty(disagreements);
        Assert.True(compared >= 20, $"only {compared} records compared");
    }

    private static readonly Func<DnsMessageBase, DnsRawPackage> EncodeMessage =
        typeof(DnsMessageBase).GetMethod("Encode", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public, Type.EmptyTypes)!
            .CreateDelegate<Func<DnsMessageBase, DnsRawPackage>>();

    /// <summary>ARSoft keeps its encoder internal; the test reaches it to get the record on the wire, then reads it with our reader.</summary>
    private static (byte[] Owner, ushort Type, byte[] RData) Encode(DnsRecordBase record)
    {
        var message = new DnsMessage();
        message.AnswerRecords.Add(record);
        var bytes = EncodeMessage(message).ToArraySegment(false).ToArray();
        var reader = new DnsMessageReader(bytes);
        var name = new byte[256];
        var rdata = new byte[65535];
        Assert.True(reader.TryReadHeader(out _));
        Assert.True(reader.TryReadRecord(name, out var view), $"{record}: {reader.Error}");
        int length = RecordData.CopyUncompressed(view.Type, bytes, view.RDataOffset, view.RDataLength, rdata);
        Assert.True(length >= 0, record.ToString());
        return (name[..view.NameLength], view.Type, rdata[..length]);
    }
}
