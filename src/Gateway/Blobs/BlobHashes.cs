namespace DeviceSync.Gateway.Blobs;

/// <summary>Blob names: the lower-case hex SHA-256 of the bytes (PROTOCOL.md, "Blobs").</summary>
public static class BlobHashes
{
    public static bool IsValid(string? value)
    {
        if (value is not { Length: 64 })
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        return true;
    }
}
