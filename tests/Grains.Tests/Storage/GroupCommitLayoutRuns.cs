using DeviceSync.Testing;

namespace DeviceSync.Grains.Tests.Storage;

// The storage test classes again, on journal layout 2 (shard partitions) with the group-commit batcher
// (Storage:GroupCommit:Enabled, docs/adr/0010-group-commit.md): every rule they test holds per stream in both layouts.

public sealed class JournalStoreTestsInGroupCommitLayout(AzuriteReplicaSet replicas) : JournalStoreTests(replicas)
{
    protected override bool GroupCommit => true;
}

// And with appends' transactions built by the SDK (Storage:HandWrittenTransactions off, docs/adr/0011): the fallback
// keeps every rule too, in both layouts.

public sealed class JournalStoreTestsThroughTheSdk(AzuriteReplicaSet replicas) : JournalStoreTests(replicas)
{
    protected override bool HandWrittenTransactions => false;
}

public sealed class JournalStoreTestsInGroupCommitLayoutThroughTheSdk(AzuriteReplicaSet replicas) : JournalStoreTests(replicas)
{
    protected override bool GroupCommit => true;

    protected override bool HandWrittenTransactions => false;
}

public sealed class JournalOpenNewTestsInGroupCommitLayout(AzuriteReplicaSet replicas) : JournalOpenNewTests(replicas)
{
    protected override bool GroupCommit => true;
}

public sealed class ReplicaFailureTestsInGroupCommitLayout : ReplicaFailureTests
{
    protected override bool GroupCommit => true;
}

public sealed class ReplicaHealingTestsInGroupCommitLayout : ReplicaHealingTests
{
    protected override bool GroupCommit => true;
}
