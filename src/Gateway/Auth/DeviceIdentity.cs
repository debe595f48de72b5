namespace DeviceSync.Gateway.Auth;

/// <summary>
/// The device a bearer token proved: one device of one account. <paramref name="Readmitted"/>: it was readmitted after
/// storage lost its account (docs/adr/0008-device-readmission.md); syncs pass it on to the collections.
/// </summary>
public sealed record DeviceIdentity(string AccountId, string DeviceId, bool Readmitted = false);
