namespace DnsHost.Zones.Routing;

/// <summary>
/// The health of every health check, as the answer path reads it: one slot per check id, read without
/// locks. A check nobody has judged yet is healthy (Route 53 counts a new check healthy until it has
/// data). Writers (static configuration now, the health checker later) call <see cref="Set"/>.
/// </summary>
public sealed class HealthStates
{
    private const byte Healthy = 0, Unhealthy = 1;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
    private byte[] _states = new byte[64];

    /// <summary>Raised after a state changes (for zone-independent observers such as logs and the API).</summary>
    public event Action<string, bool>? Changed;

    /// <summary>The slot for a check id, created on first use (when a zone that references it is compiled).</summary>
    public int SlotFor(string checkId)
    {
        lock (_lock)
        {
            if (_slots.TryGetValue(checkId, out int slot))
                return slot;
            slot = _slots.Count;
            _slots[checkId] = slot;
            if (slot >= _states.Length)
            {
                var grown = new byte[_states.Length * 2];
                _states.CopyTo(grown, 0);
                Volatile.Write(ref _states, grown);
            }
            return slot;
        }
    }

    public bool IsHealthy(int slot)
    {
        if (slot < 0)
            return true;
        var states = Volatile.Read(ref _states);
        return Volatile.Read(ref states[slot]) == Healthy;
    }

    public bool IsHealthy(string checkId) => IsHealthy(SlotFor(checkId));

    /// <summary>Publishes a check's state; the next query sees it.</summary>
    public void Set(string checkId, bool healthy)
    {
        bool changed;
        lock (_lock)
        {
            int slot = SlotFor(checkId);
            var states = _states;
            changed = states[slot] != (healthy ? Healthy : Unhealthy);
            Volatile.Write(ref states[slot], healthy ? Healthy : Unhealthy);
        }
        if (changed)
            Changed?.Invoke(checkId, healthy);
    }

    public IReadOnlyDictionary<string, bool> Snapshot()
    {
        lock (_lock)
            return _slots.ToDictionary(s => s.Key, s => _states[s.Value] == Healthy, StringComparer.Ordinal);
    }
}
