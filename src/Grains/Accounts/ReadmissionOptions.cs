namespace DeviceSync.Grains.Accounts;

/// <summary><c>Auth:Readmission</c>: whether a tagged token of a device its account does not know may bring it back.</summary>
public sealed class ReadmissionOptions
{
    /// <summary>
    /// Off by default: an SRE turns it on after storage lost every replica and the backup (docs/operations.md, "Every
    /// replica and the backup lost"), and off again once the devices are back. While off, such devices get 401 as before.
    /// </summary>
    public bool Enabled { get; set; }
}
