using DeviceSync.Grains.Blobs;
using DeviceSync.Grains.Tests.Sync;
using static DeviceSync.Grains.Tests.Sync.Mutations;

namespace DeviceSync.Grains.Tests.Blobs;

/// <summary>What counts as an item referring to a blob: exact <c>sha256:</c> + 64 lower-case hex string values, anywhere in data.</summary>
public sealed class BlobReferencesTests
{
    private static readonly string A = new('a', 64);
    private static readonly string B = new string('0', 63) + "f";

    [Fact]
    public void String_values_at_any_depth_are_references_and_nothing_else_is()
    {
        var found = new HashSet<string>();
        BlobReferences.Collect($$"""
            {"photo":"sha256:{{A}}","album":{"pages":[{"p":"sha256:{{B}}"}]},
             "sha256:{{new string('c', 64)}}":1,
             "upper":"sha256:{{new string('D', 64)}}","short":"sha256:{{new string('e', 63)}}",
             "inside":"see sha256:{{new string('e', 64)}}","bare":"{{new string('e', 64)}}"}
            """, found);
        Assert.Equal(new[] { A, B }.Order(), found.Order());
    }

    [Fact]
    public void An_escaped_reference_counts_and_data_without_the_prefix_is_not_parsed()
    {
        var found = new HashSet<string>();
        BlobReferences.Collect($$"""{"photo":"sha256\u003a{{A}}"}""", found);
        BlobReferences.Collect("""{"name":"Ann"}""", found);
        BlobReferences.Collect(null, found);
        Assert.Equal([A], found);
    }

    [Fact]
    public void A_collection_refers_to_what_its_live_items_refer_to_not_its_tombstones()
    {
        var harness = new LedgerHarness();
        harness.Push("phone", Put(1, "p-1", $$"""{"photo":"sha256:{{A}}"}"""), Put(2, "p-2", $$"""{"photo":"sha256:{{B}}"}"""), Delete(3, "p-2"));

        var found = new HashSet<string>();
        harness.Ledger.CollectBlobReferences(found);

        Assert.Equal([A], found);
    }
}
