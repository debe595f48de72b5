using System.Security.Cryptography;
using DeviceSync.Contracts.Accounts;
using DeviceSync.Grains.Accounts;
using Microsoft.Extensions.Options;

namespace DeviceSync.Grains.Tests.Tokens;

/// <summary>
/// Tagged token secrets (docs/adr/0008-device-readmission.md): verifiable under a key kept outside storage, bound to the
/// account, device and incarnation, and in the exact token shape the previous build's gateway and grain accept.
/// </summary>
public sealed class TaggedTokenTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);
    private static readonly byte[] Incarnation = RandomNumberGenerator.GetBytes(16);
    private static readonly byte[] Nonce = RandomNumberGenerator.GetBytes(16);

    [Fact]
    public void A_tagged_secret_verifies_under_its_key_for_its_account_and_device()
    {
        var secret = SignedTokenSecret.Create(Key, "k1", "alice", "dev1", Incarnation, Nonce);

        Assert.True(SignedTokenSecret.TryRead(secret, out var parts));
        Assert.Equal("k1", parts!.KeyId);
        Assert.Equal(Incarnation, parts.Incarnation);
        Assert.Equal(Nonce, parts.Nonce);
        Assert.True(SignedTokenSecret.Verify(Key, parts, "alice", "dev1"));
    }

    [Fact]
    public void The_tag_fails_under_another_key_or_for_another_account_device_or_incarnation()
    {
        var secret = SignedTokenSecret.Create(Key, "k1", "alice", "dev1", Incarnation, Nonce);
        Assert.True(SignedTokenSecret.TryRead(secret, out var parts));

        Assert.False(SignedTokenSecret.Verify(RandomNumberGenerator.GetBytes(32), parts!, "alice", "dev1"));
        Assert.False(SignedTokenSecret.Verify(Key, parts!, "alice2", "dev1"));
        Assert.False(SignedTokenSecret.Verify(Key, parts!, "alice", "dev2"));
        Assert.False(SignedTokenSecret.Verify(Key, parts! with { Incarnation = RandomNumberGenerator.GetBytes(16) }, "alice", "dev1"));
        Assert.False(SignedTokenSecret.Verify(Key, parts! with { Nonce = RandomNumberGenerator.GetBytes(16) }, "alice", "dev1"));
        // Field boundaries are length-prefixed: moving a character between account and device changes the tag.
        var dotted = SignedTokenSecret.Create(Key, "k1", "a.b", "c", Incarnation, Nonce);
        Assert.True(SignedTokenSecret.TryRead(dotted, out var dottedParts));
        Assert.False(SignedTokenSecret.Verify(Key, dottedParts!, "a", "b.c"));
    }

    [Fact]
    public void A_key_id_that_is_not_configured_or_no_longer_is_never_verifies()
    {
        var keys = Keys(("k2", Key));
        var secret = SignedTokenSecret.Create(Key, "k1", "alice", "dev1", Incarnation, Nonce);
        Assert.True(SignedTokenSecret.TryRead(secret, out var parts));

        Assert.False(keys.Verify(parts!, "alice", "dev1")); // same key bytes, but k1 was removed: rotation by removal
        Assert.True(Keys(("k2", Key), ("k1", Key)).Verify(parts!, "alice", "dev1"));
    }

    [Fact]
    public void The_first_key_tags_new_secrets_and_every_key_verifies()
    {
        var old = RandomNumberGenerator.GetBytes(32);
        var keys = Keys(("new", Key), ("old", old));
        var fresh = keys.NewSecret("alice", "dev1", Incarnation);
        var earlier = SignedTokenSecret.Create(old, "old", "alice", "dev2", Incarnation, Nonce);

        Assert.True(SignedTokenSecret.TryRead(fresh, out var freshParts));
        Assert.Equal("new", freshParts!.KeyId);
        Assert.True(keys.Verify(freshParts, "alice", "dev1"));
        Assert.True(SignedTokenSecret.TryRead(earlier, out var earlierParts));
        Assert.True(keys.Verify(earlierParts!, "alice", "dev2"));
    }

    [Fact]
    public void Without_a_key_secrets_stay_plain_random_and_a_plain_secret_never_reads_as_tagged()
    {
        var keys = Keys();
        var plain = keys.NewSecret("alice", "dev1", Incarnation);

        Assert.False(keys.CanTag);
        Assert.False(keys.ReadmissionEnabled);
        Assert.Equal(43, plain.Length); // 256 random bits, base64url, as before
        Assert.False(SignedTokenSecret.TryRead(plain, out _));
        Assert.False(SignedTokenSecret.TryRead("not base64url!", out _));
    }

    [Fact]
    public void An_old_random_secret_still_authenticates_by_its_stored_hash()
    {
        var plain = Keys().NewSecret("alice", "dev1", null);
        var ledger = new AccountLedger();
        ledger.Apply(new AccountChange
        {
            CreatedAt = DateTimeOffset.UnixEpoch,
            DevicesAdded = [new DeviceRecord { DeviceId = "dev1", TokenSha256 = AccountGrain.HashSecret(plain) }],
        });

        Assert.True(ledger.VerifyToken("dev1", AccountGrain.HashSecret(plain)));
        Assert.Null(ledger.Incarnation); // an account from before incarnations; it gets one at its next write
    }

    [Fact]
    public void A_token_with_a_tagged_secret_parses_with_the_previous_builds_rules_and_stays_under_512_characters()
    {
        var accountId = new string('a', 64) + ".with.dots";
        var deviceId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var secret = SignedTokenSecret.Create(Key, new string('k', SignedTokenSecret.MaxKeyIdLength), accountId, deviceId, Incarnation, Nonce);
        var token = DeviceToken.Format(accountId, deviceId, secret);

        // The previous build's parser: the prefix, at most 512 characters, the secret after the last dot.
        Assert.True(DeviceToken.TryParse(token, out var parsedAccount, out var parsedDevice, out var parsedSecret));
        Assert.Equal((accountId, deviceId, secret), (parsedAccount, parsedDevice, parsedSecret));
        Assert.True(token.Length <= 512, $"{token.Length} characters");
        Assert.DoesNotContain('.', secret);
    }

    [Fact]
    public void Provisioned_devices_get_the_same_tagged_token_on_every_retry()
    {
        var keys = Keys(("k1", Key));
        const string provisionId = "Zm9vYmFyYmF6cXV4cXV1eHh4eHh4";
        var nonce = ProvisionedDeviceKeys.DeriveNonce(provisionId, "load-1", 0);

        Assert.Equal(nonce, ProvisionedDeviceKeys.DeriveNonce(provisionId, "load-1", 0));
        Assert.NotEqual(nonce, ProvisionedDeviceKeys.DeriveNonce(provisionId, "load-1", 1));
        Assert.Equal(keys.TaggedSecrets("load-1", "d", Incarnation, nonce), keys.TaggedSecrets("load-1", "d", Incarnation, nonce));
    }

    [Theory]
    [InlineData("", "key too short")]
    [InlineData("k1", "c2hvcnQ=")]
    [InlineData("bad id!", null)]
    public void Unusable_token_keys_are_refused_at_start(string id, string? key)
    {
        var options = new DeviceTokenOptions { TokenKeys = [new TokenKeyOptions { Id = id, Key = key ?? Convert.ToBase64String(Key) }] };

        Assert.True(new DeviceTokenOptionsValidator().Validate(null, options).Failed);
    }

    [Fact]
    public void Readmission_without_a_key_and_a_key_id_listed_twice_are_refused_at_start()
    {
        var validator = new DeviceTokenOptionsValidator();
        var k = Convert.ToBase64String(Key);

        Assert.True(validator.Validate(null, new DeviceTokenOptions { Readmission = new ReadmissionOptions { Enabled = true } }).Failed);
        Assert.True(validator.Validate(null, new DeviceTokenOptions { TokenKeys = [new() { Id = "a", Key = k }, new() { Id = "a", Key = k }] }).Failed);
        Assert.True(validator.Validate(null, new DeviceTokenOptions { TokenKeys = [new() { Id = "a", Key = k }], Readmission = new() { Enabled = true } }).Succeeded);
        Assert.True(validator.Validate(null, new DeviceTokenOptions()).Succeeded);
    }

    private static DeviceTokenKeys Keys(params (string Id, byte[] Key)[] keys) => new(Options.Create(new DeviceTokenOptions
    {
        TokenKeys = [.. keys.Select(k => new TokenKeyOptions { Id = k.Id, Key = Convert.ToBase64String(k.Key) })],
        Readmission = new ReadmissionOptions { Enabled = keys.Length > 0 },
    }));
}
