namespace DeviceSync.Contracts.Sync;

/// <summary>A version is <c>epoch × 2^40 + sequence</c> (PROTOCOL.md, "Versions").</summary>
public static class Versions
{
    public const int EpochShift = 40;
    public const long SequenceMask = (1L << EpochShift) - 1;

    public static long EpochOf(long version) => version >> EpochShift;

    public static long SequenceOf(long version) => version & SequenceMask;

    public static long Compose(long epoch, long sequence) => (epoch << EpochShift) | sequence;
}
