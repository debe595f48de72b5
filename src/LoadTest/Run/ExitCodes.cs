namespace DeviceSync.LoadTest.Run;

/// <summary>The harness's exit codes.</summary>
public static class ExitCodes
{
    /// <summary>Ran clean: the checker found every acknowledged write, no device-visible failure, no protocol violation.</summary>
    public const int Clean = 0;

    /// <summary>Lost, corrupted or twice-applied writes (<c>run</c>), or a 5xx / transport error / violation (<c>bench</c>).</summary>
    public const int DataOrServerFailure = 1;

    /// <summary>The command line could not be understood.</summary>
    public const int Usage = 2;

    /// <summary>No write was lost, but devices saw failures (requests that failed after every retry) or protocol violations.</summary>
    public const int DeviceVisibleFailures = 3;

    /// <summary>Setting up failed (provisioning) or the run was aborted (Ctrl+C twice; once only ends the load early).</summary>
    public const int Aborted = 4;
}
