namespace DeviceSync.Grains.Accounts;

/// <summary>The parts of a tagged token secret (<see cref="SignedTokenSecret"/>). Holds no key; the tag is checked separately.</summary>
public sealed record TaggedSecret(string KeyId, byte[] Incarnation, byte[] Nonce, byte[] Tag);
