namespace DeviceSync.Gateway.Admission;

/// <summary>Why a request was shed (the <c>devicesync.reason</c> tag of <c>devicesync.gateway.admission.shed</c>).</summary>
public static class AdmissionShedReason
{
    public const string QueueFull = "queue-full";
    public const string QueueTimeout = "queue-timeout";
}
