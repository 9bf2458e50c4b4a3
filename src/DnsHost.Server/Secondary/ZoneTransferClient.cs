using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using DnsHost.Protocol;
using DnsHost.Protocol.Tsig;
using DnsHost.Zones;

namespace DnsHost.Server;

/// <summary>
/// The client side of a refresh (RFC 1034 4.3.5, RFC 1995, RFC 5936), over one TCP connection to a primary: an SOA
/// query, and when the primary's serial is newer, an IXFR from our serial (or an AXFR when we hold no copy, or when
/// the primary refuses IXFR). With a key, every request is signed and every answer must verify, each message of a
/// transfer included (RFC 8945 5.3.1).
/// </summary>
public sealed class ZoneTransferClient(TsigKeyring keys, TimeSpan timeout)
{
    /// <summary>Whole-zone transfers larger than this many records are refused (a runaway primary cannot fill our memory).</summary>
    public int MaxRecords { get; init; } = 50_000_000;

    /// <summary>How long the SOA query over UDP waits for its answer before the SOA is asked over TCP.</summary>
    public TimeSpan UdpWait { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Asks <paramref name="primary"/> for what is newer than <paramref name="current"/> (null: the whole zone).</summary>
    public async Task<IncomingTransfer> FetchAsync(PrimaryServer primary, byte[] origin, Zone? current, CancellationToken ct)
    {
        // As Knot and BIND do, a refresh asks for the SOA over UDP first: a zone that is up to date costs one datagram each way.
        uint? known = current is null ? null : await QuerySerialOverUdpAsync(primary, origin, ct);
        if (current is not null && known is uint udpSerial && !SerialNumber.IsGreater(udpSerial, current.Serial))
            return new IncomingTransfer(udpSerial, true, null, null, null, 1, 0);
        using (var connection = await ConnectAsync(primary, ct))
        {
            uint serial = known ?? await QuerySerialAsync(connection, primary, origin, ct);
            if (current is not null && !SerialNumber.IsGreater(serial, current.Serial))
                return new IncomingTransfer(serial, true, null, null, null, 1, 0);
            if (current is not null)
            {
                try
                {
                    return await TransferAsync(connection, primary, origin, current, ct);
                }
                catch (TransferFailedException e) when (e.TryAxfr)
                {
                    // RFC 1995 4 leaves the fallback to the client: a refused IXFR gets an AXFR on a new connection.
                    FellBack = e.Message;
                }
            }
        }
        using var fresh = await ConnectAsync(primary, ct);
        return await TransferAsync(fresh, primary, origin, null, ct);
    }

    /// <summary>Whether the last <see cref="FetchAsync"/> learnt the primary's serial over UDP (false: over TCP, after TC, no answer or an error).</summary>
    public bool SerialOverUdp { get; private set; }

    /// <summary>Why the SOA query over UDP gave no serial in the last <see cref="FetchAsync"/>, if it did not (for the log).</summary>
    public string? UdpFailure { get; private set; }

    /// <summary>Why the last <see cref="FetchAsync"/> fell back from IXFR to AXFR, if it did (for the log).</summary>
    public string? FellBack { get; private set; }

    private async Task<Socket> ConnectAsync(PrimaryServer primary, CancellationToken ct)
    {
        var socket = new Socket(primary.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var limit = Limit(ct);
            await socket.ConnectAsync(primary.EndPoint, limit.Token);
            return socket;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TransferFailedException($"cannot connect to {primary.EndPoint}: {(e is SocketException s ? s.SocketErrorCode.ToString() : "timed out")}");
        }
    }

    private async Task<uint> QuerySerialAsync(Socket socket, PrimaryServer primary, byte[] origin, CancellationToken ct)
    {
        ushort id = (ushort)Random.Shared.Next(ushort.MaxValue + 1);
        var (query, mac) = BuildQuery(id, origin, (ushort)RecordType.SOA, null, primary.Key);
        await SendAsync(socket, query, ct);
        var message = await ReceiveAsync(socket, ct);
        return SerialOf(message, id, origin, primary, mac);
    }

    /// <summary>The serial in a primary's answer to our SOA query, its TSIG verified; throws when there is no SOA for the zone.</summary>
    private uint SerialOf(byte[] message, ushort id, byte[] origin, PrimaryServer primary, byte[]? mac)
    {
        var stream = new StreamState(primary.Key, mac, keys);
        var records = new List<ZoneRecord>();
        Read(message, id, origin, "SOA query", stream, records);
        stream.Finish();
        var soa = records.FirstOrDefault(r => r.Type == (ushort)RecordType.SOA && DnsName.EqualsIgnoreCase(r.Owner, origin))
            ?? throw new TransferFailedException($"{primary.EndPoint} has no SOA for {DnsName.ToText(origin)}");
        return ZoneDelta.SerialOf(soa.RData);
    }

    /// <summary>
    /// The primary's serial from an SOA query over UDP (signed with the primary's key, the answer verified), or null when
    /// the answer is truncated (TC), does not come within <see cref="UdpWait"/>, or is not a usable SOA: the query then goes
    /// over TCP, whose answer decides.
    /// </summary>
    private async Task<uint?> QuerySerialOverUdpAsync(PrimaryServer primary, byte[] origin, CancellationToken ct)
    {
        ushort id = (ushort)Random.Shared.Next(ushort.MaxValue + 1);
        var (query, mac) = BuildQuery(id, origin, (ushort)RecordType.SOA, null, primary.Key);
        using var socket = new Socket(primary.EndPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        var wait = UdpWait < timeout ? UdpWait : timeout;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // A network wait, on the real clock like the TCP ones.
        limit.CancelAfter(wait);
        try
        {
            await socket.ConnectAsync(primary.EndPoint, limit.Token);
            await socket.SendAsync(query, SocketFlags.None, limit.Token);
            var buffer = new byte[ushort.MaxValue];
            while (true)
            {
                int length = await socket.ReceiveAsync(buffer, SocketFlags.None, limit.Token);
                var message = buffer[..length];
                // Only the connected primary's datagrams arrive; one with another ID is a stray (a late answer): wait on.
                if (!DnsHeader.TryRead(message, out var header) || header.Id != id || !header.IsResponse)
                    continue;
                if (header.Truncated)
                {
                    UdpFailure = "the SOA answer over UDP was truncated (TC)";
                    return null;
                }
                uint serial = SerialOf(message, id, origin, primary, mac);
                SerialOverUdp = true;
                return serial;
            }
        }
        catch (Exception e) when (e is SocketException or TransferFailedException || e is OperationCanceledException && !ct.IsCancellationRequested)
        {
            UdpFailure = e switch
            {
                SocketException s => $"SOA query over UDP: {s.SocketErrorCode}",
                TransferFailedException t => $"SOA query over UDP: {t.Message}",
                _ => $"no SOA answer over UDP within {wait.TotalSeconds:0.#} s",
            };
            return null;
        }
    }

    private async Task<IncomingTransfer> TransferAsync(Socket socket, PrimaryServer primary, byte[] origin, Zone? current, CancellationToken ct)
    {
        ushort type = current is null ? (ushort)RecordType.AXFR : (ushort)RecordType.IXFR;
        string kind = current is null ? "AXFR" : "IXFR";
        ushort id = (ushort)Random.Shared.Next(ushort.MaxValue + 1);
        var (query, mac) = BuildQuery(id, origin, type, current, primary.Key);
        await SendAsync(socket, query, ct);
        var stream = new StreamState(primary.Key, mac, keys);
        var records = new List<ZoneRecord>();
        var shape = new Shape();
        int messages = 0;
        long bytes = 0;
        while (!shape.Done)
        {
            byte[] message;
            try
            {
                message = await ReceiveAsync(socket, ct);
            }
            catch (TransferFailedException) when (messages == 0 && current is not null)
            {
                // Some primaries close the connection on an IXFR they do not do.
                throw new TransferFailedException($"{primary.EndPoint} closed the connection on IXFR", tryAxfr: true);
            }
            messages++;
            bytes += message.Length + 2;
            int before = records.Count;
            Read(message, id, origin, kind, stream, records);
            for (int i = before; i < records.Count; i++)
            {
                if (shape.Done)
                    throw new TransferFailedException($"{kind} from {primary.EndPoint}: records after the closing SOA");
                shape.Add(records[i], origin);
            }
            // RFC 1995 2: a lone SOA in the first message is "you are up to date".
            if (messages == 1 && current is not null && records.Count == 1)
                shape.Done = true;
            if (records.Count > MaxRecords)
                throw new TransferFailedException($"{kind} from {primary.EndPoint}: more than {MaxRecords} records");
        }
        stream.Finish();
        return Interpret(records, shape, current, messages, bytes);
    }

    private static IncomingTransfer Interpret(List<ZoneRecord> records, Shape shape, Zone? current, int messages, long bytes)
    {
        uint serial = shape.Serial;
        if (records.Count == 1)
        {
            // RFC 1995 2: a lone SOA says "nothing newer"; a newer one alone carries nothing to apply.
            if (current is null || SerialNumber.IsGreater(serial, current.Serial))
                throw new TransferFailedException($"the IXFR answer is a lone SOA of serial {serial}, newer than ours", tryAxfr: true);
            return new IncomingTransfer(serial, true, null, null, records[0], messages, bytes);
        }
        if (!shape.Incremental)
        {
            // RFC 5936 2.2: the SOA, the zone, the SOA again; the closing copy is not a record of the zone.
            records.RemoveAt(records.Count - 1);
            return new IncomingTransfer(serial, false, records, null, records[0], messages, bytes);
        }
        // RFC 1995 4: after the new SOA, sequences of (old SOA, deletions, new SOA, additions), then the new SOA.
        var steps = new List<IxfrStep>();
        int i = 1;
        while (i < records.Count - 1)
        {
            var from = records[i++];
            var removed = new List<ZoneRecord>();
            while (i < records.Count && records[i].Type != (ushort)RecordType.SOA)
                removed.Add(records[i++]);
            var to = records[i++];
            var added = new List<ZoneRecord>();
            while (i < records.Count - 1 && records[i].Type != (ushort)RecordType.SOA)
                added.Add(records[i++]);
            steps.Add(new IxfrStep(from, to, removed, added));
        }
        return new IncomingTransfer(serial, false, null, steps, records[0], messages, bytes);
    }

    /// <summary>Where a transfer's records stand: the serial of the opening SOA, AXFR or IXFR form, and whether the closing SOA came.</summary>
    private sealed class Shape
    {
        public uint Serial;
        public bool Incremental;
        public bool Done;
        private int _count;
        private int _soas;

        public void Add(ZoneRecord record, byte[] origin)
        {
            bool soa = record.Type == (ushort)RecordType.SOA;
            if (_count++ == 0)
            {
                if (!soa || !DnsName.EqualsIgnoreCase(record.Owner, origin))
                    throw new TransferFailedException("the transfer does not start with the zone's SOA");
                Serial = ZoneDelta.SerialOf(record.RData);
                _soas = 1;
                return;
            }
            if (_count == 2)
                Incremental = soa;
            if (!soa)
                return;
            _soas++;
            // AXFR form: the second SOA closes. IXFR form: an SOA of the new serial in an old-SOA position (an even count) closes.
            if (!Incremental || (_soas % 2 == 0 && ZoneDelta.SerialOf(record.RData) == Serial && _count > 2))
                Done = true;
        }
    }

    private (byte[] Message, byte[]? Mac) BuildQuery(ushort id, byte[] origin, ushort type, Zone? current, TsigKey? key)
    {
        var buffer = new byte[1024];
        var writer = new DnsMessageWriter(buffer, buffer.Length);
        writer.Id = id;
        writer.Flags = 0;
        writer.TryWriteQuestion(origin, type, RecordClass.IN);
        // RFC 1995 3: an IXFR query carries the client's SOA in the authority section.
        if (type == (ushort)RecordType.IXFR && current is not null)
            writer.TryWriteRecord(DnsSection.Authority, current.Origin, (ushort)RecordType.SOA, RecordClass.IN, current.Soa.Ttl, current.Soa.RData[0]);
        int length = writer.Finish();
        if (key is null)
            return (buffer[..length], null);
        length = TsigSigner.Sign(buffer, length, key, default, false, keys.Now, keys.Fudge, TsigError.None, default, out var mac);
        return (buffer[..length], mac);
    }

    /// <summary>Checks a message's header and TSIG and adds its answer records, RDATA decompressed.</summary>
    private static void Read(byte[] message, ushort id, byte[] origin, string kind, StreamState stream, List<ZoneRecord> records)
    {
        if (!DnsHeader.TryRead(message, out var header) || header.Id != id || !header.IsResponse || header.OpCode != OpCode.Query)
            throw new TransferFailedException($"{kind}: an answer that is not ours (ID, QR or opcode)");
        var rcode = (ResponseCode)header.ResponseCodeLow;
        if (rcode != ResponseCode.NoError)
        {
            // REFUSED, NOTIMP, NOTAUTH or FORMERR to an IXFR: the primary does not do IXFR for us; the whole zone may still come.
            bool ixfr = kind == "IXFR";
            throw new TransferFailedException($"{kind} answered {rcode.ToString().ToUpperInvariant()}", tryAxfr: ixfr && rcode != ResponseCode.ServFail);
        }
        if (header.Truncated)
            throw new TransferFailedException($"{kind}: a truncated answer over TCP");
        stream.Check(message);
        var reader = new DnsMessageReader(message);
        reader.TryReadHeader(out _);
        Span<byte> name = stackalloc byte[DnsName.MaxLength + 1];
        var rdata = new byte[ushort.MaxValue];
        for (int i = 0; i < header.QuestionCount; i++)
        {
            if (!reader.TryReadQuestion(name, out _))
                throw new TransferFailedException($"{kind}: malformed question ({reader.Error})");
        }
        for (int i = 0; i < header.AnswerCount; i++)
        {
            if (!reader.TryReadRecord(name, out var record))
                throw new TransferFailedException($"{kind}: malformed record ({reader.Error})");
            if (record.Class != RecordClass.IN)
                throw new TransferFailedException($"{kind}: a record of class {RecordData.ClassToText(record.Class)}");
            int length = RecordData.CopyUncompressed(record.Type, message, record.RDataOffset, record.RDataLength, rdata);
            if (length < 0)
                throw new TransferFailedException($"{kind}: malformed {RecordData.TypeToText(record.Type)} RDATA");
            var owner = name[..record.NameLength].ToArray();
            if (!DnsName.IsSubdomainOf(Lower(owner), origin))
                continue; // RFC 5936 3.3 (glue aside, nothing outside the zone belongs in it): left out, as the zone builder would.
            records.Add(new ZoneRecord(owner, record.Type, RecordClass.IN, record.Ttl, rdata[..length]));
        }
    }

    private static byte[] Lower(byte[] name)
    {
        var lower = new byte[name.Length];
        DnsName.ToLower(name, lower);
        return lower;
    }

    /// <summary>
    /// TSIG over a stream of answers (RFC 8945 5.3.1): the first message signed with the request's MAC, a later signed
    /// one over the prior MAC, the messages since it and the timers; at most 99 unsigned in a row; the last one signed.
    /// </summary>
    private sealed class StreamState(TsigKey? key, byte[]? requestMac, TsigKeyring keys)
    {
        private byte[]? _priorMac = requestMac;
        private readonly List<byte[]> _unsigned = [];
        private bool _first = true;

        public void Check(byte[] message)
        {
            if (key is null)
                return;
            if (!TsigRecord.TryFind(message, out var tsig, out bool malformed) || malformed || tsig is null)
            {
                if (malformed || _first)
                    throw new TransferFailedException(malformed ? "malformed TSIG record in the answer" : "the answer is not signed (TSIG expected)");
                _unsigned.Add(message);
                if (_unsigned.Count > 99)
                    throw new TransferFailedException("more than 99 unsigned messages in a row (RFC 8945 5.3.1)");
                return;
            }
            if (!tsig.KeyName.AsSpan().SequenceEqual(key.Name) || !tsig.AlgorithmName.AsSpan().SequenceEqual(key.AlgorithmName))
                throw new TransferFailedException($"the answer is signed with another key than {key.NameText}");
            if (tsig.Error != TsigError.None)
                throw new TransferFailedException($"the primary refused our signature: TSIG error {TsigErrorText(tsig.Error)}");
            if (_first)
            {
                ushort error = TsigVerifier.Verify(message, tsig, key, keys.Now, _priorMac, true, out _);
                if (error != TsigError.None)
                    throw new TransferFailedException($"the answer's TSIG does not verify ({TsigErrorText(error)})");
            }
            else
                VerifySubsequent(message, tsig, key);
            _priorMac = tsig.Mac;
            _unsigned.Clear();
            _first = false;
        }

        private void VerifySubsequent(byte[] message, TsigRecord tsig, TsigKey key)
        {
            using var hmac = key.CreateHmac();
            Span<byte> two = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(two, (ushort)_priorMac!.Length);
            hmac.AppendData(two);
            hmac.AppendData(_priorMac);
            foreach (var earlier in _unsigned)
                hmac.AppendData(earlier);
            Span<byte> header = stackalloc byte[DnsHeader.Size];
            message.AsSpan(0, DnsHeader.Size).CopyTo(header);
            BinaryPrimitives.WriteUInt16BigEndian(header, tsig.OriginalId);
            BinaryPrimitives.WriteUInt16BigEndian(header[10..], (ushort)(BinaryPrimitives.ReadUInt16BigEndian(header[10..]) - 1));
            hmac.AppendData(header);
            hmac.AppendData(message.AsSpan(DnsHeader.Size, tsig.RecordStart - DnsHeader.Size));
            Span<byte> timers = stackalloc byte[8];
            TsigSigner.WriteTime(timers, tsig.TimeSigned);
            BinaryPrimitives.WriteUInt16BigEndian(timers[6..], tsig.Fudge);
            hmac.AppendData(timers);
            var expected = hmac.GetHashAndReset();
            if (tsig.Mac.Length != expected.Length || !CryptographicOperations.FixedTimeEquals(expected, tsig.Mac))
                throw new TransferFailedException("a message of the transfer has a TSIG that does not verify (BADSIG)");
            ulong now = keys.Now;
            if ((now > tsig.TimeSigned ? now - tsig.TimeSigned : tsig.TimeSigned - now) > tsig.Fudge)
                throw new TransferFailedException("a message of the transfer is signed outside the time fudge (BADTIME)");
        }

        public void Finish()
        {
            if (key is not null && (_first || _unsigned.Count > 0))
                throw new TransferFailedException("the transfer's last message is not signed (RFC 8945 5.3.1)");
        }

        private static string TsigErrorText(ushort error) => error switch
        {
            TsigError.BadSig => "BADSIG",
            TsigError.BadKey => "BADKEY",
            TsigError.BadTime => "BADTIME",
            TsigError.BadTrunc => "BADTRUNC",
            _ => error.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    private CancellationTokenSource Limit(CancellationToken ct)
    {
        var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // A network timeout, not a DNS timer: it runs on the real clock even when the SOA timers run on a fake one.
        limit.CancelAfter(timeout);
        return limit;
    }

    private async Task SendAsync(Socket socket, byte[] message, CancellationToken ct)
    {
        var framed = new byte[message.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)message.Length);
        message.CopyTo(framed, 2);
        using var limit = Limit(ct);
        try
        {
            await socket.SendAsync(framed, SocketFlags.None, limit.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            throw new TransferFailedException($"sending to {socket.RemoteEndPoint} failed: {(e is SocketException s ? s.SocketErrorCode.ToString() : "timed out")}");
        }
    }

    private async Task<byte[]> ReceiveAsync(Socket socket, CancellationToken ct)
    {
        using var limit = Limit(ct);
        try
        {
            var prefix = new byte[2];
            await ReadExactlyAsync(socket, prefix, limit.Token);
            var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
            await ReadExactlyAsync(socket, message, limit.Token);
            return message;
        }
        catch (Exception e) when (e is SocketException or EndOfStreamException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            throw new TransferFailedException(e switch
            {
                SocketException s => $"reading from the primary failed: {s.SocketErrorCode}",
                EndOfStreamException => "the primary closed the connection before the transfer ended",
                _ => $"the primary sent nothing for {timeout.TotalSeconds:0} s",
            });
        }
    }

    private static async Task ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken ct)
    {
        while (buffer.Length > 0)
        {
            int read = await socket.ReceiveAsync(buffer, SocketFlags.None, ct);
            if (read == 0)
                throw new EndOfStreamException();
            buffer = buffer[read..];
        }
    }
}
