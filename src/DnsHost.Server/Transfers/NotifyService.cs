using System.Net;
using System.Net.Sockets;
using DnsHost.Protocol;
using DnsHost.Protocol.Tsig;
using DnsHost.Zones;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DnsHost.Server;

/// <summary>
/// NOTIFY (RFC 1996) to a zone's secondaries on every new serial: one UDP message per secondary, signed
/// when the secondary has a key, retried (<c>Transfers:NotifyAttempts</c>, waits doubling from
/// <c>Transfers:NotifyRetrySeconds</c>) until it answers. A newer serial replaces a NOTIFY still retrying.
/// </summary>
public sealed partial class NotifyService : BackgroundService
{
    private readonly ZoneRegistry _registry;
    private readonly TransferService _transfers;
    private readonly ILogger<NotifyService> _logger;
    private readonly Dictionary<string, NotifyTarget[]> _targets = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, bool> _nsAddresses = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, (uint Serial, CancellationTokenSource Cancel)> _sent = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _lock = new();
    private CancellationToken _stopping;

    public NotifyService(ZoneRegistry registry, TransferService transfers, ILogger<NotifyService> logger)
    {
        _registry = registry;
        _transfers = transfers;
        _logger = logger;
        foreach (var zone in transfers.Options.Zones)
        {
            var origin = TransferAccess.Normalize(zone.Name);
            _targets[origin] = zone.Notify.Select(n => NotifyTarget.Parse(zone.Name, n, transfers.Keys)).ToArray();
            _nsAddresses[origin] = zone.NotifyNameServers;
        }
    }

