namespace DnsHost.Server;

/// <summary>RFC 1982 serial number arithmetic on SOA serials (SERIAL_BITS 32).</summary>
public static class SerialNumber
{
    /// <summary>Whether <paramref name="a"/> is greater than <paramref name="b"/> (RFC 1982 3.2); undefined pairs are not greater.</summary>
    public static bool IsGreater(uint a, uint b) => a != b && (int)(a - b) > 0;

    /// <summary>The serial after <paramref name="current"/> by <paramref name="policy"/>, always greater than it.</summary>
    public static uint Next(uint current, SerialPolicy policy, DateTimeOffset now)
    {
        uint increment = current + 1;
        switch (policy)
        {
            case SerialPolicy.DateSerial:
                // YYYYMMDDnn, as BIND's and Knot's dateserial: today's first number, or one more when that is not ahead.
                uint today = (uint)(now.UtcDateTime.Year * 1000000 + now.UtcDateTime.Month * 10000 + now.UtcDateTime.Day * 100);
                return IsGreater(today, current) ? today : increment;
            case SerialPolicy.UnixTime:
                uint seconds = (uint)now.ToUnixTimeSeconds();
                return IsGreater(seconds, current) ? seconds : increment;
            default:
                return increment;
        }
    }
}

/// <summary>How a change that did not raise the SOA serial itself gets a new one (setting <c>Transfers:SerialPolicy</c>).</summary>
public enum SerialPolicy
{
    /// <summary>One more than the serial served.</summary>
    Increment,
    /// <summary>YYYYMMDDnn: today's date, or one more when that is not ahead of the serial served.</summary>
    DateSerial,
    /// <summary>Seconds since 1970, or one more when that is not ahead.</summary>
    UnixTime,
    /// <summary>Never rewrite the serial: a change without a bump is served but not journaled (secondaries miss it).</summary>
    Keep,
}
