namespace DeviceSync.Grains.Accounts;

/// <summary>
/// Silo settings for device tokens (section <c>Auth</c>): the keys that tag tokens so they can be verified without
/// storage, and re-admission after every storage replica lost the account (docs/adr/0008-device-readmission.md).
/// </summary>
public sealed class DeviceTokenOptions
{
    public const string SectionName = "Auth";

    /// <summary>
    /// Keys kept outside the storage replicas: the first tags new tokens, all verify tags. Removing a key's entry makes
    /// every token tagged with it unfit for re-admission (normal checks use the stored hash and do not need a key).
    /// Empty: tokens are plain random secrets, as before, and re-admission is impossible.
    /// </summary>
    public List<TokenKeyOptions> TokenKeys { get; set; } = [];

    public ReadmissionOptions Readmission { get; set; } = new();
}
