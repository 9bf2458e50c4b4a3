using System.Buffers.Binary;
using System.Security.Cryptography;

namespace DnsHost.Protocol.Tsig;

/// <summary>
/// The MAC computations of RFC 8945 and the TSIG record written at the end of a message. A message is
/// signed after it is finished (header counts written): the TSIG record is appended and ARCOUNT raised.
/// </summary>
public static class TsigSigner
{
    /// <summary>RFC 8945 10: 300 seconds is the recommended fudge.</summary>
    public const ushort DefaultFudge = 300;

    /// <summary>Octets the TSIG record of this key takes at the end of a message.</summary>
    public static int RecordSize(TsigKey key, int otherLength = 0) => RecordSize(key.Name.Length, key.AlgorithmName.Length, key.MacSize, otherLength);

    public static int RecordSize(int keyNameLength, int algorithmNameLength, int macSize, int otherLength) =>
        keyNameLength + 10 + algorithmNameLength + 10 + macSize + 6 + otherLength;

    /// <summary>
    /// The MAC of a request or of the first message of a response (RFC 8945 4.3): the prior MAC with its
    /// length (responses only), the message without its TSIG record (ARCOUNT one less, ID as the original
    /// ID), then every TSIG variable.
    /// </summary>
    public static byte[] ComputeMac(TsigKey key, ReadOnlySpan<byte> messageWithoutTsig, ushort originalId, bool tsigCounted,
        ReadOnlySpan<byte> priorMac, bool hasPriorMac, ulong timeSigned, ushort fudge, ushort error, ReadOnlySpan<byte> otherData)
    {
        using var hmac = key.CreateHmac();
        AppendPrior(hmac, priorMac, hasPriorMac);
        AppendMessage(hmac, messageWithoutTsig, originalId, tsigCounted);
        Span<byte> fixedPart = stackalloc byte[6 + 2];
        hmac.AppendData(key.Name);
        // CLASS ANY, TTL 0.
        hmac.AppendData([0, 255, 0, 0, 0, 0]);
        hmac.AppendData(key.AlgorithmName);
        WriteTime(fixedPart, timeSigned);
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart[6..], fudge);
        hmac.AppendData(fixedPart);
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16BigEndian(tail, error);
        BinaryPrimitives.WriteUInt16BigEndian(tail[2..], (ushort)otherData.Length);
        hmac.AppendData(tail);
        hmac.AppendData(otherData);
        return hmac.GetHashAndReset();
    }

    /// <summary>
    /// The MAC of a later message of a multi-message response (RFC 8945 5.3.1): the prior MAC with its
    /// length, the messages since it, and the timers only (Time Signed, Fudge).
    /// </summary>
    public static byte[] ComputeSubsequentMac(TsigKey key, ReadOnlySpan<byte> priorMac, ReadOnlySpan<byte> messagesWithoutTsig, ushort originalId, bool tsigCounted, ulong timeSigned, ushort fudge)
    {
        using var hmac = key.CreateHmac();
        AppendPrior(hmac, priorMac, true);
        AppendMessage(hmac, messagesWithoutTsig, originalId, tsigCounted);
        Span<byte> timers = stackalloc byte[8];
        WriteTime(timers, timeSigned);
        BinaryPrimitives.WriteUInt16BigEndian(timers[6..], fudge);
        hmac.AppendData(timers);
        return hmac.GetHashAndReset();
    }

    /// <summary>
    /// Signs the finished message in <c>buffer[..length]</c> (request: no prior MAC; response: the
    /// request's MAC) and appends its TSIG record. Returns the new length, or -1 when it does not fit.
    /// </summary>
    public static int Sign(Span<byte> buffer, int length, TsigKey key, ReadOnlySpan<byte> priorMac, bool hasPriorMac, ulong timeSigned,
        ushort fudge, ushort error, ReadOnlySpan<byte> otherData, out byte[] mac)
    {
        ushort id = BinaryPrimitives.ReadUInt16BigEndian(buffer);
        mac = ComputeMac(key, buffer[..length], id, tsigCounted: false, priorMac, hasPriorMac, timeSigned, fudge, error, otherData);
        return Append(buffer, length, key.Name, key.AlgorithmName, timeSigned, fudge, mac, id, error, otherData);
    }

    /// <summary>Signs a later message of a multi-message response (RFC 8945 5.3.1) and appends its TSIG record.</summary>
    public static int SignSubsequent(Span<byte> buffer, int length, TsigKey key, ReadOnlySpan<byte> priorMac, ulong timeSigned, ushort fudge, out byte[] mac)
    {
        ushort id = BinaryPrimitives.ReadUInt16BigEndian(buffer);
        mac = ComputeSubsequentMac(key, priorMac, buffer[..length], id, tsigCounted: false, timeSigned, fudge);
        return Append(buffer, length, key.Name, key.AlgorithmName, timeSigned, fudge, mac, id, TsigError.None, default);
    }

    /// <summary>
    /// Appends an unsigned TSIG record (MAC size 0) carrying an error, for BADKEY and BADSIG answers
    /// (RFC 8945 5.3.2: they must not be signed). The key and algorithm names are the request's.
    /// </summary>
    public static int AppendUnsigned(Span<byte> buffer, int length, ReadOnlySpan<byte> keyName, ReadOnlySpan<byte> algorithmName, ulong timeSigned, ushort fudge, ushort error)
    {
        ushort id = BinaryPrimitives.ReadUInt16BigEndian(buffer);
        return Append(buffer, length, keyName, algorithmName, timeSigned, fudge, default, id, error, default);
    }

    /// <summary>Seconds since the epoch as a TSIG time (48 bits).</summary>
    public static ulong TimeOf(DateTimeOffset now) => (ulong)Math.Max(0, now.ToUnixTimeSeconds());

    public static void WriteTime(Span<byte> destination, ulong time)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(time >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)time);
    }

    private static int Append(Span<byte> buffer, int length, ReadOnlySpan<byte> keyName, ReadOnlySpan<byte> algorithmName, ulong timeSigned, ushort fudge,
        ReadOnlySpan<byte> mac, ushort originalId, ushort error, ReadOnlySpan<byte> otherData)
    {
        int size = RecordSize(keyName.Length, algorithmName.Length, mac.Length, otherData.Length);
        if (buffer.Length - length < size)
            return -1;
        var span = buffer.Slice(length, size);
        keyName.CopyTo(span);
        int p = keyName.Length;
        BinaryPrimitives.WriteUInt16BigEndian(span[p..], TsigRecord.Type);
        BinaryPrimitives.WriteUInt16BigEndian(span[(p + 2)..], RecordClass.Any);
        BinaryPrimitives.WriteUInt32BigEndian(span[(p + 4)..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(span[(p + 8)..], (ushort)(size - p - 10));
        p += 10;
        algorithmName.CopyTo(span[p..]);
        p += algorithmName.Length;
        WriteTime(span[p..], timeSigned);
        BinaryPrimitives.WriteUInt16BigEndian(span[(p + 6)..], fudge);
        BinaryPrimitives.WriteUInt16BigEndian(span[(p + 8)..], (ushort)mac.Length);
        p += 10;
        mac.CopyTo(span[p..]);
        p += mac.Length;
        BinaryPrimitives.WriteUInt16BigEndian(span[p..], originalId);
        BinaryPrimitives.WriteUInt16BigEndian(span[(p + 2)..], error);
        BinaryPrimitives.WriteUInt16BigEndian(span[(p + 4)..], (ushort)otherData.Length);
        otherData.CopyTo(span[(p + 6)..]);
        ushort arcount = BinaryPrimitives.ReadUInt16BigEndian(buffer[10..]);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[10..], (ushort)(arcount + 1));
        return length + size;
    }

    private static void AppendPrior(IncrementalHash hmac, ReadOnlySpan<byte> priorMac, bool hasPriorMac)
    {
        if (!hasPriorMac)
            return;
        Span<byte> size = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(size, (ushort)priorMac.Length);
        hmac.AppendData(size);
        hmac.AppendData(priorMac);
    }

    /// <summary>The message as digested: the original ID in the header, and ARCOUNT without the TSIG record when it was counted.</summary>
    private static void AppendMessage(IncrementalHash hmac, ReadOnlySpan<byte> message, ushort originalId, bool tsigCounted)
    {
        Span<byte> header = stackalloc byte[DnsHeader.Size];
        message[..DnsHeader.Size].CopyTo(header);
        BinaryPrimitives.WriteUInt16BigEndian(header, originalId);
        if (tsigCounted)
            BinaryPrimitives.WriteUInt16BigEndian(header[10..], (ushort)(BinaryPrimitives.ReadUInt16BigEndian(header[10..]) - 1));
        hmac.AppendData(header);
        hmac.AppendData(message[DnsHeader.Size..]);
    }
}

