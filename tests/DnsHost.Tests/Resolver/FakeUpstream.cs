using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using DnsHost.Protocol;

namespace DnsHost.Tests.Resolver;

/// <summary>
/// A scripted upstream on a loopback address for the cases a real server will not act out on demand:
/// counting queries, answering late, never answering, SERVFAIL, or switching between them mid-test.
/// It holds a few records and answers like an authoritative server (NXDOMAIN / NODATA with its SOA).
/// UDP only.
/// </summary>
public sealed class FakeUpstream : IDisposable
{
    public enum Behaviour { Answer, Silent, ServFail }

    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(byte[] Owner, ushort Type, uint Ttl, byte[] RData)> _records = [];
    private readonly List<(byte[] Cut, byte[] NameServer, byte[] Address)> _cuts = [];
    private readonly byte[] _origin;
    private readonly uint _negativeTtl;
    private int _queries;

    public FakeUpstream(string origin, uint negativeTtl = 60, IPEndPoint? endPoint = null)
    {
        _origin = DnsName.Parse(origin);
        _negativeTtl = negativeTtl;
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(endPoint ?? new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _ = Task.Run(ReceiveLoop);
    }

    public IPEndPoint EndPoint { get; }
    public string Address => $"{EndPoint.Address}:{EndPoint.Port}";
    public volatile Behaviour Mode = Behaviour.Answer;
    public volatile int DelayMs;
    /// <summary>Send a forged answer first (wrong ID, another address) as an off-path attacker would, then the real one.</summary>
    public volatile bool ForgeFirst;
    public int Queries => Volatile.Read(ref _queries);
    public ConcurrentDictionary<string, int> QueriesByName { get; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>The last question name exactly as it arrived (case included).</summary>
    public volatile string LastQuestionName = "";
    /// <summary>Every question in the order it arrived: name (lower case, with the trailing dot) and type.</summary>
    public ConcurrentQueue<(string Name, RecordType Type)> Questions { get; } = new();
    /// <summary>Say NXDOMAIN for an empty non-terminal (a name with nothing but names below it), as some broken servers do.</summary>
    public volatile bool NxdomainForEmptyNonTerminals;
    /// <summary>Whether the last query carried DO (RFC 3225).</summary>
    public volatile bool LastDnssecOk;

    public FakeUpstream A(string name, string address, uint ttl = 300) => Add(name, RecordType.A, ttl, IPAddress.Parse(address).GetAddressBytes());
    public FakeUpstream Cname(string name, string target, uint ttl = 300) => Add(name, RecordType.CNAME, ttl, DnsName.Parse(target.EndsWith('.') ? target : target + "."));
    public FakeUpstream Txt(string name, string text, uint ttl = 300) => Add(name, RecordType.TXT, ttl, [(byte)text.Length, .. System.Text.Encoding.ASCII.GetBytes(text)]);

    public FakeUpstream Add(string name, RecordType type, uint ttl, byte[] rdata)
    {
        lock (_records)
            _records.Add((DnsName.Parse(name.EndsWith('.') ? name : name + "."), (ushort)type, ttl, rdata));
        return this;
    }

    /// <summary>A zone cut: questions at or below <paramref name="cut"/> get a referral to one server, with glue.</summary>
    public FakeUpstream Delegate(string cut, string nameServer, string address)
    {
        lock (_records)
            _cuts.Add((DnsName.Parse(cut.EndsWith('.') ? cut : cut + "."), DnsName.Parse(nameServer.EndsWith('.') ? nameServer : nameServer + "."), IPAddress.Parse(address).GetAddressBytes()));
        return this;
    }

    public void Clear()
    {
        lock (_records)
            _records.Clear();
    }

    private async Task ReceiveLoop()
    {
        var buffer = new byte[4096];
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult result;
            try
            {
                result = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            var query = buffer.AsSpan(0, result.ReceivedBytes).ToArray();
            var client = result.RemoteEndPoint;
            _ = Task.Run(async () =>
            {
                Interlocked.Increment(ref _queries);
                var response = Respond(query);
                if (Mode == Behaviour.Silent || response is null)
                    return;
                if (DelayMs > 0)
                    await Task.Delay(DelayMs);
                if (ForgeFirst)
                {
                    var forged = (byte[])response.Clone();
                    forged[1] ^= 0x5A;
                    int at = forged.AsSpan().IndexOf(new byte[] { 192, 0, 2 });
                    if (at > 0)
                        forged[at + 3] = 66;
                    try { await _socket.SendToAsync(forged, SocketFlags.None, client); } catch (Exception) { }
                }
                try { await _socket.SendToAsync(response, SocketFlags.None, client); } catch (Exception) { }
            });
        }
    }

    private byte[]? Respond(byte[] query)
    {
        var reader = new DnsMessageReader(query);
        Span<byte> name = stackalloc byte[256];
        if (!reader.TryReadHeader(out var header) || !reader.TryReadQuestion(name, out var question))
            return null;
        var qname = name[..question.NameLength].ToArray();
        LastQuestionName = DnsName.ToText(qname);
        QueriesByName.AddOrUpdate(LastQuestionName.ToLowerInvariant(), 1, (_, n) => n + 1);
        Questions.Enqueue((LastQuestionName.ToLowerInvariant(), (RecordType)question.Type));
        LastDnssecOk = query.Length >= 4 && HasDo(query);
        var buffer = new byte[4096];
        var writer = new DnsMessageWriter(buffer, 1232);
        writer.Id = header.Id;
        writer.Flags = (ushort)(DnsHeader.QrBit | DnsHeader.AaBit | (header.Flags & DnsHeader.RdBit) | DnsHeader.RaBit);
        writer.TryWriteQuestion(qname, question.Type, question.Class);
        if (Mode == Behaviour.ServFail)
        {
            writer.SetResponseCode(ResponseCode.ServFail);
            return buffer[..writer.Finish()];
        }
        List<(byte[] Owner, ushort Type, uint Ttl, byte[] RData)> records;
        (byte[] Cut, byte[] NameServer, byte[] Address)? referral;
        lock (_records)
        {
            records = [.. _records];
            // DS is the parent's: a question for DS at the cut itself is answered here, not referred.
            referral = _cuts.Where(c => DnsName.IsSubdomainOf(qname, c.Cut) && !(question.Type == (ushort)RecordType.DS && DnsName.EqualsIgnoreCase(qname, c.Cut)))
                .Select(c => ((byte[], byte[], byte[])?)c).FirstOrDefault();
        }
        if (referral is var (cut, nameServer, address))
        {
            // RFC 1034 4.3.2: no AA, the cut's NS set in authority, the server's address as glue.
            writer.Flags = (ushort)(DnsHeader.QrBit | (header.Flags & DnsHeader.RdBit));
            writer.TryWriteRecord(DnsSection.Authority, cut, (ushort)RecordType.NS, RecordClass.IN, 3600, nameServer);
            writer.TryWriteRecord(DnsSection.Additional, nameServer, (ushort)RecordType.A, RecordClass.IN, 3600, address);
            return buffer[..writer.Finish()];
        }
        var current = qname;
        bool exists = false;
        for (int hop = 0; hop < 8; hop++)
        {
            var here = records.Where(r => DnsName.EqualsIgnoreCase(r.Owner, current)).ToList();
            exists |= here.Count > 0;
            var matches = here.Where(r => r.Type == question.Type || (r.Type == (ushort)RecordType.RRSIG && here.Any(h => h.Type == question.Type))).ToList();
            if (matches.Count > 0)
            {
                foreach (var r in matches)
                    writer.TryWriteRecord(DnsSection.Answer, r.Owner, r.Type, RecordClass.IN, r.Ttl, r.RData);
                return buffer[..writer.Finish()];
            }
            var cname = here.FirstOrDefault(r => r.Type == (ushort)RecordType.CNAME);
            if (cname.Owner is null)
                break;
            writer.TryWriteRecord(DnsSection.Answer, cname.Owner, cname.Type, RecordClass.IN, cname.Ttl, cname.RData);
            current = cname.RData;
            exists = false;
        }
        // A chain that leaves the zone ends with the CNAME (RFC 1034 4.3.2 step 3a).
        if (!DnsName.IsSubdomainOf(current, _origin))
            return buffer[..writer.Finish()];
        // RFC 2308: NXDOMAIN or NODATA with the zone's SOA, whose MINIMUM is the negative TTL.
        bool nameExists = exists || (!NxdomainForEmptyNonTerminals && records.Any(r => DnsName.IsSubdomainOf(r.Owner, current)));
        writer.SetResponseCode(nameExists ? ResponseCode.NoError : ResponseCode.NXDomain);
        var soa = new List<byte>();
        soa.AddRange(DnsName.Parse("ns." + DnsName.ToText(_origin).TrimStart('.'), default));
        soa.AddRange(DnsName.Parse("hostmaster." + DnsName.ToText(_origin).TrimStart('.'), default));
        var numbers = new byte[20];
        BinaryPrimitives.WriteUInt32BigEndian(numbers, 1);
        BinaryPrimitives.WriteUInt32BigEndian(numbers.AsSpan(4), 3600);
        BinaryPrimitives.WriteUInt32BigEndian(numbers.AsSpan(8), 600);
        BinaryPrimitives.WriteUInt32BigEndian(numbers.AsSpan(12), 86400);
        BinaryPrimitives.WriteUInt32BigEndian(numbers.AsSpan(16), _negativeTtl);
        soa.AddRange(numbers);
        writer.TryWriteRecord(DnsSection.Authority, _origin, (ushort)RecordType.SOA, RecordClass.IN, 3600, soa.ToArray());
        return buffer[..writer.Finish()];
    }

    private static bool HasDo(byte[] query)
    {
        var reader = new DnsMessageReader(query);
        Span<byte> name = stackalloc byte[256];
        if (!reader.TryReadHeader(out var header) || !reader.TryReadQuestion(name, out _))
            return false;
        for (int i = 0; i < header.AnswerCount + header.AuthorityCount + header.AdditionalCount; i++)
        {
            if (!reader.TryReadRecord(name, out var r))
                return false;
            if (r.Type == (ushort)RecordType.OPT)
                return (r.Ttl & EdnsInfo.DoBit) != 0;
        }
        return false;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
    }
}
