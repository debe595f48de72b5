namespace DeviceSync.LoadTest.Run;

/// <summary>Versions are <c>epoch × 2^40 + sequence</c> (PROTOCOL.md, "Versions"): a new epoch starts after a data loss or a restore.</summary>
public static class VersionEpochs
{
    public const int SequenceBits = 40;

    public static long Of(long version) => version >> SequenceBits;

    public static long Version(long epoch, long sequence) => (epoch << SequenceBits) + sequence;
}
