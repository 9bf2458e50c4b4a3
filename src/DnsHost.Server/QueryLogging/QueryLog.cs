using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using DnsHost.Protocol;
using DnsHost.Zones;
using DnsHost.Zones.Routing;
using Microsoft.Extensions.Logging;

namespace DnsHost.Server.QueryLogging;

/// <summary>Where Route 53 query logs go (section <c>QueryLogging</c>).</summary>
public sealed class QueryLogOptions
{
    public const string Section = "QueryLogging";

    /// <summary>One file per CloudWatch Logs log group, named after it; default: <c>querylogs</c> beside the API database.</summary>
    public string? Directory { get; set; }

    /// <summary>Also write every line to standard output.</summary>
    public bool Stdout { get; set; }

    /// <summary>What the edge-location field says (Route 53 names the edge that answered).</summary>
    [RegularExpression("^[A-Za-z0-9-]{1,32}$", ErrorMessage = "QueryLogging:EdgeLocation must be 1-32 letters, digits or dashes")]
    public string EdgeLocation { get; set; } = "LOCAL1";

    /// <summary>Queries held between the answer path and the writer; past it lines are dropped and counted.</summary>
    [Range(1024, 1_048_576)]
    public int Capacity { get; set; } = 16384;

    /// <summary>How often the writer takes what was queued and writes it out.</summary>
    [Range(10, 10_000)]
    public int FlushIntervalMs { get; set; } = 200;
}

/// <summary>
/// Route 53 query logs (CreateQueryLoggingConfig) for the hosted zones that have a configuration, in
/// Route 53's format, one line per query:
/// <c>1.0 2017-12-13T08:16:02.130Z Z123412341234 example.com A NOERROR UDP FRA6 192.168.1.1 -</c>
/// (format version, time, hosted zone id, name, type, RCODE, transport, edge location, resolver
/// address, EDNS client subnet). The answer path copies the query's facts into a preallocated ring
/// under a short lock (no allocation, no I/O); a background thread formats and writes them, so a slow
/// disk costs dropped lines (counted in <see cref="Dropped"/>), never answer latency.
/// </summary>
public sealed partial class QueryLog : IDisposable
{
    [InlineArray(DnsName.MaxLength + 1)]
    private struct NameBytes
    {
        private byte _first;
    }

    private struct Entry
    {
        public long UnixMilliseconds;
        public Sink Sink;
        public ushort Type;
        public ResponseCode ResponseCode;
        public bool OverTcp;
        public IpPrefix Client;
        public bool HasSubnet;
        public IpPrefix Subnet;
        public int NameLength;
        public NameBytes Name;
    }

    /// <summary>One zone's destination: its id for the line, and the log group's file.</summary>
    private sealed class Sink(string zoneId, LogGroupFile file)
    {
        public readonly byte[] ZoneIdUtf8 = Encoding.UTF8.GetBytes(zoneId);
        public readonly LogGroupFile File = file;
    }

    private sealed class LogGroupFile(string path)
    {
        public readonly string Path = path;
        public FileStream? Stream;
    }

    private readonly QueryLogOptions _options;
    private readonly string _directory;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly byte[] _edge;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LogGroupFile> _files = new(StringComparer.Ordinal);
    private volatile Dictionary<string, Sink> _sinks = new(StringComparer.Ordinal);
    private Entry[]? _ring;
    private int _head, _count;
    private long _dropped, _written;
    private Thread? _writer;
    private readonly CancellationTokenSource _stop = new();

    public QueryLog(QueryLogOptions options, string defaultDirectory, QueryLogTargets targets, ILogger<QueryLog> logger, TimeProvider? time = null)
    {
        _options = options;
        _directory = Path.GetFullPath(options.Directory ?? defaultDirectory);
        _time = time ?? TimeProvider.System;
        _logger = logger;
        _edge = Encoding.ASCII.GetBytes(options.EdgeLocation);
        targets.Changed += Configure;
        Configure(targets.Current);
    }

    /// <summary>Lines dropped because the writer fell behind (the ring was full).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Lines written so far.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>The file a log group's lines go to.</summary>
    public string FileFor(string logGroup) => Path.Combine(_directory, SafeName(logGroup) + ".log");

