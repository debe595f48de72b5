using System.Security.Cryptography;
using System.Text;
using DeviceSync.Contracts.Accounts;

namespace DeviceSync.Gateway.Accounts;

/// <summary>
/// PBKDF2-SHA256 with a 16-byte random salt. The password never leaves the gateway; grains keep only the hash.
/// Verifying against an unknown account hashes against a dummy, so it costs the same time as a real check.
/// </summary>
public sealed class PasswordHasher
{
    public const string Algorithm = "PBKDF2-SHA256";
    public const int DefaultIterations = 100_000;
    public const int MaxIterations = 5_000_000;
    public const int SaltBytes = 16;
    public const int HashBytes = 32;

    private readonly PasswordHash _dummy;

    public PasswordHasher()
        : this(DefaultIterations)
    {
    }

    public PasswordHasher(int iterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        Iterations = iterations;
        _dummy = Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)));
    }

    public int Iterations { get; }

    public PasswordHash Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        return new PasswordHash
        {
            Algorithm = Algorithm,
            Iterations = Iterations,
            Salt = salt,
            Hash = Derive(password, salt, Iterations),
        };
    }

    /// <summary>True when <paramref name="password"/> matches. A null <paramref name="stored"/> (unknown account) is checked against a dummy and fails.</summary>
    public bool Verify(string password, PasswordHash? stored)
    {
        var usable = stored is not null
            && stored.Algorithm == Algorithm
            && stored.Iterations is >= 1 and <= MaxIterations
            && stored.Salt.Length > 0
            && stored.Hash.Length == HashBytes;
        var reference = usable ? stored! : _dummy;
        var derived = Derive(password, reference.Salt, reference.Iterations);
        return CryptographicOperations.FixedTimeEquals(derived, reference.Hash) && usable;
    }

    private static byte[] Derive(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
}
