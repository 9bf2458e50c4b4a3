using DnsHost.Protocol;

namespace DnsHost.Tests.Protocol;

/// <summary>A record read back from a message, with its RDATA expanded so it can be compared and printed.</summary>
internal sealed record ReadRecord(string Owner, ushort Type, ushort Class, uint Ttl, int RDataOffset, int RDataLength, byte[] RData)
{
    public string Text => RecordData.ToText(Type, RData);
}

/// <summary>A whole message read back with <see cref="DnsMessageReader"/>, failing the test on any read error.</summary>
internal sealed record ReadMessage(DnsHeader Header, string QuestionName, ushort QuestionType, ushort QuestionClass, List<ReadRecord> Records)
{
    public static ReadMessage From(ReadOnlySpan<byte> message)
    {
        var reader = new DnsMessageReader(message);
        Assert.True(reader.TryReadHeader(out var header), $"header: {reader.Error}");
        Assert.Equal(1, header.QuestionCount);
        Span<byte> name = stackalloc byte[DnsName.MaxLength + 1];
        Assert.True(reader.TryReadQuestion(name, out var question), $"question: {reader.Error}");
        string questionName = DnsName.ToText(name[..question.NameLength]);
        var records = new List<ReadRecord>();
        int total = header.AnswerCount + header.AuthorityCount + header.AdditionalCount;
        for (int i = 0; i < total; i++)
        {
            Assert.True(reader.TryReadRecord(name, out var record), $"record {i}: {reader.Error}");
            var rdata = new byte[record.RDataLength + 2 * DnsName.MaxLength]; // room for names expanded from pointers
            int length = RecordData.CopyUncompressed(record.Type, message, record.RDataOffset, record.RDataLength, rdata);
            Assert.True(length >= 0, $"record {i}: RDATA does not expand");
            records.Add(new ReadRecord(DnsName.ToText(name[..record.NameLength]), record.Type, record.Class, record.Ttl,
                record.RDataOffset, record.RDataLength, rdata[..length]));
        }
        Assert.Equal(message.Length, reader.Position);
        return new ReadMessage(header, questionName, question.Type, question.Class, records);
    }
}
