using System.Text.Json.Nodes;
using DeviceSync.Contracts.Sync;
using DeviceSync.Gateway.Problems;
using DeviceSync.Gateway.Sync;
using DeviceSync.Gateway.Tests.Support;
using static DeviceSync.Gateway.Tests.Support.Bodies;

namespace DeviceSync.Gateway.Tests.Validation;

public sealed class SyncRequestParserTests
{
    private const long MaxSafe = (1L << 53) - 1;

    [Fact]
    public void Parses_the_protocol_example()
    {
        const string body = """
            {"collections": [
              {"name": "contacts", "cursor": "44", "limit": 500,
               "mutations": [
                 {"id": 17, "op": "put",    "itemId": "c-1", "baseVersion": 0, "data": {"name": "Ann"}},
                 {"id": 18, "op": "delete", "itemId": "c-2", "baseVersion": 12},
                 {"id": 19, "op": "restore","itemId": "c-3", "version": 37, "data": {"name": "Bo"}}
               ]}
            ]}
            """;
        var result = SyncRequestParser.Parse(Utf8(body));

        Assert.True(result.IsValid);
        var part = Assert.Single(result.Value.Collections);
        Assert.Equal("contacts", part.Name);
        Assert.Equal(44, part.Cursor);
        Assert.Equal(500, part.Limit);
        Assert.Collection(
            part.Mutations,
            m =>
            {
                Assert.Equal(17, m.Id);
                Assert.Equal(MutationOp.Put, m.Op);
                Assert.Equal("c-1", m.ItemId);
                Assert.Equal(0, m.BaseVersion);
                Assert.Equal("{\"name\": \"Ann\"}", m.Data);
            },
            m =>
            {
                Assert.Equal(MutationOp.Delete, m.Op);
                Assert.Equal(12, m.BaseVersion);
                Assert.Null(m.Data);
            },
            m =>
            {
                Assert.Equal(MutationOp.Restore, m.Op);
                Assert.Equal(37, m.Version);
                Assert.Null(m.BaseVersion);
                Assert.Equal("{\"name\": \"Bo\"}", m.Data);
            });
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("\"collections\"")]
    [InlineData("{}")]
    [InlineData("{\"collections\": null}")]
    [InlineData("{\"collections\": {}}")]
    [InlineData("{\"collections\": \"contacts\"}")]
    [InlineData("{\"collections\": [1]}")]
    [InlineData("{\"collections\": [null]}")]
    [InlineData("{\"collections\": [[]]}")]
    [InlineData("{\"collections\": []")]
    [InlineData("{\"collections\": [],}")]
    [InlineData("{\"collections\": [] /* comment */}")]
    [InlineData("{'collections': []}")]
    [InlineData("{\"collections\": []} {}")]
    [InlineData("{\"collections\": [], \"collections\": []}")]
    public void Rejects_malformed_bodies(string body) => AssertInvalid(Utf8(body));

    [Fact]
    public void Rejects_invalid_utf8() => AssertInvalid([.. Utf8("{\"collections\": [{\"name\": \"a"), 0xC3, 0x28, .. Utf8("\"}]}")]);

    [Fact]
    public void Accepts_no_collections() => Assert.Empty(ParseValid(SyncBody()).Collections);

    [Fact]
    public void Accepts_16_collections_and_rejects_17_as_too_large()
    {
        Assert.Equal(16, ParseValid(SyncBody([.. Enumerable.Range(0, 16).Select(i => Collection($"c{i}"))])).Collections.Count);
        AssertTooLarge(Utf8(SyncBody([.. Enumerable.Range(0, 17).Select(i => Collection($"c{i}"))])));
    }

    [Fact]
    public void Rejects_a_collection_named_twice() => AssertInvalid(Utf8(SyncBody(Collection("notes"), Collection("tasks"), Collection("notes"))));

    [Theory]
    [InlineData("a", true)]
    [InlineData("0", true)]
    [InlineData("contacts", true)]
    [InlineData("my-notes-2", true)]
    [InlineData("", false)]
    [InlineData("A", false)]
    [InlineData("-a", false)]
    [InlineData("a_b", false)]
    [InlineData("a.b", false)]
    [InlineData("a/b", false)]
    [InlineData("a b", false)]
    [InlineData("a\n", false)]
    [InlineData("é", false)]
    public void Checks_collection_names(string name, bool valid) => AssertValidity(SyncBody(Collection(name)), valid);