    private void Configure(IReadOnlyDictionary<string, string> zoneToLogGroup)
    {
        var sinks = new Dictionary<string, Sink>(StringComparer.Ordinal);
        lock (_files)
        {
            foreach (var (zoneId, logGroup) in zoneToLogGroup)
            {
                string path = FileFor(logGroup);
                if (!_files.TryGetValue(path, out var file))
                    _files[path] = file = new LogGroupFile(path);
                sinks[zoneId] = new Sink(zoneId, file);
            }
        }
        if (sinks.Count > 0)
        {
            lock (_gate)
                _ring ??= new Entry[_options.Capacity];
            StartWriter();
        }
        _sinks = sinks;
    }

    /// <summary>The answer path: queue one line when the zone logs its queries. Allocates nothing.</summary>
    public void Add(Zone? zone, ReadOnlySpan<byte> qname, ushort type, ResponseCode code, bool overTcp, in IpPrefix client, in ClientSubnet subnet)
    {
        var sinks = _sinks;
        if (sinks.Count == 0 || zone?.HostedZone?.Id is not { } id || !sinks.TryGetValue(id, out var sink))
            return;
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_gate)
        {
            var ring = _ring!;
            if (_count == ring.Length)
            {
                _dropped++;
                return;
            }
            ref var e = ref ring[(_head + _count) % ring.Length];
            _count++;
            e.UnixMilliseconds = now;
            e.Sink = sink;
            e.Type = type;
            e.ResponseCode = code;
            e.OverTcp = overTcp;
            e.Client = client;
            e.HasSubnet = IpPrefix.TryFromClientSubnet(subnet, out e.Subnet);
            e.NameLength = qname.Length;
            qname.CopyTo(e.Name);
        }
    }

    /// <summary>Writes out everything queued so far (tests, shutdown).</summary>
    public void Flush()
    {
        if (_writer is null)
            return;
        Drain();
    }

    private void StartWriter()
    {
        lock (_files)
        {
            if (_writer is not null)
                return;
            _writer = new Thread(WriteLoop) { IsBackground = true, Name = "dnshost query log" };
            _writer.Start();
        }
    }

    private void WriteLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            _stop.Token.WaitHandle.WaitOne(_options.FlushIntervalMs);
            Drain();
        }
        Drain();
    }

    private readonly Lock _drainGate = new();
    private Entry[] _batch = [];
    private readonly byte[] _line = new byte[2048]; // a name of 255 bytes escaped as \DDD is at most 1,020
    private readonly Dictionary<ushort, byte[]> _typeText = [];
    private Stream? _stdout;

    private void Drain()
    {
        lock (_drainGate)
        {
            int taken;
            lock (_gate)
            {
                if (_ring is null || _count == 0)
                    return;
                if (_batch.Length < _count)
                    _batch = new Entry[_ring.Length];
                taken = _count;
                for (int i = 0; i < taken; i++)
                {
                    ref var from = ref _ring[(_head + i) % _ring.Length];
                    _batch[i] = from;
                    from.Sink = null!;
                }
                _head = (_head + taken) % _ring.Length;
                _count = 0;
            }
            LogGroupFile? last = null;
            for (int i = 0; i < taken; i++)
            {
                ref var e = ref _batch[i];
                int length = Format(ref e, _line);
                if (_options.Stdout)
                {
                    _stdout ??= Console.OpenStandardOutput();
                    _stdout.Write(_line, 0, length);
                }
                var file = e.Sink.File;
                if (Open(file) is { } stream)
                {
                    if (last is not null && last != file)
                        Flush(last);
                    stream.Write(_line, 0, length);
                    last = file;
                }
                e.Sink = null!;
            }
            if (last is not null)
                Flush(last);
            _stdout?.Flush();
            Interlocked.Add(ref _written, taken);
        }
    }

    private void Flush(LogGroupFile file)
    {
        try
        {
            file.Stream!.Flush();
        }
        catch (IOException ex)
        {
            LogWriteFailed(_logger, file.Path, ex.Message);
        }
    }

    private FileStream? Open(LogGroupFile file)
    {
        if (file.Stream is not null)
            return file.Stream;
        try
        {
            System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file.Path)!);
            file.Stream = new FileStream(file.Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 64 * 1024);
            return file.Stream;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogWriteFailed(_logger, file.Path, ex.Message);
            return null;
        }
    }

    /// <summary>One line in Route 53's query log format (version 1.0), as UTF-8 into <paramref name="line"/>; returns its length.</summary>
    private int Format(ref Entry e, Span<byte> line)
    {
        int n = Put(line, "1.0 "u8);
        DateTimeOffset.FromUnixTimeMilliseconds(e.UnixMilliseconds).UtcDateTime.TryFormat(line[n..], out int written, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        n += written;
        line[n++] = (byte)' ';
        n += Put(line[n..], e.Sink.ZoneIdUtf8);
        line[n++] = (byte)' ';
        ReadOnlySpan<byte> name = e.Name;
        n += DnsName.WriteTextWithoutRootDot(name[..e.NameLength], line[n..]);
        line[n++] = (byte)' ';
        if (!_typeText.TryGetValue(e.Type, out var type))
            _typeText[e.Type] = type = Encoding.ASCII.GetBytes(RecordData.TypeToText(e.Type));
        n += Put(line[n..], type);
        line[n++] = (byte)' ';
        n += Put(line[n..], RcodeText(e.ResponseCode));
        n += Put(line[n..], e.OverTcp ? " TCP "u8 : " UDP "u8);
        n += Put(line[n..], _edge);
        line[n++] = (byte)' ';
        n += Address(e.Client, line[n..]);
        line[n++] = (byte)' ';
        if (e.HasSubnet)
        {
            n += Address(e.Subnet, line[n..]);
            line[n++] = (byte)'/';
            e.Subnet.Length.TryFormat(line[n..], out written, default, CultureInfo.InvariantCulture);
            n += written;
        }
        else
        {
            line[n++] = (byte)'-';
        }
        line[n++] = (byte)'\n';
        return n;
    }

    private static int Put(Span<byte> destination, ReadOnlySpan<byte> text)
    {
        text.CopyTo(destination);
        return text.Length;
    }

    private static int Address(in IpPrefix prefix, Span<byte> destination)
    {
        if (!prefix.IsV6)
        {
            uint v4 = (uint)prefix.Bits;
            int n = 0;
            for (int shift = 24; shift >= 0; shift -= 8)
            {
                ((v4 >> shift) & 0xFF).TryFormat(destination[n..], out int written, default, CultureInfo.InvariantCulture);
                n += written;
                if (shift > 0)
                    destination[n++] = (byte)'.';
            }
            return n;
        }
        // IPv6 is rare on a test network: the framework's text form (one small allocation off the answer path).
        return Encoding.ASCII.GetBytes(prefix.ToAddress().ToString(), destination);
    }

    private static ReadOnlySpan<byte> RcodeText(ResponseCode code) => code switch
    {
        ResponseCode.NoError => "NOERROR"u8,
        ResponseCode.FormErr => "FORMERR"u8,
        ResponseCode.ServFail => "SERVFAIL"u8,
        ResponseCode.NXDomain => "NXDOMAIN"u8,
        ResponseCode.NotImp => "NOTIMP"u8,
        ResponseCode.Refused => "REFUSED"u8,
        ResponseCode.YXDomain => "YXDOMAIN"u8,
        ResponseCode.NotAuth => "NOTAUTH"u8,
        ResponseCode.BadVers => "BADVERS"u8,
        ResponseCode.BadCookie => "BADCOOKIE"u8,
        _ => "RCODE"u8,
    };

    /// <summary>A log group name (such as <c>/aws/route53/example.com</c>) as a file name.</summary>
    private static string SafeName(string logGroup)
    {
        var sb = new StringBuilder(logGroup.Length);
        foreach (char c in logGroup.Trim('/'))
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '#' ? c : '_');
        return sb.Length == 0 ? "_" : sb.ToString();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _writer?.Join(TimeSpan.FromSeconds(5));
        Drain();
        lock (_files)
        {
            foreach (var file in _files.Values)
                file.Stream?.Dispose();
        }
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Query log {Path}: {Problem}; its lines are not written until it can be")]
    private static partial void LogWriteFailed(ILogger logger, string path, string problem);
}
