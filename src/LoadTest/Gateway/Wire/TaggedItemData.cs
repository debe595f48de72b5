namespace DeviceSync.LoadTest.Gateway.Wire;

/// <summary>
/// The item data <c>run</c> writes: <see cref="Tag"/> names the one mutation that wrote it
/// (<c>d&lt;device&gt;-m&lt;mutation id&gt;</c>), so the checker can tell which write a stored version came from.
/// </summary>
public sealed record TaggedItemData(string Title, string Tag, string Body);
