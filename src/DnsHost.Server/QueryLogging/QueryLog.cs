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
        public readonly string ZoneId = zoneId;
        public readonly LogGroupFile File = file;
    }

    private sealed class LogGroupFile(string path)
    {
        public readonly string Path = path;
        public StreamWriter? Writer;
    }

    private readonly QueryLogOptions _options;
    private readonly string _directory;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
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
    private readonly StringBuilder _line = new();

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
            var touched = new HashSet<LogGroupFile>();
            for (int i = 0; i < taken; i++)
            {
                ref var e = ref _batch[i];
                Format(ref e, _line.Clear());
                string text = _line.ToString();
                if (_options.Stdout)
                    Console.Out.WriteLine(text);
                if (Open(e.Sink.File) is { } writer)
                {
                    writer.WriteLine(text);
                    touched.Add(e.Sink.File);
                }
                e.Sink = null!;
            }
            foreach (var file in touched)
            {
                try
                {
                    file.Writer!.Flush();
                }
                catch (IOException ex)
                {
                    LogWriteFailed(_logger, file.Path, ex.Message);
                }
            }
            Interlocked.Add(ref _written, taken);
        }
    }

    private StreamWriter? Open(LogGroupFile file)
    {
        if (file.Writer is not null)
            return file.Writer;
        try
        {
            System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file.Path)!);
            var stream = new FileStream(file.Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            file.Writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = false };
            return file.Writer;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogWriteFailed(_logger, file.Path, ex.Message);
            return null;
        }
    }

    /// <summary>One line in Route 53's query log format (version 1.0).</summary>
    private void Format(ref Entry e, StringBuilder line)
    {
        line.Append("1.0 ");
        line.Append(DateTimeOffset.FromUnixTimeMilliseconds(e.UnixMilliseconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        line.Append(' ').Append(e.Sink.ZoneId).Append(' ');
        // The name as asked, without the root's dot ("." itself for the root).
        ReadOnlySpan<byte> name = e.Name;
        string text = DnsName.ToText(name[..e.NameLength]);
        line.Append(text.Length > 1 ? text.TrimEnd('.') : text);
        line.Append(' ').Append(RecordData.TypeToText(e.Type));
        line.Append(' ').Append(RcodeText(e.ResponseCode));
        line.Append(e.OverTcp ? " TCP " : " UDP ");
        line.Append(_options.EdgeLocation).Append(' ');
        line.Append(e.Client.ToAddress());
        line.Append(' ');
        if (e.HasSubnet)
            line.Append(e.Subnet.ToString());
        else
            line.Append('-');
    }

    private static string RcodeText(ResponseCode code) => code switch
    {
        ResponseCode.NoError => "NOERROR",
        ResponseCode.FormErr => "FORMERR",
        ResponseCode.ServFail => "SERVFAIL",
        ResponseCode.NXDomain => "NXDOMAIN",
        ResponseCode.NotImp => "NOTIMP",
        ResponseCode.Refused => "REFUSED",
        ResponseCode.YXDomain => "YXDOMAIN",
        ResponseCode.NotAuth => "NOTAUTH",
        ResponseCode.BadVers => "BADVERS",
        ResponseCode.BadCookie => "BADCOOKIE",
        _ => "RCODE" + ((int)code).ToString(CultureInfo.InvariantCulture),
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
                file.Writer?.Dispose();
        }
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Query log {Path}: {Problem}; its lines are not written until it can be")]
    private static partial void LogWriteFailed(ILogger logger, string path, string problem);
}
