namespace DeviceSync.LoadTest.Commands;

/// <summary>The command line could not be understood; the message says why.</summary>
public sealed class UsageException(string message) : Exception(message);