/// <summary>Checks a TSIG-signed request against a key (RFC 8945 5.2: key, then MAC, then time).</summary>
public static class TsigVerifier
{
    /// <summary>
    /// The TSIG error for the request: <see cref="TsigError.None"/> when it verifies, else BADSIG,
    /// BADTIME or BADTRUNC. <paramref name="formErr"/> is set for a MAC of impossible length (RFC 8945 5.2.2.1).
    /// </summary>
    public static ushort Verify(ReadOnlySpan<byte> message, TsigRecord tsig, TsigKey key, ulong now, ReadOnlySpan<byte> priorMac, bool hasPriorMac, out bool formErr)
    {
        formErr = false;
        int full = key.MacSize;
        // RFC 8945 5.2.2.1: longer than the hash, or shorter than 10 octets or half of it, is malformed.
        if (tsig.Mac.Length > full || tsig.Mac.Length < Math.Max(10, full / 2))
        {
            formErr = true;
            return TsigError.BadSig;
        }
        var expected = TsigSigner.ComputeMac(key, message[..tsig.RecordStart], tsig.OriginalId, tsigCounted: true, priorMac, hasPriorMac,
            tsig.TimeSigned, tsig.Fudge, tsig.Error, tsig.OtherData);
        if (!CryptographicOperations.FixedTimeEquals(expected.AsSpan(0, tsig.Mac.Length), tsig.Mac))
            return TsigError.BadSig;
        // RFC 8945 5.2.3: outside the fudge either way is BADTIME.
        ulong distance = now > tsig.TimeSigned ? now - tsig.TimeSigned : tsig.TimeSigned - now;
        if (distance > tsig.Fudge)
            return TsigError.BadTime;
        // RFC 8945 5.2.2.1: a truncated MAC is accepted only when local policy allows; ours asks for the full MAC.
        if (tsig.Mac.Length < full)
            return TsigError.BadTrunc;
        return TsigError.None;
    }
}
