using DnsHost.Protocol.Tsig;

namespace DnsHost.Server;

/// <summary>The TSIG keys this server knows, by name (from <see cref="TsigOptions"/>), and the clock their time checks read.</summary>
public sealed class TsigKeyring
{
    private readonly Dictionary<byte[], TsigKey> _keys = new(Zones.WireNameComparer.Instance);
    private readonly Dictionary<byte[], TsigKey>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    public TsigKeyring(IEnumerable<TsigKey> keys, TimeProvider time, ushort fudge = TsigSigner.DefaultFudge)
    {
        foreach (var key in keys)
        {
            if (!_keys.TryAdd(key.Name, key))
                throw new FormatException($"TSIG key {key.NameText} is configured twice");
        }
        _lookup = _keys.GetAlternateLookup<ReadOnlySpan<byte>>();
        Time = time;
        Fudge = fudge;
    }

    public static readonly TsigKeyring Empty = new([], TimeProvider.System);

    public TimeProvider Time { get; }
    public ushort Fudge { get; }
    public int Count => _keys.Count;

    /// <summary>The key of this lower-cased name, or null.</summary>
    public TsigKey? Find(ReadOnlySpan<byte> lowerName) => _lookup.TryGetValue(lowerName, out var key) ? key : null;

    public TsigKey? Find(string name) => Find(Protocol.DnsName.Parse(name.TrimEnd('.').ToLowerInvariant() + "."));

    public ulong Now => TsigSigner.TimeOf(Time.GetUtcNow());

    /// <summary>Reads the keys of <see cref="TsigOptions"/>; a bad key fails with its name (never its secret).</summary>
    public static TsigKeyring Load(TsigOptions options, TimeProvider time)
    {
        var keys = new List<TsigKey>();
        foreach (var text in options.Keys)
            keys.Add(TsigKey.Parse(text));
        foreach (var file in options.KeyFiles)
        {
            if (!File.Exists(file))
                throw new FileNotFoundException($"Tsig:KeyFiles: {file} does not exist");
            try
            {
                keys.AddRange(TsigKeyFile.Parse(File.ReadAllText(file)));
            }
            catch (FormatException e)
            {
                throw new FormatException($"{file}: {e.Message}");
            }
        }
        foreach (var key in keys)
        {
            if (key.Algorithm == TsigAlgorithm.HmacSha1 && !options.AllowHmacSha1)
                throw new FormatException($"TSIG key {key.NameText} uses hmac-sha1: set Tsig:AllowHmacSha1=true to accept it (old clients only)");
        }
        return new TsigKeyring(keys, time, (ushort)options.Fudge);
    }
}
