namespace DeviceSync.LoadTest.Gateway.Wire;

/// <summary>The JSON object the harness stores in an item: a title, a counter and filler to reach the wanted size.</summary>
public sealed record ItemData(string Title, long Seq, string Body);
