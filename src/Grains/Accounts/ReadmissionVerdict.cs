namespace DeviceSync.Grains.Accounts;

/// <summary>What <see cref="AccountLedger.JudgeReadmission"/> decides for a device the account does not know as live.</summary>
public enum ReadmissionVerdict
{
    None = 0,

    /// <summary>The account does not exist: recreate it as recovered, with the token's incarnation, and admit the device.</summary>
    RecreateAccount = 1,

    /// <summary>A recovered account of the token's incarnation: admit the device.</summary>
    JoinRecoveredAccount = 2,

    /// <summary>Refused: the account lists the device as revoked.</summary>
    Revoked = 3,

    /// <summary>Refused: the device is live with another token hash (a wrong token, not a lost one).</summary>
    KnownDevice = 4,

    /// <summary>Refused: the account exists and was not recovered (for example a sign-up that took the id after the loss).</summary>
    NotRecovered = 5,

    /// <summary>Refused: a recovered account of another incarnation.</summary>
    OtherIncarnation = 6,
}
