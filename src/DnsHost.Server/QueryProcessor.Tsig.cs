using System.Buffers.Binary;
using DnsHost.Protocol;
using DnsHost.Protocol.Tsig;
using DnsHost.Zones;

namespace DnsHost.Server;

/// <summary>What the TSIG stage decided for one query: the key to sign the response with, or the error to report.</summary>
internal struct TsigState
{
    public TsigRecord? Request;
    /// <summary>The verified key (sign the response with it), or the key of a BADTIME/BADTRUNC answer.</summary>
    public TsigKey? Key;
    public ushort Error;
    /// <summary>Octets kept back from the response for the TSIG record.</summary>
    public int Reserved;
}

/// <summary>TSIG (RFC 8945) and transfer access: the stages around a signed query.</summary>
public sealed partial class QueryProcessor
{
    /// <summary>
    /// RFC 8945 5.2: a signed query is checked for its key (BADKEY), its MAC (BADSIG), then its time
    /// (BADTIME); each failure is NOTAUTH with the TSIG error, unsigned for BADKEY and BADSIG (5.3.2).
    /// A query that passes is answered as usual and its response signed by <see cref="SignResponse"/>.
    /// </summary>
    private bool CheckTsig(ref QueryContext q)
    {
        if (!q.HasTsig)
            return true;
        if (!TsigRecord.TryFind(q.Reader.Message, out var tsig, out bool malformed) || malformed || tsig is null)
            return q.Respond(ResponseCode.FormErr);
        q.Tsig.Request = tsig;
        var keys = Transfers?.Keys;
        var key = keys?.Find(tsig.KeyName);
        if (key is null || !key.AlgorithmName.AsSpan().SequenceEqual(tsig.AlgorithmName))
        {
            q.Tsig.Error = TsigError.BadKey;
            return q.Respond(ResponseCode.NotAuth);
        }
        ushort error = TsigVerifier.Verify(q.Reader.Message, tsig, key, keys!.Now, default, false, out bool formErr);
        if (formErr)
        {
            q.Tsig.Request = null;
            return q.Respond(ResponseCode.FormErr);
        }
        q.Tsig.Error = error;
        if (error == TsigError.BadSig)
            return q.Respond(ResponseCode.NotAuth);
        // Signed answers from here on: keep room for the TSIG record (BADTIME carries six octets of time).
        q.Tsig.Key = key;
        q.Tsig.Reserved = TsigSigner.RecordSize(key, 6);
        q.Limit -= q.Tsig.Reserved;
        q.Writer.SetLimit(q.Writer.Limit - q.Tsig.Reserved);
        return error == TsigError.None || q.Respond(ResponseCode.NotAuth);
    }

    /// <summary>Closing stage: the TSIG record on the response to a signed query (RFC 8945 4.3, 5.3).</summary>
    private void SignResponse(ref QueryContext q)
    {
        if (q.Tsig.Request is not { } request)
            return;
        var buffer = q.Response[..Math.Min(q.Response.Length, q.Limit + q.Tsig.Reserved)];
        int length;
        if (q.Tsig.Key is not { } key)
        {
            // BADKEY, BADSIG: the request's names and time, no MAC.
            length = TsigSigner.AppendUnsigned(buffer, q.Length, request.KeyName, request.AlgorithmName, request.TimeSigned, request.Fudge, q.Tsig.Error);
        }
        else if (q.Tsig.Error == TsigError.BadTime)
        {
            // RFC 8945 5.2.3: signed, the request's Time Signed, and our clock in Other Data so the client can see the skew.
            Span<byte> now = stackalloc byte[6];
            TsigSigner.WriteTime(now, Transfers!.Keys.Now);
            length = TsigSigner.Sign(buffer, q.Length, key, request.Mac, true, request.TimeSigned, request.Fudge, q.Tsig.Error, now, out _);
        }
        else
            length = TsigSigner.Sign(buffer, q.Length, key, request.Mac, true, Transfers!.Keys.Now, Transfers.Keys.Fudge, q.Tsig.Error, default, out _);
        if (length > 0)
            q.Length = length;
    }

    /// <summary>RFC 1995 2: an IXFR whose serial is the current one, or ahead of it, needs only the SOA.</summary>
    private static bool IsCurrent(ref QueryContext q, Zone zone)
    {
        if (q.Question.Type != (ushort)RecordType.IXFR)
            return false;
        var reader = new DnsMessageReader(q.Reader.Message);
        Span<byte> name = stackalloc byte[DnsName.MaxLength + 1];
        if (!reader.TryReadHeader(out _) || !reader.TryReadQuestion(name, out _) || !reader.TryReadRecord(name, out var soa)
            || soa.Type != (ushort)RecordType.SOA || soa.RDataLength < 20)
            return false;
        uint client = BinaryPrimitives.ReadUInt32BigEndian(q.Reader.Message[(soa.RDataOffset + soa.RDataLength - 20)..]);
        return client == zone.Serial || SerialNumber.IsGreater(client, zone.Serial);
    }

    /// <summary>Who may transfer the zone (per-zone list of networks and keys, else Dns:TransferAllow), and what a zone with Route 53 routing allows.</summary>
    private bool CheckTransferAccess(ref QueryContext q, Zone zone)
    {
        bool allowed = Transfers is { } transfers ? transfers.Access.Allows(zone.OriginText, q.Source, q.Tsig.Key) : q.TransferAllowed;
        if (!allowed)
            return q.Respond(ResponseCode.Refused);
        // A secondary cannot run Route 53 policies (docs/transfers.md): refused unless Transfers:RoutedZones says otherwise.
        if (zone.HasGroups && (Transfers?.Options.RoutedZones ?? RoutedZoneTransfer.Refuse) == RoutedZoneTransfer.Refuse)
            return q.Respond(ResponseCode.Refused, ExtendedDnsError.Prohibited);
        return true;
    }
}
