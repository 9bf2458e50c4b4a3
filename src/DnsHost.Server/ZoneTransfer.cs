using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using DnsHost.Protocol;
using DnsHost.Protocol.Tsig;
using DnsHost.Zones;
using Microsoft.Extensions.Logging;

namespace DnsHost.Server;

/// <summary>
/// Sends an AXFR (RFC 5936 2.2) or IXFR (RFC 1995 4) response over TCP, streamed: records are written
/// from the zone's tables into one pooled message buffer at a time and sent, so the zone is never
/// copied whole. An IXFR is answered from the journal (condensed to one difference sequence) when it
/// reaches back to the client's serial, else with the whole zone. With TSIG, every message is signed
/// (RFC 8945 5.3.1: the first with the request's MAC, each later one with the MAC before it).
/// </summary>
public static partial class ZoneTransfer
{
    private const int MessageLimit = 16 * 1024;

    public static async Task SendAsync(Socket client, ReadOnlyMemory<byte> query, Zone zone, TransferService? transfers, ILogger logger, TimeSpan sendTimeout, CancellationToken ct,
        ZoneSigners? signers = null)
    {
        var request = ReadRequest(query.Span, transfers?.Keys);
        // An online-signed zone goes whole and signed, IXFR too: the journal holds unsigned changes (SignedTransfer).
        var (records, kind) = PresignedZone.Of(zone) is null && signers?.For(zone) is { } signer
            ? (new ListRecords(SignedTransfer.Records(zone, signer, signers.UsesNsec3For(zone))), "AXFR (signed)")
            : Plan(zone, request, transfers?.Journal);
        var buffer = ArrayPool<byte>.Shared.Rent(ushort.MaxValue + 2);
        try
        {
            byte[]? priorMac = request.Tsig is null ? null : request.Tsig.Mac;
            int tsigSize = request.Key is null ? 0 : TsigSigner.RecordSize(request.Key);
            ulong timeSigned = transfers?.Keys.Now ?? 0;
            int messages = 0;
            bool first = true;
            while (!records.Done)
            {
                int length = Fill(buffer.AsSpan(2, ushort.MaxValue), request, records, first, tsigSize);
                if (request.Key is { } key)
                {
                    byte[] mac;
                    length = first
                        ? TsigSigner.Sign(buffer.AsSpan(2, ushort.MaxValue), length, key, priorMac, true, timeSigned, transfers!.Keys.Fudge, TsigError.None, default, out mac)
                        : TsigSigner.SignSubsequent(buffer.AsSpan(2, ushort.MaxValue), length, key, priorMac, timeSigned, transfers!.Keys.Fudge, out mac);
                    priorMac = mac;
                }
                BinaryPrimitives.WriteUInt16BigEndian(buffer, (ushort)length);
                using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
                {
                    // Each message has the idle timeout: a client that stops reading is dropped, a long transfer is not.
                    timeout.CancelAfter(sendTimeout);
                    await client.SendAsync(buffer.AsMemory(0, length + 2), SocketFlags.None, timeout.Token);
                }
                messages++;
                first = false;
            }
            transfers?.CountTransfer(kind.StartsWith("IXFR from", StringComparison.Ordinal));
            LogTransfer(logger, kind, zone.OriginText, zone.Serial, client.RemoteEndPoint, messages, request.Key?.NameText ?? "none");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The question, the client's serial (IXFR) and the verified TSIG key of a transfer request.</summary>
    internal sealed record Request(ushort Id, byte[] QName, ushort QType, uint? ClientSerial, TsigKey? Key, TsigRecord? Tsig);

    internal static Request ReadRequest(ReadOnlySpan<byte> query, TsigKeyring? keys)
    {
        var reader = new DnsMessageReader(query);
        Span<byte> name = stackalloc byte[DnsName.MaxLength + 1];
        reader.TryReadHeader(out var header);
        reader.TryReadQuestion(name, out var question);
        var qname = name[..question.NameLength].ToArray();
        uint? clientSerial = null;
        if (question.Type == (ushort)RecordType.IXFR && header.AuthorityCount == 1 && header.AnswerCount == 0
            && reader.TryReadRecord(name, out var soa) && soa.Type == (ushort)RecordType.SOA && soa.RDataLength >= 20)
            clientSerial = BinaryPrimitives.ReadUInt32BigEndian(query[(soa.RDataOffset + soa.RDataLength - 20)..]);
        TsigKey? key = null;
        TsigRecord? tsig = null;
        // The query stages verified the signature already; the key and the request's MAC are needed again to sign.
        if (keys is not null && TsigRecord.TryFind(query, out tsig, out bool malformed) && !malformed && tsig is not null)
        {
            key = keys.Find(tsig.KeyName);
            if (key is not null && !key.AlgorithmName.AsSpan().SequenceEqual(tsig.AlgorithmName))
                key = null;
            if (key is null)
                tsig = null;
        }
        return new Request(header.Id, qname, question.Type, clientSerial, key, tsig);
    }

    private static (TransferRecords Records, string Kind) Plan(Zone zone, Request request, ZoneJournal? journal)
    {
        if (request.QType == (ushort)RecordType.IXFR && request.ClientSerial is uint from && journal?.Chain(zone.OriginText, from, zone.Serial) is { Count: > 0 } chain)
        {
            // RFC 1995 4: current SOA, then (old SOA, deletions, new SOA, additions) condensed into one step, then the current SOA.
            var delta = ZoneDelta.Condense(chain.Select(e => e.Delta));
            var current = TransferService.SoaRecord(zone);
            var list = new List<ZoneRecord>(delta.Removed.Count + delta.Added.Count + 4) { current, chain[0].FromSoa };
            list.AddRange(delta.Removed);
            list.Add(current);
            list.AddRange(delta.Added);
            list.Add(current);
            return (new ListRecords(list), $"IXFR from serial {from}");
        }
        return (new AxfrRecords(zone), request.QType == (ushort)RecordType.IXFR ? "IXFR (whole zone)" : "AXFR");
    }

    private static int Fill(Span<byte> buffer, Request request, TransferRecords records, bool first, int tsigSize)
    {
        var writer = new DnsMessageWriter(buffer, MessageLimit - tsigSize);
        writer.Id = request.Id;
        writer.Flags = DnsHeader.QrBit | DnsHeader.AaBit;
        // RFC 5936 2.2.1: the question appears in the first message only.
        if (first)
            writer.TryWriteQuestion(request.QName, request.QType, RecordClass.IN);
        int written = 0;
        while (records.TryCurrent(out var owner, out ushort type, out uint ttl, out var rdata))
        {
            if (!writer.TryWriteRecord(DnsSection.Answer, owner, type, RecordClass.IN, ttl, rdata))
            {
                if (written > 0)
                    break;
                // A single record larger than the soft limit: a message of its own at full size.
                writer.SetLimit(ushort.MaxValue - tsigSize);
                if (!writer.TryWriteRecord(DnsSection.Answer, owner, type, RecordClass.IN, ttl, rdata))
                    throw new InvalidOperationException("record too large for a DNS message");
            }
            written++;
            records.Advance();
        }
        return writer.Finish();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} of {Zone} serial {Serial} to {Client} in {Messages} messages (TSIG key {Key})")]
    private static partial void LogTransfer(ILogger logger, string kind, string zone, uint serial, EndPoint? client, int messages, string key);
}

/// <summary>The records of a transfer, one at a time, in order.</summary>
internal abstract class TransferRecords
{
    public abstract bool Done { get; }
    public abstract bool TryCurrent(out ReadOnlySpan<byte> owner, out ushort type, out uint ttl, out ReadOnlySpan<byte> rdata);
    public abstract void Advance();
}

/// <summary>A list of records (an IXFR's difference sequence: small).</summary>
internal sealed class ListRecords(List<ZoneRecord> records) : TransferRecords
{
    private int _index;

    public override bool Done => _index >= records.Count;

    public override bool TryCurrent(out ReadOnlySpan<byte> owner, out ushort type, out uint ttl, out ReadOnlySpan<byte> rdata)
    {
        if (Done)
        {
            owner = rdata = default;
            (type, ttl) = (0, 0);
            return false;
        }
        var r = records[_index];
        owner = r.Owner;
        rdata = r.RData;
        (type, ttl) = (r.Type, r.Ttl);
        return true;
    }

    public override void Advance() => _index++;
}

/// <summary>
/// A whole zone straight from its tables (RFC 5936 2.2: the SOA, every other record in canonical order,
/// the SOA again), with no object per record.
/// </summary>
internal sealed class AxfrRecords : TransferRecords
{
    private readonly Zone _zone;
    private readonly IEnumerator<ZoneNode> _nodes;
    private int _phase; // 0: opening SOA, 1: the nodes, 2: closing SOA, 3: done
    private ZoneNode _node;
    private int _set;
    private int _record;

    public AxfrRecords(Zone zone)
    {
        _zone = zone;
        _nodes = zone.Nodes.GetEnumerator();
    }

    public override bool Done => _phase == 3;

    public override bool TryCurrent(out ReadOnlySpan<byte> owner, out ushort type, out uint ttl, out ReadOnlySpan<byte> rdata)
    {
        owner = rdata = default;
        (type, ttl) = (0, 0);
        if (_phase == 1 && !Settle())
            _phase = 2;
        if (_phase is 0 or 2)
        {
            var soa = _zone.Soa;
            owner = _zone.Origin;
            rdata = soa.RData[0];
            (type, ttl) = ((ushort)RecordType.SOA, soa.Ttl);
            return true;
        }
        if (_phase == 3)
            return false;
        var set = _node.SetAt(_set);
        owner = _node.Name;
        rdata = set.RData[_record];
        (type, ttl) = (set.Type, set.Ttl);
        return true;
    }

    public override void Advance()
    {
        if (_phase == 0)
        {
            _phase = 1;
            _set = -1;
            return;
        }
        if (_phase == 2)
        {
            _phase = 3;
            _nodes.Dispose();
            return;
        }
        _record++;
    }

    /// <summary>Moves the cursor onto a record to send (skipping the apex SOA and empty nodes); false at the end.</summary>
    private bool Settle()
    {
        while (true)
        {
            if (_set >= 0 && _set < _node.SetCount)
            {
                var set = _node.SetAt(_set);
                bool apexSoa = set.Type == (ushort)RecordType.SOA && _node.Index == _zone.Apex.Index;
                if (!apexSoa && _record < set.Count)
                    return true;
                _set++;
                _record = 0;
                continue;
            }
            if (!_nodes.MoveNext())
                return false;
            _node = _nodes.Current;
            _set = 0;
            _record = 0;
        }
    }
}
