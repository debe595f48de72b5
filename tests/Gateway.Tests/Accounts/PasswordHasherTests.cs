using DeviceSync.Contracts.Accounts;
using DeviceSync.Gateway.Accounts;

namespace DeviceSync.Gateway.Tests.Accounts;

public sealed class PasswordHasherTests
{
    private static readonly PasswordHasher Hasher = new();

    [Fact]
    public void Hashes_with_pbkdf2_sha256_and_a_16_byte_salt()
    {
        var hash = Hasher.Hash("correct horse battery");
        Assert.Equal("PBKDF2-SHA256", hash.Algorithm);
        Assert.True(hash.Iterations >= 100_000);
        Assert.Equal(16, hash.Salt.Length);
        Assert.Equal(32, hash.Hash.Length);
    }

    [Fact]
    public void Verifies_the_right_password() => Assert.True(Hasher.Verify("correct horse battery", Hasher.Hash("correct horse battery")));

    [Fact]
    public void Rejects_a_wrong_password()
    {
        var hash = Hasher.Hash("correct horse battery");
        Assert.False(Hasher.Verify("correct horse batterY", hash));
        Assert.False(Hasher.Verify("", hash));
    }

    [Fact]
    public void The_salt_differs_per_hash()
    {
        var a = Hasher.Hash("same password!");
        var b = Hasher.Hash("same password!");
        Assert.NotEqual(a.Salt, b.Salt);
        Assert.NotEqual(a.Hash, b.Hash);
    }

    [Fact]
    public void An_unknown_account_never_verifies() => Assert.False(Hasher.Verify("anything at all", null));

    [Fact]
    public void A_hash_of_another_algorithm_or_shape_never_verifies()
    {
        var hash = Hasher.Hash("correct horse battery");
        Assert.False(Hasher.Verify("correct horse battery", hash with { Algorithm = "MD5" }));
        Assert.False(Hasher.Verify("correct horse battery", hash with { Iterations = 0 }));
        Assert.False(Hasher.Verify("correct horse battery", hash with { Hash = hash.Hash[..16] }));
        Assert.False(Hasher.Verify("correct horse battery", new PasswordHash()));
    }

    [Fact]
    public void Verifies_with_the_stored_iteration_count()
    {
        var cheap = new PasswordHasher(1_000).Hash("correct horse battery");
        Assert.True(Hasher.Verify("correct horse battery", cheap));
    }
}
