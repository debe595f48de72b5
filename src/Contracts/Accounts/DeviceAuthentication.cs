namespace DeviceSync.Contracts.Accounts;

/// <summary>The answer to a device's token check (<see cref="IAccountGrain.AuthenticateTokenAsync"/>).</summary>
[GenerateSerializer, Immutable, Alias("DeviceSync.DeviceAuthentication")]
public sealed record DeviceAuthentication
{
    public static readonly DeviceAuthentication Refused = new();

    [Id(0)] public bool Authenticated { get; init; }

    /// <summary>
    /// The device was readmitted after storage lost its account (docs/adr/0008-device-readmission.md): the gateway passes
    /// this with each sync, so a collection serves its cursors only once it has pulled from null.
    /// </summary>
    [Id(1)] public bool Readmitted { get; init; }

    /// <summary>
    /// The storage history-loss generation the account was read under. The gateway passes it with each sync, so a
    /// collection on a silo that has not learned of a loss yet reloads instead of answering from lost state.
    /// </summary>
    [Id(2)] public long HistoryLossGeneration { get; init; }
}
