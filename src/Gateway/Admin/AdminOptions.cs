namespace DeviceSync.Gateway.Admin;

/// <summary>Operator routes (section <c>Gateway</c>). No key: the admin routes answer 404.</summary>
public sealed class AdminOptions
{
    public const string SectionName = "Gateway";

    /// <summary>The environment variable that may carry the key instead of configuration.</summary>
    public const string AdminKeyVariable = "SYNC_ADMIN_KEY";

    public string? AdminKey { get; set; }

    /// <summary>How many accounts one provision call works on at once.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 256)]
    public int ProvisionParallelism { get; set; } = 16;
}
