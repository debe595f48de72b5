using System.Collections.Concurrent;
using System.Diagnostics;
using DeviceSync.Contracts;
using DeviceSync.Contracts.Accounts;
using DeviceSync.Grains.Accounts;
using DeviceSync.Grains.Journaling;
using DeviceSync.Grains.Storage;
using DeviceSync.Testing;
using Orleans.Runtime;
using static DeviceSync.Grains.Tests.Cluster.Requests;

namespace DeviceSync.Grains.Tests.Cluster;

/// <summary>
/// Sign-up and provisioning write a new account without reading the replicas first (its creation is entry 1, fenced if
/// the account exists), on real account grains and Azurite. What matters most is the other case: an account that exists,
/// met by an activation that has read nothing yet, must be read and kept, never overwritten.
/// </summary>
public sealed class AccountCreationTests(GrainCluster cluster) : IClassFixture<GrainCluster>
{
    [Fact]
    public async Task Provisioning_a_new_account_writes_it_without_reading_it_first()
    {
        var account = NewAccount();
        using var opens = new OpenRecorder(JournalStreams.ForAccount(account));

        var credentials = await cluster.Grains.GetGrain<IAccountGrain>(account).ProvisionAsync(2);

        Assert.Equal(0, opens.Count);
        var stream = await OpenDirectAsync(account);
        Assert.Equal([1L], stream.Entries.Select(e => e.Sequence));
        var created = AccountLedger.DecodeChange(stream.Entries[0].Payload.Span);
        Assert.NotNull(created.CreatedAt);
        Assert.Equal(credentials.Select(c => c.DeviceId).Order(), created.DevicesAdded!.Select(d => d.DeviceId).Order());
        foreach (var credential in credentials)
        {
            Assert.True(DeviceToken.TryParse(credential.Token, out _, out _, out var secret));
            Assert.True((await cluster.Grains.GetGrain<IAccountGrain>(account).AuthenticateTokenAsync(credential.DeviceId, secret)).Authenticated);
        }
    }

    [Fact]
    public async Task Provisioning_an_account_that_exists_reads_it_and_adds_to_what_it_holds()
    {
        var account = NewAccount();
        var password = Password(1);
        await WriteDirectAsync(account, new AccountChange { CreatedAt = DateTimeOffset.UtcNow, Password = password });
        using var opens = new OpenRecorder(JournalStreams.ForAccount(account));

        // The grain has never run for this account: it takes it to be new, is fenced, reads it, and provisions into it.
        var grain = cluster.Grains.GetGrain<IAccountGrain>(account);
        var credentials = await grain.ProvisionAsync(2);

        Assert.Equal(2, credentials.Count);
        Assert.True(opens.Count >= 1, "the account was not read after the fence");
        Assert.Equal(password.Hash, (await grain.GetPasswordHashAsync())?.Hash);
        Assert.Equal(credentials.Select(c => c.DeviceId).Order(), (await grain.ListDevicesAsync()).Select(d => d.DeviceId).Order());
        var stream = await OpenDirectAsync(account);
        Assert.Equal([1L, 2L], stream.Entries.Select(e => e.Sequence));
        Assert.Equal(password.Hash, AccountLedger.DecodeChange(stream.Entries[0].Payload.Span).Password?.Hash); // entry 1 is the original
    }

    [Fact]
    public async Task Signing_up_a_name_that_exists_says_so_and_changes_nothing()
    {
        var account = NewAccount();
        var original = Password(1);
        await WriteDirectAsync(account, new AccountChange { CreatedAt = DateTimeOffset.UtcNow, Password = original });

        var grain = cluster.Grains.GetGrain<IAccountGrain>(account);
        Assert.Equal(AccountCreation.AlreadyExists, await grain.CreateAsync(Password(2)));

        Assert.Equal(original.Hash, (await grain.GetPasswordHashAsync())?.Hash);
        var stream = await OpenDirectAsync(account);
        Assert.Equal([1L], stream.Entries.Select(e => e.Sequence));
    }

