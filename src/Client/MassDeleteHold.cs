namespace DeviceSync.Client;

/// <summary>
/// The server's mass-delete guard held a collection's pending mutations back (none was applied): the request deleted
/// more than half of a large collection, or deleted right after a resync. They stay pending, and are not sent again,
/// until the app calls <see cref="Device.ConfirmMassDelete"/> (the user really meant it) or
/// <see cref="Device.DiscardHeldDeletes"/> (they did not: the items come back).
/// </summary>
/// <param name="Reason"><c>mass-delete</c> or <c>delete-after-resync</c>.</param>
public sealed record MassDeleteHold(string Collection, string Reason, int Deletes, int LiveItems);
