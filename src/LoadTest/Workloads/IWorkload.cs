namespace DeviceSync.LoadTest.Workloads;

/// <summary>One kind of load: sets up what it needs through the API, drives it, and reports its phases.</summary>
public interface IWorkload
{
    Task<WorkloadOutcome> RunAsync(WorkloadContext context, CancellationToken cancellationToken);
}
