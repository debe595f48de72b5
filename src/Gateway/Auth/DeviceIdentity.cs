namespace DeviceSync.Gateway.Auth;

/// <summary>
/// The device a bearer token proved: one device of one account. <paramref name="Readmitted"/>: it was readmitted after
/// storage lost its account (docs/adr/0008-device-readmission.md); syncs pass it on to the collections.
/// </summary>
/// <paramref name="HistoryLossGeneration"/>: the storage history-loss generation its account was read under, passed on too.
public sealed record DeviceIdentity(string AccountId, string DeviceId, bool Readmitted = false, long HistoryLossGeneration = 0);
