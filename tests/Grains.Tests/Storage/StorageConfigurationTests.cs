using DeviceSync.Grains.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DeviceSync.Grains.Tests.Storage;

/// <summary>Options validation, service registration and stream-key encoding (no storage).</summary>
public sealed class StorageConfigurationTests
{
    [Theory]
    [InlineData(3, 2, "devicesync", true)]
    [InlineData(3, 3, "devicesync", true)]
    [InlineData(1, 1, "devicesync", true)]
    [InlineData(3, 0, "devicesync", false)]
    [InlineData(3, 4, "devicesync", false)]
    [InlineData(0, 1, "devicesync", false)]
    [InlineData(3, 2, "device-sync", false)]
    [InlineData(3, 2, "1devicesync", false)]
    [InlineData(3, 2, "", false)]
    public void Options_are_validated(int replicas, int writeQuorum, string prefix, bool valid)
    {
        var options = new ReplicationOptions
        {
            Replicas = Enumerable.Range(0, replicas).Select(i => $"UseDevelopmentStorage=true;replica={i}").ToList(),
            WriteQuorum = writeQuorum,
            TablePrefix = prefix,
        };

        Assert.Equal(valid, new ReplicationOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void AddDeviceSyncStorage_binds_the_Storage_section_and_rejects_a_bad_one()
    {
        var good = Provider(new Dictionary<string, string?>
        {
            ["Storage:Replicas:0"] = "UseDevelopmentStorage=true",
            ["Storage:Replicas:1"] = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:1/devstoreaccount1;BlobEndpoint=http://127.0.0.1:2/devstoreaccount1;",
            ["Storage:WriteQuorum"] = "2",
            ["Storage:TablePrefix"] = "abc1",
        });
        Assert.IsType<AzureJournalStore>(good.GetRequiredService<IJournalStore>());
        Assert.Equal("abc1", good.GetRequiredService<IOptions<ReplicationOptions>>().Value.TablePrefix);

        var bad = Provider(new Dictionary<string, string?> { ["Storage:Replicas:0"] = "UseDevelopmentStorage=true", ["Storage:WriteQuorum"] = "2" });
        Assert.Throws<OptionsValidationException>(() => bad.GetRequiredService<IOptions<ReplicationOptions>>().Value);
    }

    [Theory]
    [InlineData(null, 0, true)] // no limit unless configured (storage that serves in parallel)
    [InlineData("8", 8, true)]
    [InlineData("0", 0, true)]
    [InlineData("-1", -1, false)]
    public void Storage_MaxConnectionsPerReplica_is_bound_and_checked_at_start(string? setting, int expected, bool valid)
    {
        var settings = new Dictionary<string, string?> { ["Storage:Replicas:0"] = "UseDevelopmentStorage=true", ["Storage:WriteQuorum"] = "1" };
        if (setting is not null)
        {
            settings["Storage:MaxConnectionsPerReplica"] = setting;
        }

        var provider = Provider(settings);
        if (!valid)
        {
            var refused = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ReplicationOptions>>().Value);
            Assert.Contains("MaxConnectionsPerReplica", refused.Message, StringComparison.Ordinal);
            return;
        }

        Assert.Equal(expected, provider.GetRequiredService<IOptions<ReplicationOptions>>().Value.MaxConnectionsPerReplica);
    }

    [Theory]
    [InlineData(null, null, true)]
    [InlineData("true", null, true)]
    [InlineData("true", "1", true)]
    [InlineData("true", "100", true)]
    [InlineData("true", "0", false)]
    [InlineData("true", "101", false)]
    [InlineData("false", "0", true)] // ignored while off
    public void Storage_GroupCommit_is_bound_and_its_shard_count_checked_at_start(string? enabled, string? shards, bool valid)
    {
        var settings = new Dictionary<string, string?> { ["Storage:Replicas:0"] = "UseDevelopmentStorage=true", ["Storage:WriteQuorum"] = "1" };
        if (enabled is not null)
        {
            settings["Storage:GroupCommit:Enabled"] = enabled;
        }

        if (shards is not null)
        {
            settings["Storage:GroupCommit:Shards"] = shards;
        }

        var provider = Provider(settings);
        if (!valid)
        {
            Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ReplicationOptions>>().Value);
            return;
        }

        var options = provider.GetRequiredService<IOptions<ReplicationOptions>>().Value;
        Assert.Equal(enabled == "true", options.GroupCommit.Enabled);
        Assert.Equal(shards is null ? 16 : int.Parse(shards, System.Globalization.CultureInfo.InvariantCulture), options.GroupCommit.Shards);
    }

