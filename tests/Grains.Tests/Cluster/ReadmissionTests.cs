using System.Security.Cryptography;
using DeviceSync.Contracts;
using DeviceSync.Contracts.Accounts;
using DeviceSync.Grains.Accounts;

namespace DeviceSync.Grains.Tests.Cluster;

/// <summary>
/// Re-admission through real account grains on Azurite (docs/adr/0008-device-readmission.md). A device of an account
/// storage lost looks, to the grain, exactly like a token whose tag verifies for an account that does not exist: that
/// is what these tests present, with tokens tagged under the silos' key.
/// </summary>
public sealed class ReadmissionTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public async Task Enabled_lost_devices_come_back_into_a_recovered_account_and_only_they_do()
    {
        await using var cluster = await StartAsync(readmission: true);
        var account = "lost-" + Guid.NewGuid().ToString("N")[..8];
        var incarnation = RandomNumberGenerator.GetBytes(16);
        var grain = cluster.Grains.GetGrain<IAccountGrain>(account);

        var phoneSecret = Secret(account, "phone", incarnation);
        var laptopSecret = Secret(account, "laptop", incarnation);
        var phone = await grain.AuthenticateTokenAsync("phone", phoneSecret);
        Assert.Equal(new DeviceAuthentication { Authenticated = true, Readmitted = true }, phone);
        Assert.Null(await grain.GetPasswordHashAsync()); // a recovered account has no password: POST /v1/devices is 401

        // The second device of the same account joins; both keep working with their tokens, flagged as readmitted.
        Assert.True((await grain.AuthenticateTokenAsync("laptop", laptopSecret)).Readmitted);
        Assert.Equal(phone, await grain.AuthenticateTokenAsync("phone", phoneSecret));
        // Another token of the same device (same tag key, new nonce) is just a wrong token now: the stored hash decides.
        Assert.False((await grain.AuthenticateTokenAsync("phone", Secret(account, "phone", incarnation))).Authenticated);
        var listed = await grain.ListDevicesAsync();
        Assert.Equal(["laptop", "phone"], listed.Select(d => d.DeviceId).Order(StringComparer.Ordinal));
        Assert.All(listed, d => Assert.NotNull(d.ReadmittedAt));

        // Another incarnation of the account id (tokens of an older account that had the same id) stays out.
        Assert.False((await grain.AuthenticateTokenAsync("tablet", Secret(account, "tablet", RandomNumberGenerator.GetBytes(16)))).Authenticated);
        // A tag under another key, or for another device, stays out.
        Assert.False((await grain.AuthenticateTokenAsync("tablet", SignedTokenSecret.Create(RandomNumberGenerator.GetBytes(32), "k1", account, "tablet", incarnation, RandomNumberGenerator.GetBytes(16)))).Authenticated);
        Assert.False((await grain.AuthenticateTokenAsync("tablet", Secret(account, "watch", incarnation))).Authenticated);

        // The owner revokes one: it never comes back.
        Assert.True(await grain.RevokeDeviceAsync("laptop"));
        Assert.False((await grain.AuthenticateTokenAsync("laptop", laptopSecret)).Authenticated);
    }

    [Fact]
    public async Task Enabled_an_account_that_was_not_recovered_takes_no_device_back()
    {
        await using var cluster = await StartAsync(readmission: true);
        var account = "signup-" + Guid.NewGuid().ToString("N")[..8];
        var grain = cluster.Grains.GetGrain<IAccountGrain>(account);
        var provisioned = await grain.ProvisionAsync(1);

        // Its own tokens are tagged (under the first key) and work as always, not as readmitted.
        Assert.True(DeviceToken.TryParse(provisioned[0].Token, out _, out var deviceId, out var secret));
        Assert.True(SignedTokenSecret.TryRead(secret, out var parts));
        Assert.Equal(new DeviceAuthentication { Authenticated = true }, await grain.AuthenticateTokenAsync(deviceId, secret));
        Assert.True(await grain.AuthenticateAsync(deviceId, AccountGrain.HashSecret(secret))); // the previous build's call

        // A device it does not know, even with its own incarnation and a valid tag: refused (a sign-up after a loss).
        Assert.False((await grain.AuthenticateTokenAsync("stranger", Secret(account, "stranger", parts!.Incarnation))).Authenticated);
    }

    [Fact]
    public async Task Disabled_a_valid_tag_of_a_lost_account_gets_nothing()
    {
        await using var cluster = await StartAsync(readmission: false);
        var account = "lost-" + Guid.NewGuid().ToString("N")[..8];
        var grain = cluster.Grains.GetGrain<IAccountGrain>(account);

        Assert.Equal(DeviceAuthentication.Refused, await grain.AuthenticateTokenAsync("phone", Secret(account, "phone", RandomNumberGenerator.GetBytes(16))));
        Assert.Empty(await grain.ListDevicesAsync()); // and nothing was created
        Assert.Null(await grain.GetPasswordHashAsync());
    }

    private static string Secret(string account, string device, byte[] incarnation) =>
        SignedTokenSecret.Create(Key, "k1", account, device, incarnation, RandomNumberGenerator.GetBytes(16));

    private static async Task<OwnedCluster> StartAsync(bool readmission)
    {
        var cluster = new GrainCluster
        {
            ExtraSettings = new Dictionary<string, string>
            {
                ["Auth:TokenKeys:0:Id"] = "k1",
                ["Auth:TokenKeys:0:Key"] = Convert.ToBase64String(Key),
                ["Auth:Readmission:Enabled"] = readmission ? "true" : "false",
            },
        };
        await cluster.InitializeAsync();
        return new OwnedCluster(cluster);
    }

    /// <summary>Each test owns its cluster (settings differ per test), disposed with <c>await using</c>.</summary>
    private sealed class OwnedCluster(GrainCluster cluster) : IAsyncDisposable
    {
        public IGrainFactory Grains => cluster.Grains;

        public async ValueTask DisposeAsync() => await cluster.DisposeAsync();
    }
}
