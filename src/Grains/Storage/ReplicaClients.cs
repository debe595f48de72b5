using Azure;
using Azure.Data.Tables;
using Azure.Data.Tables.Sas;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;

namespace DeviceSync.Grains.Storage;

/// <summary>
/// The table and blob service clients of one replica. With an account key in the connection string, requests carry an
/// account SAS made from that key instead of a per-request Shared Key signature: the SDK's Shared Key policies create
/// (and leave to the finalizer) one HMAC object per request, which profiling showed as the silo's largest CPU cost
/// under write load (docs/benchmarks.md, "Where the time goes"). The SAS is signed once and renewed well before it
/// expires. Connection strings without a key (a SAS already, or development shorthands the SDK resolves) are used as given.
/// </summary>
internal sealed class ReplicaClients
{
    /// <summary>How long each SAS is valid; it is renewed after <see cref="RenewAfter"/>, so a silo clock off by less than
    /// the difference still presents a valid one.</summary>
    internal static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);
    internal static readonly TimeSpan RenewAfter = TimeSpan.FromHours(1);

    /// <summary>Start times are back-dated so a storage server whose clock runs behind ours accepts a fresh SAS.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(15);

    private readonly TableServiceClient? _tableSigner;
    private readonly BlobServiceClient? _blobSigner;
    private readonly AzureSasCredential? _tableSas;
    private readonly AzureSasCredential? _blobSas;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private long _renewAtTicks;

    public ReplicaClients(string connectionString, TableClientOptions tableOptions, BlobClientOptions blobOptions, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        var tableSigner = new TableServiceClient(connectionString, tableOptions);
        var blobSigner = new BlobServiceClient(connectionString, blobOptions);
        if (!blobSigner.CanGenerateAccountSasUri) // the same key signs for tables
        {
            Tables = tableSigner;
            Blobs = blobSigner;
            return;
        }

        _tableSigner = tableSigner;
        _blobSigner = blobSigner;
        var now = _time.GetUtcNow();
        _tableSas = new AzureSasCredential(SignTables(now));
        _blobSas = new AzureSasCredential(SignBlobs(now));
        _renewAtTicks = (now + RenewAfter).UtcTicks;
        Tables = new TableServiceClient(WithoutQuery(tableSigner.Uri), _tableSas, tableOptions);
        Blobs = new BlobServiceClient(WithoutQuery(blobSigner.Uri), _blobSas, blobOptions);
    }

    public TableServiceClient Tables { get; }

    public BlobServiceClient Blobs { get; }

    /// <summary>True when requests carry a SAS this class signs and renews.</summary>
    public bool UsesSas => _tableSas is not null;

    /// <summary>The table SAS requests carry now (query string, no '?'); only when <see cref="UsesSas"/>.</summary>
    public string CurrentTableSas() => _tableSas?.Signature ?? throw new InvalidOperationException("This replica's requests are not signed with a SAS of ours.");

    /// <summary>When the current SAS is next renewed (meaningful only when <see cref="UsesSas"/>).</summary>
    internal DateTimeOffset RenewAt => new(Interlocked.Read(ref _renewAtTicks), TimeSpan.Zero);

    /// <summary>Cheap when nothing is due (one clock read): call before each request.</summary>
    public void RenewIfDue()
    {
        if (_tableSas is null)
        {
            return;
        }

        var now = _time.GetUtcNow();
        if (now.UtcTicks < Interlocked.Read(ref _renewAtTicks))
        {
            return;
        }

        lock (_gate)
        {
            if (now.UtcTicks < _renewAtTicks)
            {
                return; // another caller renewed it meanwhile
            }

            _tableSas.Update(SignTables(now));
            _blobSas!.Update(SignBlobs(now));
            Interlocked.Exchange(ref _renewAtTicks, (now + RenewAfter).UtcTicks);
        }
    }

    private string SignTables(DateTimeOffset now)
    {
        var builder = _tableSigner!.GetSasBuilder(TableAccountSasPermissions.All, TableAccountSasResourceTypes.All, now + Lifetime);
        builder.StartsOn = now - ClockSkew;
        return _tableSigner.GenerateSasUri(builder).Query.TrimStart('?');
    }

    private string SignBlobs(DateTimeOffset now)
    {
        var builder = new AccountSasBuilder(AccountSasPermissions.All, now + Lifetime, AccountSasServices.Blobs, AccountSasResourceTypes.All)
        {
            StartsOn = now - ClockSkew,
        };
        return _blobSigner!.GenerateAccountSasUri(builder).Query.TrimStart('?');
    }

    private static Uri WithoutQuery(Uri uri) => new UriBuilder(uri) { Query = "" }.Uri;
}
