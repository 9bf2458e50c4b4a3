using System.IO.Compression;

namespace DnsHost.Health;

/// <summary>Reads the start of a response body (Content-Length, chunked, or to the end of the connection).</summary>
public static class HttpBody
{
    /// <summary>Reads up to <paramref name="limit"/> body bytes, decoding chunked transfer coding.</summary>
    public static async Task<byte[]> ReadAsync(Stream stream, ReadOnlyMemory<byte> alreadyRead, HttpResponseHead head, int limit, CancellationToken cancel)
    {
        var raw = new MemoryStream();
        raw.Write(alreadyRead.Span);
        var chunk = new byte[8192];
        var body = new MemoryStream();
        long wanted = Math.Min(head.ContentLength ?? long.MaxValue, limit);
        while (true)
        {
            if (head.Chunked)
            {
                if (DecodeChunks(raw.GetBuffer().AsSpan(0, (int)raw.Length), body, limit))
                    break;
            }
            else if (raw.Length >= wanted)
                break;
            if (raw.Length > limit + 65536L)
                break;
            int read = await stream.ReadAsync(chunk, cancel);
            if (read == 0)
            {
                // The connection closed: what arrived is the body (Connection: close framing).
                if (head.Chunked)
                    DecodeChunks(raw.GetBuffer().AsSpan(0, (int)raw.Length), body, limit);
                break;
            }
            raw.Write(chunk, 0, read);
        }
        if (head.Chunked)
            return body.ToArray();
        var all = raw.ToArray();
        return all.Length > wanted ? all[..(int)wanted] : all;
    }

    /// <summary>
    /// Decodes the chunks present in <paramref name="raw"/> into <paramref name="body"/> (from scratch each
    /// call); true when the last chunk was seen or the limit is reached.
    /// </summary>
    private static bool DecodeChunks(ReadOnlySpan<byte> raw, MemoryStream body, int limit)
    {
        body.SetLength(0);
        while (true)
        {
            int lineEnd = raw.IndexOf("\r\n"u8);
            if (lineEnd < 0)
                return false;
            var sizeText = raw[..lineEnd];
            int semicolon = sizeText.IndexOf((byte)';');
            if (semicolon >= 0)
                sizeText = sizeText[..semicolon];
            if (!int.TryParse(System.Text.Encoding.ASCII.GetString(sizeText).Trim(), System.Globalization.NumberStyles.HexNumber, null, out int size) || size < 0)
                throw new FormatException("a chunk size is not a hexadecimal number");
            if (size == 0)
                return true;
            var data = raw[(lineEnd + 2)..];
            int available = Math.Min(size, data.Length);
            body.Write(data[..available]);
            if (body.Length >= limit)
                return true;
            if (data.Length < size + 2)
                return false;
            raw = data[(size + 2)..];
        }
    }

    /// <summary>The first <paramref name="limit"/> bytes of a gzip or deflate body; a truncated stream yields what it holds.</summary>
    public static byte[] Decompress(byte[] body, string encoding, int limit)
    {
        // HTTP "deflate" is the zlib format (RFC 9110 8.4.1.2), though some servers send raw deflate.
        if (encoding == "deflate" && !(body.Length >= 2 && (body[0] & 0x0F) == 8 && ((body[0] << 8) | body[1]) % 31 == 0))
            return Inflate(new DeflateStream(new MemoryStream(body), CompressionMode.Decompress), limit);
        Stream decoder = encoding == "deflate"
            ? new ZLibStream(new MemoryStream(body), CompressionMode.Decompress)
            : new GZipStream(new MemoryStream(body), CompressionMode.Decompress);
        return Inflate(decoder, limit);
    }

    private static byte[] Inflate(Stream decoder, int limit)
    {
        using (decoder)
        {
            var output = new byte[limit];
            int filled = 0;
            try
            {
                int read;
                while (filled < limit && (read = decoder.Read(output, filled, limit - filled)) > 0)
                    filled += read;
            }
            catch (InvalidDataException) when (filled > 0)
            {
                // The body was cut at our read limit; the bytes before the cut count.
            }
            return output[..filled];
        }
    }
}
