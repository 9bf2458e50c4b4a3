using System.Runtime.InteropServices;

namespace DnsHost.Server;

/// <summary>
/// Writes that are on the disk when they return, not only handed to the operating system: the file's data is forced
/// out (fsync), and after a create or a rename so is the folder's entry for it (fsync of the folder, on Linux), so
/// a power cut right after cannot undo them. The journal and the saved serials use it: a secondary is told of a
/// new serial only after its journal entry is durable.
/// </summary>
public static class DurableFile
{
    /// <summary>Appends through <paramref name="write"/> and forces the data (and a newly created file's entry) to disk.</summary>
    public static void Append(string path, Action<FileStream> write)
    {
        bool created;
        using (var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 64 * 1024))
        {
            created = stream.Length == 0;
            write(stream);
            stream.Flush(flushToDisk: true);
        }
        if (created)
            SyncFolderOf(path);
    }

    /// <summary>Writes a whole new file through <paramref name="write"/> to a temporary file, forced to disk, then renamed over <paramref name="path"/> durably.</summary>
    public static void Replace(string path, Action<FileStream> write)
    {
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024))
        {
            write(stream);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
        SyncFolderOf(path);
    }

    /// <summary>Forces the folder holding <paramref name="path"/> to disk (its entries: a create, a rename). Linux only; elsewhere a no-op.</summary>
    public static void SyncFolderOf(string path)
    {
        if (!OperatingSystem.IsLinux())
            return;
        var folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
        int fd = Open(folder, ReadOnly);
        if (fd < 0)
            throw new IOException($"cannot open {folder} to sync it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (Fsync(fd) != 0)
                throw new IOException($"cannot sync {folder} (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    // .NET opens no folder as a file (FileStream refuses one), so the folder's fsync goes to libc; Linux opens a folder O_RDONLY.
    private const int ReadOnly = 0;

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
