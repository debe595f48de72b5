namespace DeviceSync.Grains.Accounts;

/// <summary>One entry of <c>Auth:TokenKeys</c>.</summary>
public sealed class TokenKeyOptions
{
    /// <summary>Names the key inside each token it tags: 1-16 ASCII letters, digits, '-' or '_'. Never reuse an id for another key.</summary>
    public string Id { get; set; } = "";

    /// <summary>The HMAC-SHA256 key, base64, at least 32 bytes. A secret: never in storage, never logged.</summary>
    public string Key { get; set; } = "";
}
