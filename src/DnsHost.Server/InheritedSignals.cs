using System.Runtime.InteropServices;

namespace DnsHost.Server;

/// <summary>
/// Undoes a signal's "ignore" inherited from whoever started us. <c>nohup</c> starts a process with
/// SIGHUP ignored, and a non-interactive shell starts background jobs with SIGINT ignored; an ignored
/// disposition survives exec, and .NET then never calls a <see cref="PosixSignalRegistration"/> for
/// that signal. A server whose SIGHUP means "reload" (as Knot's and NSD's does) and a drill whose
/// SIGINT means "undo what you broke" must still hear them, so they call this before registering.
/// </summary>
public static unsafe class InheritedSignals
{
    private static readonly nint Ignore = 1;   // SIG_IGN
    private static readonly nint Default = 0;  // SIG_DFL

    // struct sigaction starts with the handler on Linux (glibc and musl); the rest is read into spare room.
    private const int SigactionRoom = 256;

    [DllImport("libc", SetLastError = true)]
    private static extern int sigaction(int signal, void* action, void* previous);

    [DllImport("libc", SetLastError = true)]
    private static extern nint signal(int signal, nint handler);

    /// <summary>
    /// If <paramref name="posixSignal"/> was inherited as ignored, puts back the default so that a
    /// registration made after this call is delivered. Returns whether it was ignored. Only on Linux;
    /// elsewhere it does nothing.
    /// </summary>
    public static bool Unignore(PosixSignal posixSignal)
    {
        if (!OperatingSystem.IsLinux() || Number(posixSignal) is not int number)
            return false;
        byte* previous = stackalloc byte[SigactionRoom];
        if (sigaction(number, null, previous) != 0 || *(nint*)previous != Ignore)
            return false;
        signal(number, Default);
        return true;
    }

    /// <summary>Linux's numbers for the signals we take (the same on x64 and arm64).</summary>
    private static int? Number(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGHUP => 1,
        PosixSignal.SIGINT => 2,
        PosixSignal.SIGQUIT => 3,
        PosixSignal.SIGTERM => 15,
        _ => null,
    };
}