    [Fact]
    public async Task Signing_up_a_new_name_creates_it_once()
    {
        var account = NewAccount();
        var grain = cluster.Grains.GetGrain<IAccountGrain>(account);

        Assert.Equal(AccountCreation.Created, await grain.CreateAsync(Password(1)));
        Assert.Equal(AccountCreation.AlreadyExists, await grain.CreateAsync(Password(2)));

        Assert.Equal(Password(1).Hash, (await grain.GetPasswordHashAsync())?.Hash);
        Assert.Equal([1L], (await OpenDirectAsync(account)).Entries.Select(e => e.Sequence));
    }

    [Fact]
    public async Task A_provisioning_resent_to_a_new_activation_hands_out_the_same_devices_again()
    {
        var account = NewAccount();
        var first = await cluster.Grains.GetGrain<IAccountGrain>(account).ProvisionOnceAsync("prov-1", 3);

        // Every idle grain of this cluster goes: the resend meets an activation that has read nothing.
        await cluster.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var again = await cluster.Grains.GetGrain<IAccountGrain>(account).ProvisionOnceAsync("prov-1", 3);

        Assert.Equal(first.Select(c => c.Token).Order(), again.Select(c => c.Token).Order());
        Assert.Equal(3, (await cluster.Grains.GetGrain<IAccountGrain>(account).ListDevicesAsync()).Count);
        Assert.Equal([1L], (await OpenDirectAsync(account)).Entries.Select(e => e.Sequence));
    }

    [Fact]
    public async Task A_provisioning_that_failed_for_want_of_replicas_hands_out_the_same_devices_when_resent()
    {
        var account = NewAccount();
        var grain = cluster.Grains.GetGrain<IAccountGrain>(account);

        // Two of three replicas hang: entry 1 can reach only one, so the creation is not acknowledged. The hung ones may
        // still take it when they wake (a write that timed out but landed): either way, nothing was handed out yet.
        cluster.Replicas[1].Pause();
        cluster.Replicas[2].Pause();
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(() => grain.ProvisionOnceAsync("prov-hung", 2));
        }
        finally
        {
            cluster.Replicas[1].Resume();
            cluster.Replicas[2].Resume();
        }

        // The provisioner resends until it is answered, as it would after a 503.
        IReadOnlyList<DeviceCredential>? credentials = null;
        await Eventually.WaitAsync(
            async () => (credentials = await grain.ProvisionOnceAsync("prov-hung", 2)).Count == 2, TimeSpan.FromSeconds(60));

        Assert.Equal(2, (await grain.ListDevicesAsync()).Count);
        foreach (var credential in credentials!)
        {
            Assert.True(DeviceToken.TryParse(credential.Token, out _, out _, out var secret));
            Assert.True((await grain.AuthenticateTokenAsync(credential.DeviceId, secret)).Authenticated);
        }

        Assert.Equal([1L], (await OpenDirectAsync(account)).Entries.Select(e => e.Sequence));
    }

    private static PasswordHash Password(byte seed) =>
        new() { Algorithm = "PBKDF2-SHA256", Iterations = 1000, Salt = [seed, 1, 2, 3], Hash = [seed, 9, 9, 9] };

    private Task<JournalStream> OpenDirectAsync(string account) => cluster.JournalStore().OpenAsync(JournalStreams.ForAccount(account));

    /// <summary>Writes an account's first entry behind the grains' backs, on every replica, as an earlier activation would have.</summary>
    private async Task WriteDirectAsync(string account, AccountChange change)
    {
        change.Incarnation ??= [1, 2, 3, 4];
        var stream = await OpenDirectAsync(account);
        await stream.AppendAsync(AccountLedger.EncodeChange(change));
        await stream.WhenReplicaWritesSettledAsync();
    }

    /// <summary>Counts the reads of one stream (its <c>journal.open</c> spans), whichever silo makes them.</summary>
    private sealed class OpenRecorder : IDisposable
    {
        private readonly ConcurrentBag<Activity> _opens = [];
        private readonly ActivityListener _listener;

        public OpenRecorder(string streamKey)
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == StorageTelemetry.ActivitySourceName,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = a =>
                {
                    if (a.OperationName == "journal.open" && Equals(a.GetTagItem("stream"), streamKey))
                    {
                        _opens.Add(a);
                    }
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public int Count => _opens.Count;

        public void Dispose() => _listener.Dispose();
    }
}
