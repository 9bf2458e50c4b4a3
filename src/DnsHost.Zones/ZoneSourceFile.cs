using System.Runtime.InteropServices;

namespace DnsHost.Zones;

/// <summary>
/// Opens a zone source for reading only when it is a regular file within the size limit. A named
/// pipe would block open() until a writer came (every reload, SIGHUP included, would hang behind it)
/// and a device never ends, so the file's type is looked at (stat, links followed) before it is opened.
/// </summary>
public static class ZoneSourceFile
{
    /// <summary>Opens <paramref name="path"/>, or says why not ("not a regular file (a named pipe)").</summary>
    public static FileStream? TryOpen(string path, long maxBytes, out string error)
    {
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            error = "the path holds a NUL character";
            return null;
        }
        if (!OperatingSystem.IsWindows())
        {
            var status = new byte[StatusSize];
            if (Stat(path, status) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                error = errno == 2 ? "no such file" : $"cannot read the file ({Marshal.GetPInvokeErrorMessage(errno)})";
                return null;
            }
            int kind = BitConverter.ToInt32(status, ModeOffset) & TypeMask;
            if (kind != RegularFile)
            {
                error = $"not a regular file ({Describe(kind)}); not read";
                return null;
            }
            long size = BitConverter.ToInt64(status, SizeOffset);
            if (size > maxBytes)
            {
                error = $"the file is {size} bytes, more than {maxBytes} (Zones:MaxFileBytes)";
                return null;
            }
        }
        try
        {
            error = "";
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error = $"cannot read the file: {e.Message}";
            return null;
        }
    }

    private static string Describe(int kind) => kind switch
    {
        0x1000 => "a named pipe",
        0x2000 or 0x6000 => "a device",
        0x4000 => "a folder",
        0xC000 => "a socket",
        _ => $"file type 0x{kind:X}",
    };

    // The runtime's own stat shim (System.Native, what FileInfo uses): its FileStatus layout is the same on
    // every architecture (int Flags, int Mode, uint Uid, uint Gid, long Size, ...), unlike libc's struct stat,
    // and its Mode carries the S_IFMT bits with the usual values.
    private const int StatusSize = 256, ModeOffset = 4, SizeOffset = 16, TypeMask = 0xF000, RegularFile = 0x8000;

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", SetLastError = true)]
    private static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] status);
}
