using System.Text;

namespace DnsHost.Zones;

/// <summary>
/// Splits an RFC 1035 master file into logical entries (a directive or a record, which may span
/// lines inside parentheses), remembering where each starts. ARSoft.Tools.Net does the parsing;
/// this only lets us say which line a problem is on, and resolve $INCLUDE against the zones folder.
/// </summary>
public static class MasterFileScanner
{
    public sealed record Entry(int Line, string Text, IReadOnlyList<string> Tokens, bool StartsWithBlank);

    public static List<Entry> Scan(string text)
    {
        var entries = new List<Entry>();
        var current = new StringBuilder();
        var tokens = new List<string>();
        var token = new StringBuilder();
        int line = 1, entryLine = 1, depth = 0;
        bool inQuotes = false, inComment = false, startsWithBlank = false, atEntryStart = true, inToken = false;

        void EndToken()
        {
            if (inToken)
            {
                tokens.Add(token.ToString());
                token.Clear();
                inToken = false;
            }
        }

        void EndEntry()
        {
            EndToken();
            if (tokens.Count > 0)
                entries.Add(new Entry(entryLine, current.ToString(), tokens.ToArray(), startsWithBlank));
            current.Clear();
            tokens.Clear();
            atEntryStart = true;
        }

        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (atEntryStart && c != '\n')
            {
                entryLine = line;
                startsWithBlank = c is ' ' or '\t';
                atEntryStart = false;
            }
            if (c == '\n')
            {
                line++;
                inComment = false;
                if (depth == 0 && !inQuotes)
                {
                    EndEntry();
                    continue;
                }
                current.Append(c);
                EndToken();
                continue;
            }
            current.Append(c);
            if (inComment)
                continue;
            if (inQuotes)
            {
                token.Append(c);
                if (c == '\\' && i + 1 < text.Length) { token.Append(text[++i]); current.Append(text[i]); }
                else if (c == '"') inQuotes = false;
                continue;
            }
            switch (c)
            {
                case ';': EndToken(); inComment = true; break;
                case '"': inQuotes = true; inToken = true; token.Append(c); break;
                case '(': EndToken(); depth++; break;
                case ')': EndToken(); if (depth > 0) depth--; break;
                case ' ' or '\t' or '\r': EndToken(); break;
                case '\\':
                    inToken = true;
                    token.Append(c);
                    if (i + 1 < text.Length && text[i + 1] != '\n') { token.Append(text[++i]); current.Append(text[i]); }
                    break;
                default: inToken = true; token.Append(c); break;
            }
        }
        EndEntry();
        return entries;
    }
}
