namespace DnsHost.Zones.MasterFiles;

/// <summary>
/// Where an $INCLUDE may read from: inside the zones folder, with symbolic links resolved (a link or
/// a "../" must not lead out), unless Zones:IncludeOutsideFolder allows more. And what a problem found
/// in an included file may show of it: nothing quoted.
/// </summary>
internal static class IncludePath
{
    /// <summary>Links followed in one path before it counts as a loop (Linux's own limit).</summary>
    private const int MaxLinks = 40;

    public static bool TryResolve(string folder, string file, bool outsideAllowed, out string path, out string refused)
    {
        path = "";
        if (file.Length == 0 || file.Any(char.IsControl))
        {
            refused = "the file name is empty or holds a control character";
            return false;
        }
        try
        {
            path = Path.GetFullPath(Path.Combine(folder, file));
            if (outsideAllowed)
            {
                refused = "";
                return true;
            }
            string real = RealPath(path), realFolder = RealPath(Path.GetFullPath(folder));
            string prefix = Path.TrimEndingDirectorySeparator(realFolder) + Path.DirectorySeparatorChar;
            if (real.StartsWith(prefix, StringComparison.Ordinal))
            {
                refused = "";
                return true;
            }
            refused = "the file is outside the zones folder; not read (Zones:IncludeOutsideFolder)";
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            refused = $"the path cannot be resolved ({e.GetType().Name})";
            return false;
        }
    }

    /// <summary>The path with every symbolic link in it resolved, as realpath(3) gives it; parts that do not exist are kept as written.</summary>
    private static string RealPath(string full)
    {
        int links = 0;
        string current = Path.GetPathRoot(full) ?? "/";
        var pending = new Stack<string>(full[current.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse());
        while (pending.TryPop(out var part))
        {
            if (part == ".")
                continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }
            string next = Path.Combine(current, part);
            if (new FileInfo(next).LinkTarget is not { } target)
            {
                current = next;
                continue;
            }
            if (++links > MaxLinks)
                throw new IOException("too many symbolic links");
            // The target's parts replace this one, relative to the link's folder unless absolute.
            if (Path.IsPathRooted(target))
                current = Path.GetPathRoot(target) ?? "/";
            foreach (var piece in target.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse())
                pending.Push(piece);
        }
        return current;
    }

    /// <summary>Replaces everything between quotes ('…' or "…") with an ellipsis.</summary>
    public static string Redact(string message)
    {
        var result = new System.Text.StringBuilder(message.Length);
        for (int i = 0; i < message.Length; i++)
        {
            char c = message[i];
            int close = c is '\'' or '"' ? message.IndexOf(c, i + 1) : -1;
            if (close < 0)
            {
                result.Append(c);
                continue;
            }
            result.Append(c).Append('…').Append(c);
            i = close;
        }
        return result.ToString();
    }
}
