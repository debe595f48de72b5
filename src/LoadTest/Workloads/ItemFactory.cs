using DeviceSync.LoadTest.Gateway.Wire;

namespace DeviceSync.LoadTest.Workloads;

/// <summary>Makes item data of roughly the wanted serialized size (title + counter + filler).</summary>
public sealed class ItemFactory(int itemBytes)
{
    // {"title":"item w12-345","seq":345,"body":"..."} is about 45 bytes around the filler.
    private readonly string _filler = new('x', Math.Max(1, itemBytes - 45));

    public ItemData Create(string itemId, long seq) => new($"item {itemId}", seq, _filler);
}