    /// <summary>NOTIFY messages answered by a secondary (for tests and /metrics).</summary>
    public long Acknowledged => Interlocked.Read(ref _acknowledged);
    private long _acknowledged;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // As BIND and Knot do, a zone's first load notifies too: a secondary that missed changes while we were down asks at once.
        _registry.Changed += OnChanged;
        OnChanged(_registry.Current);
        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        return Task.CompletedTask;
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        _registry.Changed -= OnChanged;
        return base.StopAsync(cancellationToken);
    }

    private void OnChanged(ZoneCatalog catalog)
    {
        foreach (var zone in catalog.Zones)
        {
            var targets = TargetsOf(zone);
            if (targets.Count == 0)
                continue;
            CancellationTokenSource cancel;
            lock (_lock)
            {
                if (_sent.TryGetValue(zone.OriginText, out var last) && last.Serial == zone.Serial)
                    continue;
                last.Cancel?.Cancel();
                cancel = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
                _sent[zone.OriginText] = (zone.Serial, cancel);
            }
            foreach (var target in targets)
                _ = Task.Run(() => NotifyAsync(zone, target, cancel.Token));
        }
    }

    private List<NotifyTarget> TargetsOf(Zone zone)
    {
        var targets = new List<NotifyTarget>(_targets.GetValueOrDefault(zone.OriginText) ?? []);
        if (_nsAddresses.GetValueOrDefault(zone.OriginText))
            targets.AddRange(NameServerAddresses(zone).Where(a => !targets.Any(t => t.EndPoint.Address.Equals(a))).Select(a => new NotifyTarget(new IPEndPoint(a, 53), null)));
        return targets;
    }

    /// <summary>RFC 1996 3.6: the addresses of the zone's NS set, from the zone's own A/AAAA records, the primary (SOA MNAME) left out.</summary>
    private static List<IPAddress> NameServerAddresses(Zone zone)
    {
        var result = new List<IPAddress>();
        if (zone.Apex.Find((ushort)RecordType.NS) is not { } set)
            return result;
        var mname = zone.Soa.RData[0];
        for (int i = 0; i < set.Count; i++)
        {
            var host = new byte[set.RData[i].Length];
            DnsName.ToLower(set.RData[i], host);
            if (DnsName.EqualsIgnoreCase(mname[..Math.Min(host.Length, mname.Length)], host) || zone.Find(host) is not { } node)
                continue;
            foreach (var type in new[] { RecordType.A, RecordType.AAAA })
            {
                if (node.Find((ushort)type) is { } addresses)
                {
                    for (int a = 0; a < addresses.Count; a++)
                        result.Add(new IPAddress(addresses.RData[a]));
                }
            }
        }
        return result;
    }

    private async Task NotifyAsync(Zone zone, NotifyTarget target, CancellationToken ct)
    {
        var delay = TimeSpan.FromSeconds(_transfers.Options.NotifyRetrySeconds);
        for (int attempt = 1; attempt <= _transfers.Options.NotifyAttempts && !ct.IsCancellationRequested; attempt++)
        {
            try
            {
                var rcode = await SendOnceAsync(zone, target, delay, ct);
                if (rcode is { } code)
                {
                    if (code == ResponseCode.NoError)
                    {
                        Interlocked.Increment(ref _acknowledged);
                        LogNotified(_logger, zone.OriginText, zone.Serial, target.ToString());
                    }
                    else
                        LogNotifyRefused(_logger, zone.OriginText, zone.Serial, target.ToString(), code.ToString());
                    return;
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                LogNotifyError(_logger, zone.OriginText, target.ToString(), e.SocketErrorCode.ToString());
            }
            if (attempt == _transfers.Options.NotifyAttempts)
                break;
            try
            {
                await Task.Delay(delay, _transfers.Time, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            delay *= 2;
        }
        if (!ct.IsCancellationRequested)
            LogNotifyGaveUp(_logger, zone.OriginText, zone.Serial, target.ToString(), _transfers.Options.NotifyAttempts);
    }

    /// <summary>One NOTIFY and its answer: the answer's RCODE, or null when none came within <paramref name="wait"/>.</summary>
    private async Task<ResponseCode?> SendOnceAsync(Zone zone, NotifyTarget target, TimeSpan wait, CancellationToken ct)
    {
        ushort id = (ushort)Random.Shared.Next(ushort.MaxValue + 1);
        var (message, mac) = Build(zone, id, target.Key, _transfers.Keys);
        using var udp = new UdpClient(target.EndPoint.AddressFamily);
        udp.Connect(target.EndPoint);
        await udp.SendAsync(message, ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(wait);
        try
        {
            while (true)
            {
                var result = await udp.ReceiveAsync(timeout.Token);
                var response = result.Buffer;
                if (!DnsHeader.TryRead(response, out var header) || header.Id != id || !header.IsResponse || header.OpCode != OpCode.Notify)
                    continue;
                // A signed NOTIFY needs a signed answer (RFC 8945 5.3): an unsigned or forged one is not an acknowledgement.
                if (target.Key is { } key && !ResponseVerifies(response, key, mac))
                    continue;
                return (ResponseCode)(response[3] & 0x0F);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>RFC 1996 3.7: opcode NOTIFY, AA, the zone's SOA as the question, and the new SOA in the answer section.</summary>
    public static (byte[] Message, byte[]? Mac) Build(Zone zone, ushort id, TsigKey? key, TsigKeyring keys)
    {
        var buffer = new byte[1024];
        var writer = new DnsMessageWriter(buffer, buffer.Length);
        writer.Id = id;
        writer.Flags = ((int)OpCode.Notify << 11) | DnsHeader.AaBit;
        writer.TryWriteQuestion(zone.Origin, (ushort)RecordType.SOA, RecordClass.IN);
        writer.TryWriteRecord(DnsSection.Answer, zone.Origin, (ushort)RecordType.SOA, RecordClass.IN, zone.Soa.Ttl, zone.Soa.RData[0]);
        int length = writer.Finish();
        if (key is null)
            return (buffer[..length], null);
        length = TsigSigner.Sign(buffer, length, key, default, false, keys.Now, keys.Fudge, TsigError.None, default, out var mac);
        return (buffer[..length], mac);
    }

    private bool ResponseVerifies(byte[] response, TsigKey key, byte[]? requestMac)
    {
        if (!TsigRecord.TryFind(response, out var tsig, out bool malformed) || malformed || tsig is null || tsig.Error != TsigError.None)
            return false;
        if (!tsig.KeyName.AsSpan().SequenceEqual(key.Name))
            return false;
        return TsigVerifier.Verify(response, tsig, key, _transfers.Keys.Now, requestMac, true, out _) == TsigError.None;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "NOTIFY of {Zone} serial {Serial} acknowledged by {Secondary}")]
    private static partial void LogNotified(ILogger logger, string zone, uint serial, string secondary);

    [LoggerMessage(Level = LogLevel.Warning, Message = "NOTIFY of {Zone} serial {Serial} answered {Rcode} by {Secondary}")]
    private static partial void LogNotifyRefused(ILogger logger, string zone, uint serial, string secondary, string rcode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "NOTIFY of {Zone} to {Secondary} failed: {Error}")]
    private static partial void LogNotifyError(ILogger logger, string zone, string secondary, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "NOTIFY of {Zone} serial {Serial} to {Secondary}: no answer after {Attempts} attempts")]
    private static partial void LogNotifyGaveUp(ILogger logger, string zone, uint serial, string secondary, int attempts);
}
