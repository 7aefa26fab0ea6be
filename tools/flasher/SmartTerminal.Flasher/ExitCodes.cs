namespace SmartTerminal.Flasher;

/// <summary>Exit codes for the production line's scripts.</summary>
public static class ExitCodes
{
    public const int Done = 0;

    /// <summary>The command line is wrong: nothing was registered or flashed.</summary>
    public const int Usage = 2;

    /// <summary>The PolicyService refused or could not be reached: nothing was flashed.</summary>
    public const int ServiceRefused = 3;

    /// <summary>The unit is registered and its folder written, but nanoff failed: reprovision it.</summary>
    public const int FlashFailed = 4;
}

/// <summary>A step failed; the message says which and what to do.</summary>
public sealed class StepFailedException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
