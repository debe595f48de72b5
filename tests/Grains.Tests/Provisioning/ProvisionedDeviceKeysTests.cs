using DeviceSync.Grains.Accounts;

namespace DeviceSync.Grains.Tests.Provisioning;

/// <summary>The devices an idempotent provisioning derives: the same every time, different for anything else.</summary>
public sealed class ProvisionedDeviceKeysTests
{
    private const string ProvisionId = "Zm9vYmFyYmF6cXV4cXV1eHh4eHh4";

    [Fact]
    public void The_same_provision_id_account_and_index_derive_the_same_device_and_secret()
    {
        Assert.Equal(ProvisionedDeviceKeys.Derive(ProvisionId, "load-000001", 3), ProvisionedDeviceKeys.Derive(ProvisionId, "load-000001", 3));
    }

    [Fact]
    public void Ids_and_secrets_look_like_randomly_made_ones_and_differ_by_id_account_and_index()
    {
        var derived = new[]
        {
            ProvisionedDeviceKeys.Derive(ProvisionId, "load-000001", 0),
            ProvisionedDeviceKeys.Derive(ProvisionId, "load-000001", 1),
            ProvisionedDeviceKeys.Derive(ProvisionId, "load-000002", 0),
            ProvisionedDeviceKeys.Derive(ProvisionId + "x", "load-000001", 0),
        };

        Assert.Equal(derived.Length, derived.Select(d => d.DeviceId).Distinct().Count());
        Assert.Equal(derived.Length, derived.Select(d => d.Secret).Distinct().Count());
        Assert.All(derived, d =>
        {
            Assert.Matches("^[0-9a-f]{24}$", d.DeviceId); // 12 bytes, as AccountGrain's random device ids
            Assert.Matches("^[A-Za-z0-9_-]{43}$", d.Secret); // 32 bytes, base64url
        });
    }

    [Fact]
    public void The_derivation_is_pinned_so_a_retry_served_by_another_build_still_matches()
    {
        // Changing the derivation would make a retry across a rolling upgrade add devices instead of finding them.
        // The values were computed independently (Python hmac/hashlib) from the scheme in ProvisionedDeviceKeys.
        var (deviceId, secret) = ProvisionedDeviceKeys.Derive(ProvisionId, "load-000001", 0);
        Assert.Equal(PinnedDeviceId, deviceId);
        Assert.Equal(PinnedSecret, secret);
    }

    private const string PinnedDeviceId = "bd1e06bcf217a1f1a6a85f8a";
    private const string PinnedSecret = "HuSjl6zIwccE4hP6EOMR0DDcF4t-BWHpfWs_pRAGryI";
}
