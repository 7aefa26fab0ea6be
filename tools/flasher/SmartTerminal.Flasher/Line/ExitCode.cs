namespace SmartTerminal.Flasher.Line;

/// <summary>Exit codes for the production line's scripts.</summary>
public enum ExitCode
{
    /// <summary>Every unit done.</summary>
    Done = 0,

    /// <summary>The command line is wrong: nothing was registered or flashed.</summary>
    Usage = 2,

    /// <summary>The PolicyService refused or could not be reached: nothing was flashed.</summary>
    ServiceRefused = 3,

    /// <summary>The unit is registered and its folder written, but nanoff failed: rerun (a batch resumes it).</summary>
    FlashFailed = 4,

    /// <summary>A batch finished with some units failed (the others are done; the manifest says which).</summary>
    UnitsFailed = 5,

    /// <summary>Something the unit needs is missing (nanoff, the port, the image, the folder): nothing was registered.</summary>
    NotReady = 6,
}

/// <summary>A step failed; the message says which and what to do.</summary>
public sealed class StepFailedException(ExitCode exitCode, string message) : Exception(message)
{
    public ExitCode ExitCode { get; } = exitCode;
}
