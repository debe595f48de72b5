namespace DeviceSync.LoadTest.Run;

/// <summary>One item the checker judged wrong: what the devices were told, and what the server holds.</summary>
public sealed record CheckerFinding(CheckerFindingKind Kind, string AccountId, string ItemId, string Expected, string Actual);
