namespace DeviceSync.Gateway.Conflicts;

/// <summary>
/// A validated <c>GET /v1/conflicts</c> query. With a collection, the cursor is that collection's archive
/// sequence ("17"). Without one, the listing spans the account's collections in name order and the cursor is
/// "collection:sequence" (the last conflict returned).
/// </summary>
public sealed record ConflictQuery(string? Collection, string? CursorCollection, long? CursorSequence, int Limit);