    [Theory]
    [InlineData("alice/contacts")]
    [InlineData("account/alice")]
    [InlineData("a.b_c-d/e f")]
    [InlineData("#?\\/'\u0001\u007f")]
    [InlineData("ünï/cødé")]
    public void Stream_keys_become_safe_partition_keys(string key)
    {
        var encoded = StreamKeyEncoding.Encode(key);

        Assert.Matches("^[A-Za-z0-9_~-]+$", encoded);
        Assert.NotEqual(encoded, StreamKeyEncoding.Encode(key + "x"));
    }

    [Fact]
    public void Stream_key_encoding_is_injective_for_escape_lookalikes_and_bounded_for_long_keys()
    {
        Assert.NotEqual(StreamKeyEncoding.Encode("a/b"), StreamKeyEncoding.Encode("a~2Fb"));
        Assert.NotEqual(StreamKeyEncoding.Encode("a.b"), StreamKeyEncoding.Encode("a~2Eb"));
        var longKey = new string('x', 5000);
        Assert.InRange(StreamKeyEncoding.Encode(longKey).Length, 1, 400);
        Assert.NotEqual(StreamKeyEncoding.Encode(longKey), StreamKeyEncoding.Encode(longKey + "y"));
    }

    [Theory]
    [InlineData("00:01:00", "00:00:05", 20, 20000, 4, true)]
    [InlineData("00:00:00.5", "00:00:05", 20, 20000, 4, false)]
    [InlineData("00:01:00", "00:00:00", 20, 20000, 4, false)]
    [InlineData("00:01:00", "00:10:00", 20, 20000, 4, false)]
    [InlineData("00:01:00", "00:00:05", 0, 20000, 4, false)]
    [InlineData("00:01:00", "00:00:05", -1, 20000, 4, false)]
    [InlineData("00:01:00", "00:00:05", 20, 10, 4, false)]
    [InlineData("00:01:00", "00:00:05", 20, 20000, 1, true)]
    [InlineData("00:01:00", "00:00:05", 20, 20000, 0, false)]
    [InlineData("00:01:00", "00:00:05", 20, 20000, 65, false)]
    public void Sweep_options_are_validated(string interval, string probe, double repairsPerSecond, int rowsPerSecond, int concurrentRepairs, bool valid)
    {
        var options = new ReplicaSweepOptions
        {
            Interval = TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture),
            ProbeInterval = TimeSpan.Parse(probe, System.Globalization.CultureInfo.InvariantCulture),
            MaxRepairsPerSecond = repairsPerSecond,
            MaxRowsScannedPerSecond = rowsPerSecond,
            MaxConcurrentRepairs = concurrentRepairs,
        };

        Assert.Equal(valid, new ReplicaSweepOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void A_bad_Storage_Sweep_setting_stops_the_process_at_start()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Storage:Replicas:0"] = "UseDevelopmentStorage=true",
            ["Storage:WriteQuorum"] = "1",
            ["Storage:Sweep:Interval"] = "00:05:00",
        };
        Assert.Equal(TimeSpan.FromMinutes(5), Provider(settings).GetRequiredService<IOptions<ReplicaSweepOptions>>().Value.Interval);

        settings["Storage:Sweep:MaxRepairsPerSecond"] = "0";
        Assert.Throws<OptionsValidationException>(() => Provider(settings).GetRequiredService<IOptions<ReplicaSweepOptions>>().Value);
    }

    [Fact]
    public void Partition_keys_decode_to_their_stream_keys_except_hashed_ones_and_the_marker()
    {
        foreach (var key in new[] { "collection/alice.b/contacts", "account/x-y_z", "ünï/cødé", "a~2Fb", "#?\\/'\u0001" })
        {
            Assert.True(StreamKeyEncoding.TryDecode(StreamKeyEncoding.Encode(key), out var decoded));
            Assert.Equal(key, decoded);
        }

        Assert.False(StreamKeyEncoding.TryDecode(StreamKeyEncoding.Encode(new string('x', 600)), out _));
        Assert.False(StreamKeyEncoding.TryDecode(JournalReplica.MarkerPartition, out _));
    }

    private static ServiceProvider Provider(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddDeviceSyncStorage();
        return services.BuildServiceProvider();
    }
}
