namespace DeviceSync.Grains.Accounts;

/// <summary>
/// Lets a log line through at most once per interval and counts the ones held back, so the next line can say how many
/// there were. For lines an outsider can trigger at will (a refused re-admission), where a line per attempt would let
/// them flood the log; the metric beside such a line still counts every event. One per grain activation, so it needs
/// no locking.
/// </summary>
internal sealed class LogThrottle(TimeSpan interval)
{
    private DateTimeOffset _lastLogged = DateTimeOffset.MinValue;
    private int _heldBack;

    /// <summary>True when a line may be written now; <paramref name="heldBack"/> is then how many were held back since the last one.</summary>
    public bool TryPass(DateTimeOffset now, out int heldBack)
    {
        if (now - _lastLogged < interval)
        {
            _heldBack++;
            heldBack = 0;
            return false;
        }

        heldBack = _heldBack;
        _lastLogged = now;
        _heldBack = 0;
        return true;
    }
}