    [Fact]
    public void Collection_names_are_at_most_64_characters()
    {
        AssertValidity(SyncBody(Collection("a" + new string('b', 63))), true);
        AssertValidity(SyncBody(Collection("a" + new string('b', 64))), false);
    }

    [Fact]
    public void Rejects_a_missing_or_non_string_name()
    {
        AssertInvalid(Utf8("{\"collections\": [{\"cursor\": null}]}"));
        AssertInvalid(Utf8("{\"collections\": [{\"name\": 7}]}"));
        AssertInvalid(Utf8("{\"collections\": [{\"name\": null}]}"));
    }

    [Theory]
    [InlineData("0", 0L)]
    [InlineData("1", 1L)]
    [InlineData("44", 44L)]
    [InlineData("9007199254740991", MaxSafe)]
    public void Accepts_decimal_cursors(string cursor, long expected) =>
        Assert.Equal(expected, Assert.Single(ParseValid(SyncBody(Collection("notes", cursor))).Collections).Cursor);

    [Theory]
    [InlineData("9007199254740992")]
    [InlineData("99999999999999999999")]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("01")]
    [InlineData("00")]
    [InlineData("1.0")]
    [InlineData("1e3")]
    [InlineData("0x10")]
    [InlineData("abc")]
    [InlineData("１")]
    public void Rejects_malformed_cursors(string cursor) => AssertInvalid(Utf8(SyncBody(Collection("notes", cursor))));

    [Fact]
    public void A_null_or_missing_cursor_reads_from_the_start()
    {
        Assert.Null(Assert.Single(ParseValid(SyncBody(Collection("notes"))).Collections).Cursor);
        Assert.Null(Assert.Single(ParseValid(Utf8("{\"collections\": [{\"name\": \"notes\"}]}")).Collections).Cursor);
    }

    [Theory]
    [InlineData("{\"name\": \"notes\", \"cursor\": 44}")]
    [InlineData("{\"name\": \"notes\", \"cursor\": true}")]
    [InlineData("{\"name\": \"notes\", \"cursor\": {}}")]
    public void Rejects_non_string_cursors(string collection) => AssertInvalid(Utf8("{\"collections\": [" + collection + "]}"));

    [Theory]
    [InlineData("1", true, 1)]
    [InlineData("1000", true, 1000)]
    [InlineData("500", true, 500)]
    [InlineData("null", true, 500)]
    [InlineData("0", false, 0)]
    [InlineData("1001", false, 0)]
    [InlineData("-1", false, 0)]
    [InlineData("1.5", false, 0)]
    [InlineData("10.0", false, 0)]
    [InlineData("1e2", false, 0)]
    [InlineData("\"10\"", false, 0)]
    [InlineData("99999999999999999999999", false, 0)]
    public void Checks_the_limit(string limit, bool valid, int expected)
    {
        var result = SyncRequestParser.Parse(Utf8("{\"collections\": [{\"name\": \"notes\", \"limit\": " + limit + "}]}"));
        Assert.Equal(valid, result.IsValid);
        if (valid)
        {
            Assert.Equal(expected, Assert.Single(result.Value!.Collections).Limit);
        }
        else
        {
            Assert.Equal(ProblemCodes.InvalidRequest, result.Problem!.Code);
        }
    }

    [Fact]
    public void The_limit_defaults_to_500() => Assert.Equal(500, Assert.Single(ParseValid(SyncBody(Collection("notes"))).Collections).Limit);

    [Fact]
    public void Mutations_may_be_missing_or_null()
    {
        Assert.Empty(Assert.Single(ParseValid(Utf8("{\"collections\": [{\"name\": \"notes\"}]}")).Collections).Mutations);
        Assert.Empty(Assert.Single(ParseValid(Utf8("{\"collections\": [{\"name\": \"notes\", \"mutations\": null}]}")).Collections).Mutations);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("\"put\"")]
    [InlineData("[1]")]
    [InlineData("[null]")]
    [InlineData("[[]]")]
    public void Rejects_mutations_that_are_not_an_array_of_objects(string mutations) =>
        AssertInvalid(Utf8("{\"collections\": [{\"name\": \"notes\", \"mutations\": " + mutations + "}]}"));

    [Fact]
    public void Accepts_500_mutations_and_rejects_501_as_too_large()
    {
        Assert.Equal(500, Assert.Single(ParseValid(SyncBody(Collection("notes", null, null, [.. Enumerable.Range(1, 500).Select(i => Put(i, $"i{i}"))]))).Collections).Mutations.Count);
        AssertTooLarge(Utf8(SyncBody(Collection("notes", null, null, [.. Enumerable.Range(1, 501).Select(i => Put(i, $"i{i}"))]))));
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("9007199254740991", true)]
    [InlineData("9007199254740992", false)]
    [InlineData("18446744073709551616", false)]
    [InlineData("0", false)]
    [InlineData("-1", false)]
    [InlineData("-0", false)]
    [InlineData("1.5", false)]
    [InlineData("1.0", false)]
    [InlineData("1e3", false)]
    [InlineData("1E3", false)]
    [InlineData("\"1\"", false)]
    [InlineData("null", false)]
    [InlineData("true", false)]
    [InlineData("[]", false)]
    [InlineData("{}", false)]
    [InlineData("1e400", false)]
    public void Checks_mutation_ids(string id, bool valid) =>
        AssertValidity(Utf8("{\"collections\": [{\"name\": \"notes\", \"mutations\": [{\"id\": " + id + ", \"op\": \"put\", \"itemId\": \"a\", \"data\": {}}]}]}"), valid);

    [Fact]
    public void Requires_a_mutation_id() =>
        AssertInvalid(Utf8("{\"collections\": [{\"name\": \"notes\", \"mutations\": [{\"op\": \"put\", \"itemId\": \"a\", \"data\": {}}]}]}"));

    [Theory]
    [InlineData("\"put\"", true)]
    [InlineData("\"delete\"", true)]
    [InlineData("\"restore\"", false)]
    [InlineData("\"PUT\"", false)]
    [InlineData("\"Put\"", false)]
    [InlineData("\"\"", false)]
    [InlineData("\"patch\"", false)]
    [InlineData("1", false)]
    [InlineData("null", false)]
    public void Checks_the_op(string op, bool valid) =>
        AssertValidity(Utf8("{\"collections\": [{\"name\": \"notes\", \"mutations\": [{\"id\": 1, \"op\": " + op + ", \"itemId\": \"a\", \"data\": {}}]}]}"), valid);

    [Theory]
    [InlineData("a", true)]
    [InlineData("A-z_0.9~", true)]
    [InlineData("~", true)]
    [InlineData("", false)]
    [InlineData("a/b", false)]
    [InlineData("a b", false)]
    [InlineData("a:b", false)]
    [InlineData("é", false)]
    [InlineData("a\n", false)]
    public void Checks_item_ids(string itemId, bool valid) => AssertValidity(SyncBody(Collection("notes", null, null, Put(1, itemId))), valid);

    [Fact]
    public void Item_ids_are_at_most_128_characters()
    {
        AssertValidity(SyncBody(Collection("notes", null, null, Put(1, new string('x', 128)))), true);
        AssertValidity(SyncBody(Collection("notes", null, null, Put(1, new string('x', 129)))), false);
    }

    [Theory]
    [InlineData("\"itemId\": 5")]
    [InlineData("\"itemId\": null")]
    [InlineData("\"itemId\": \"\\ud800\"")]
    [InlineData("\"other\": 1")]
    public void Rejects_bad_or_missing_item_ids(string itemId) =>
        AssertInvalid(Utf8("{\"collections\": [{\"name\": \"notes\", \"mutations\": [{\"id\": 1, \"op\": \"delete\", " + itemId + "}]}]}"));

    [Theory]
    [InlineData("", true, null)]
    [InlineData(", \"baseVersion\": null", true, null)]
    [InlineData(", \"baseVersion\": 0", true, 0L)]
    [InlineData(", \"baseVersion\": 9007199254740991", true, MaxSafe)]
    [InlineData(", \"baseVersion\": 9007199254740992", false, null)]
    [InlineData(", \"baseVersion\": -1", false, null)]
    [InlineData(", \"baseVersion\": 1.5", false, null)]
    [InlineData(", \"baseVersion\": \"3\"", false, null)]
    [InlineData(", \"baseVersion\": true", false, null)]
    public void Checks_the_base_version(string property, bool valid, long? expected)
    {
        var result = SyncRequestParser.Parse(Utf8("{\"collections\": [{\"name\": \"notes\", \"mutations\": [{\"id\": 1, \"op\": \"delete\", \"itemId\": \"a\"" + property + "}]}]}"));
        Assert.Equal(valid, result.IsValid);
        if (valid)
        {
            Assert.Equal(expected, Assert.Single(Assert.Single(result.Value!.Collections).Mutations).BaseVersion);
        }
    }

    [Theory]
    [InlineData("\"version\": 1,", true)]
    [InlineData("\"version\": 9007199254740991,", true)]
    [InlineData("\"version\": 9007199254740992,", false)]
    [InlineData("\"version\": 0,", false)]
    [InlineData("\"version\": -3,", false)]
    [InlineData("\"version\": 2.5,", false)]
    [InlineData("\"version\": \"7\",", false)]
    [InlineData("\"version\": null,", false)]
    [InlineData("", false)]
    public void A_restore_needs_a_version(string version, bool valid) =>
        AssertValidity(Utf8("{\"collections\": [{\"name\": \"notes\", \"mutations\": [{\"id\": 1, \"op\": \"restore\", \"itemId\": \"a\", " + version + " \"data\": {\"x\": 1}}]}]}"), valid);

    [Theory]
    [InlineData("put", "", false)]
    [InlineData("put", ", \"data\": null", false)]
    [InlineData("put", ", \"data\": []", false)]
    [InlineData("put", ", \"data\": \"{}\"", false)]
    [InlineData("put", ", \"data\": 1", false)]
    [InlineData("put", ", \"data\": {}", true)]
    [InlineData("put", ", \"data\": {\"a\": [1, {\"b\": null}]}", true)]
    [InlineData("restore", ", \"version\": 3", false)]
    [InlineData("restore", ", \"version\": 3, \"data\": null", false)]
    [InlineData("restore", ", \"version\": 3, \"data\": [1]", false)]
    [InlineData("restore", ", \"version\": 3, \"data\": {}", true)]
    [InlineData("delete", "", true)]
    [InlineData("delete", ", \"data\": null", true)]
    [InlineData("delete", ", \"data\": {\"ignored\": true}", true)]
    [InlineData("delete", ", \"data\": 5", true)]
    public void Checks_data_by_op(string op, string rest, bool valid) =>
        AssertValidity(Utf8("{\"collections\": [{\"name\": \"notes\", \"mutations\": [{\"id\": 1, \"op\": \"" + op + "\", \"itemId\": \"a\"" + rest + "}]}]}"), valid);

    [Fact]
    public void A_delete_carries_no_data()
    {
        var mutation = Assert.Single(Assert.Single(ParseValid(Utf8("{\"collections\": [{\"name\": \"notes\", \"mutations\": [{\"id\": 1, \"op\": \"delete\", \"itemId\": \"a\", \"data\": {\"x\": 1}}]}]}")).Collections).Mutations);
        Assert.Null(mutation.Data);
    }

    [Fact]
    public void Data_passes_through_as_raw_text()
    {
        const string data = "{ \"b\" : 1.50, \"a\": \"\\u00e9\", \"n\": [null, 1e3, {\"deep\": true}] }";
        var mutation = Assert.Single(Assert.Single(ParseValid(WithRawData(data)).Collections).Mutations);
        Assert.Equal(data, mutation.Data);
    }

    [Fact]
    public void Data_of_exactly_256_KiB_is_accepted_and_one_byte_more_is_too_large()
    {
        var exact = DataOfSize(256 * 1024);
        Assert.Equal(256 * 1024, exact.Length);
        Assert.Equal(exact, Assert.Single(Assert.Single(ParseValid(WithRawData(exact)).Collections).Mutations).Data);
        AssertTooLarge(WithRawData(DataOfSize((256 * 1024) + 1)));
    }

    [Fact]
    public void Data_size_counts_utf8_bytes()
    {
        // 'é' is two bytes in UTF-8: 131,068 of them plus {"v":""} is 256 KiB; one more is over.
        var ok = "{\"v\":\"" + new string('é', ((256 * 1024) - 8) / 2) + "\"}";
        Assert.True(SyncRequestParser.Parse(WithRawData(ok)).IsValid);
        var over = "{\"v\":\"" + new string('é', (((256 * 1024) - 8) / 2) + 1) + "\"}";
        AssertTooLarge(WithRawData(over));
    }

    [Fact]
    public void A_body_over_4_MiB_is_too_large()
    {
        var body = new byte[(4 * 1024 * 1024) + 1];
        Array.Fill(body, (byte)' ');
        AssertTooLarge(body);
    }

    [Fact]
    public void A_body_of_4_MiB_is_read()
    {
        var core = Utf8(SyncBody(Collection("notes")));
        var body = new byte[4 * 1024 * 1024];
        Array.Fill(body, (byte)' ');
        core.CopyTo(body, 0);
        Assert.True(SyncRequestParser.Parse(body).IsValid);
    }

    [Fact]
    public void Ignores_unknown_properties_everywhere()
    {
        var body = Utf8("{\"v\": 2, \"collections\": [{\"name\": \"notes\", \"x\": [1], \"mutations\": [{\"id\": 1, \"op\": \"put\", \"itemId\": \"a\", \"data\": {}, \"extra\": {\"y\": null}}]}]}");
        Assert.Single(Assert.Single(ParseValid(body).Collections).Mutations);
    }

    [Fact]
    public void Rejects_duplicate_property_names_at_any_depth()
    {
        AssertInvalid(Utf8("{\"collections\": [{\"name\": \"notes\", \"name\": \"tasks\"}]}"));
        AssertInvalid(Utf8("{\"collections\": [{\"name\": \"notes\", \"mutations\": [{\"id\": 1, \"id\": 2, \"op\": \"delete\", \"itemId\": \"a\"}]}]}"));
        AssertInvalid(WithRawData("{\"a\": 1, \"a\": 2}"));
    }

    [Fact]
    public void Rejects_nesting_deeper_than_the_limit()
    {
        var deep = new string('[', 100) + new string(']', 100);
        AssertInvalid(WithRawData("{\"a\": " + deep + "}"));
        Assert.True(SyncRequestParser.Parse(WithRawData("{\"a\": " + new string('[', 50) + new string(']', 50) + "}")).IsValid);
    }

    [Fact]
    public void One_bad_mutation_rejects_the_whole_request()
    {
        var body = SyncBody(
            Collection("notes", null, null, Put(1, "a"), Put(2, "b")),
            Collection("tasks", null, null, Put(3, "c"), Put(0, "d")));
        AssertInvalid(Utf8(body));
    }

    [Fact]
    public void Lone_surrogates_are_a_problem_not_an_exception()
    {
        AssertInvalid(Utf8("{\"collections\": [{\"name\": \"\\udc00\"}]}"));
        AssertInvalid(Utf8("{\"collections\": [{\"name\": \"notes\", \"cursor\": \"\\ud800\"}]}"));
        AssertInvalid(Utf8("{\"collections\": [{\"name\": \"notes\", \"curs\\ud800or\": null}]}"));
    }

    private static SyncRequest ParseValid(JsonNode body) => ParseValid(Utf8(body));

    private static SyncRequest ParseValid(byte[] body)
    {
        var result = SyncRequestParser.Parse(body);
        Assert.True(result.IsValid, result.Problem?.Detail);
        return result.Value;
    }

    private static void AssertValidity(JsonNode body, bool valid) => AssertValidity(Utf8(body), valid);

    private static void AssertValidity(byte[] body, bool valid)
    {
        var result = SyncRequestParser.Parse(body);
        Assert.True(valid == result.IsValid, result.Problem?.Detail ?? "parsed as valid");
        if (!valid)
        {
            Assert.Equal(ProblemCodes.InvalidRequest, result.Problem!.Code);
        }
    }

    private static void AssertInvalid(byte[] body)
    {
        var result = SyncRequestParser.Parse(body);
        Assert.False(result.IsValid);
        Assert.Equal(ProblemCodes.InvalidRequest, result.Problem!.Code);
        Assert.Equal(400, result.Problem.Status);
    }

    private static void AssertTooLarge(byte[] body)
    {
        var result = SyncRequestParser.Parse(body);
        Assert.False(result.IsValid);
        Assert.Equal(ProblemCodes.PayloadTooLarge, result.Problem!.Code);
        Assert.Equal(413, result.Problem.Status);
    }
}
