using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeviceSync.Contracts.Sync;
using DeviceSync.Gateway.Problems;
using DeviceSync.Gateway.Sync;
using DeviceSync.Gateway.Validation;

namespace DeviceSync.Gateway.Tests.Fuzz;

/// <summary>
/// Thousands of malformed and mutated bodies through the parser (seeded, so a failure reproduces): it never throws,
/// every body is either rejected with a protocol code or, when valid, obeys every rule and round-trips.
/// </summary>
public sealed class SyncParserFuzzTests
{
    private const int Iterations = 8_000;

    private static readonly string[] Fragments =
    [
        "{", "}", "[", "]", "\"", ",", ":", "null", "true", "-", "0", "-0", "1.5", "1e999", "9007199254740992",
        "18446744073709551616", "\\", "\\u", "\\ud800", "\"\\ud800\"", "/*", "//", "\t", "\u0000", "\u2028", "é", "😀",
        "\"id\":1,", "\"op\":\"put\",", "\"collections\":[],", "NaN", "Infinity", "'x'", "\"data\":{},",
    ];

    private static readonly byte[][] BadUtf8 = [[0xFF], [0xC0, 0x80], [0xC3], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]];

    [Theory]
    [InlineData(20261126)]
    [InlineData(1)]
    [InlineData(424242)]
    public void Malformed_bodies_are_rejected_or_round_trip(int seed)
    {
        var random = new Random(seed);
        var seeds = Enumerable.Range(0, 64).Select(_ => ValidBody(random)).ToList();
        var valid = 0;
        var rejected = 0;
        for (var i = 0; i < Iterations; i++)
        {
            var body = Mutate(random, seeds[random.Next(seeds.Count)]);
            Validated<SyncRequest> result = default;
            var thrown = Record.Exception(() => result = SyncRequestParser.Parse(body));
            Assert.True(thrown is null, $"iteration {i} threw {thrown?.GetType().Name}: {Show(body)}");
            if (result.IsValid)
            {
                valid++;
                AssertObeysTheRules(result.Value, body);
                var again = SyncRequestParser.Parse(SyncRequestJson.Write(result.Value));
                Assert.True(again.IsValid, $"iteration {i}: the rewritten body was rejected: {again.Problem?.Detail}");
                Assert.Equal(SyncRequestJson.Describe(result.Value), SyncRequestJson.Describe(again.Value));
            }
            else
            {
                rejected++;
                Assert.Contains(result.Problem.Code, new[] { ProblemCodes.InvalidRequest, ProblemCodes.PayloadTooLarge });
                Assert.False(string.IsNullOrEmpty(result.Problem.Detail));
            }
        }

        Assert.True(rejected > Iterations / 2, $"only {rejected} of {Iterations} rejected");
        Assert.True(valid > 100, $"only {valid} of {Iterations} valid");
    }

    [Fact]
    public void Every_seed_is_valid_and_round_trips()
    {
        var random = new Random(7);
        for (var i = 0; i < 500; i++)
        {
            var body = ValidBody(random);
            var result = SyncRequestParser.Parse(body);
            Assert.True(result.IsValid, result.Problem?.Detail + " " + Show(body));
            Assert.Equal(SyncRequestJson.Describe(result.Value), SyncRequestJson.Describe(SyncRequestParser.Parse(SyncRequestJson.Write(result.Value)).Value!));
        }
    }

    [Fact]
    public void Wrong_values_in_required_places_are_always_rejected()
    {
        var random = new Random(99);
        JsonNode?[] wrongIds = [0, -1, 1.5, "1", null, true, new JsonArray(), new JsonObject(), JsonValue.Create(9007199254740992L), JsonNode.Parse("1e3")];
        JsonNode?[] wrongOps = ["PUT", "", "remove", 1, null, new JsonArray()];
        JsonNode?[] wrongItems = ["", "a b", new string('x', 129), "ü", 5, null];
        for (var i = 0; i < 2_000; i++)
        {
            var body = JsonNode.Parse(ValidBody(random))!.AsObject();
            var mutations = body["collections"]!.AsArray().SelectMany(c => c!["mutations"]!.AsArray()).Select(m => m!.AsObject()).ToList();
            if (mutations.Count == 0)
            {
                continue;
            }

            var target = mutations[random.Next(mutations.Count)];
            switch (random.Next(3))
            {
                case 0:
                    target["id"] = wrongIds[random.Next(wrongIds.Length)]?.DeepClone();
                    break;
                case 1:
                    target["op"] = wrongOps[random.Next(wrongOps.Length)]?.DeepClone();
                    break;
                default:
                    target["itemId"] = wrongItems[random.Next(wrongItems.Length)]?.DeepClone();
                    break;
            }

            var result = SyncRequestParser.Parse(Encoding.UTF8.GetBytes(body.ToJsonString()));
            Assert.False(result.IsValid, body.ToJsonString());
            Assert.Equal(ProblemCodes.InvalidRequest, result.Problem!.Code);
        }
    }

    private static void AssertObeysTheRules(SyncRequest request, byte[] body)
    {
        Assert.True(body.Length <= SyncLimits.MaxSyncBodyBytes);
        Assert.True(request.Collections.Count <= SyncLimits.MaxCollectionsPerSync);
        Assert.Equal(request.Collections.Count, request.Collections.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count());
        foreach (var part in request.Collections)
        {
            Assert.True(Names.IsCollectionName(part.Name), part.Name);
            Assert.InRange(part.Limit, 1, SyncLimits.MaxChangesLimit);
            Assert.True(part.Cursor is null or >= 0 and <= SyncLimits.MaxSafeInteger);
            Assert.True(part.Mutations.Count <= SyncLimits.MaxMutationsPerCollection);
            foreach (var m in part.Mutations)
            {
                Assert.InRange(m.Id, 1, SyncLimits.MaxSafeInteger);
                Assert.True(Names.IsItemId(m.ItemId), m.ItemId);
                Assert.True(m.BaseVersion is null or >= 0 and <= SyncLimits.MaxSafeInteger);
                if (m.Op == MutationOp.Delete)
                {
                    Assert.Null(m.Data);
                }
                else
                {
                    Assert.Contains(m.Op, new[] { MutationOp.Put, MutationOp.Restore });
                    Assert.NotNull(m.Data);
                    Assert.True(Encoding.UTF8.GetByteCount(m.Data) <= SyncLimits.MaxItemDataBytes);
                    using var data = JsonDocument.Parse(m.Data);
                    Assert.Equal(JsonValueKind.Object, data.RootElement.ValueKind);
                }

                if (m.Op == MutationOp.Restore)
                {
                    Assert.InRange(m.Version, 1, SyncLimits.MaxSafeInteger);
                }
            }
        }
    }

    private static byte[] Mutate(Random random, byte[] seed)
    {
        var bytes = seed.ToList();
        switch (random.Next(12))
        {
            case 0:
                return RandomBytes(random);
            case 1:
                return [.. bytes.Take(random.Next(bytes.Count))];
            case 2:
                for (var n = random.Next(1, 4); n > 0; n--)
                {
                    bytes[random.Next(bytes.Count)] = (byte)random.Next(256);
                }

                return [.. bytes];
            case 3:
                bytes.InsertRange(random.Next(bytes.Count + 1), Encoding.UTF8.GetBytes(Fragments[random.Next(Fragments.Length)]));
                return [.. bytes];
            case 4:
            {
                var start = random.Next(bytes.Count);
                bytes.RemoveRange(start, random.Next(Math.Min(20, bytes.Count - start) + 1));
                return [.. bytes];
            }

            case 5:
            {
                var start = random.Next(bytes.Count);
                var span = bytes.GetRange(start, random.Next(Math.Min(30, bytes.Count - start) + 1));
                bytes.InsertRange(random.Next(bytes.Count + 1), span);
                return [.. bytes];
            }

            case 6:
                bytes.InsertRange(random.Next(bytes.Count + 1), BadUtf8[random.Next(BadUtf8.Length)]);
                return [.. bytes];
            case 7:
            {
                var depth = random.Next(30, 200);
                var deep = new string('[', depth) + new string(']', depth);
                var text = Encoding.UTF8.GetString(seed);
                var at = text.IndexOf("\"data\":{", StringComparison.Ordinal);
                return at < 0
                    ? Encoding.UTF8.GetBytes("{\"collections\":" + deep + "}")
                    : Encoding.UTF8.GetBytes(text.Insert(at + 8, "\"deep\":" + deep + ","));
            }

            case 8:
            {
                // Duplicate a key right after an opening brace.
                var text = Encoding.UTF8.GetString(seed);
                var brace = text.IndexOf('{', random.Next(text.Length));
                return brace < 0 ? seed : Encoding.UTF8.GetBytes(text.Insert(brace + 1, random.Next(2) == 0 ? "\"id\":1," : "\"name\":\"x\","));
            }

            case 9:
                return ReplaceValue(random, seed);
            case 10:
                return seed;
            default:
            {
                // Swap a number for an extreme or fractional one.
                var text = Encoding.UTF8.GetString(seed);
                string[] numbers = ["1e400", "-1", "0", "9007199254740991", "9007199254740992", "1.0", "123456789012345678901234567890", "-0", "1E2", "0.5"];
                var digits = Enumerable.Range(0, text.Length).Where(p => char.IsDigit(text[p]) && (p == 0 || text[p - 1] == ':')).ToList();
                if (digits.Count == 0)
                {
                    return seed;
                }

                var start = digits[random.Next(digits.Count)];
                var end = start;
                while (end < text.Length && char.IsDigit(text[end]))
                {
                    end++;
                }

                return Encoding.UTF8.GetBytes(text[..start] + numbers[random.Next(numbers.Length)] + text[end..]);
            }
        }
    }

    /// <summary>Replaces one value anywhere in the document with a value of a random (often wrong) kind.</summary>
    private static byte[] ReplaceValue(Random random, byte[] seed)
    {
        var root = JsonNode.Parse(seed)!;
        var objects = new List<JsonObject>();
        Collect(root, objects);
        var target = objects[random.Next(objects.Count)];
        var keys = target.Select(p => p.Key).ToList();
        JsonNode?[] values =
        [
            null, true, 0, -5, 1.25, "", "x", "01", new JsonArray(), new JsonObject(), new JsonArray(1, 2),
            JsonValue.Create(long.MaxValue), "9007199254740991", new string('a', 300), JsonNode.Parse("{\"a\":{\"b\":[]}}"),
        ];
        var key = keys.Count == 0 || random.Next(5) == 0 ? "unknown" : keys[random.Next(keys.Count)];
        target[key] = values[random.Next(values.Length)]?.DeepClone();
        if (random.Next(6) == 0)
        {
            target.Remove(keys.Count > 0 ? keys[random.Next(keys.Count)] : "x");
        }

        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    private static void Collect(JsonNode? node, List<JsonObject> objects)
    {
        switch (node)
        {
            case JsonObject o:
                objects.Add(o);
                foreach (var (_, child) in o)
                {
                    Collect(child, objects);
                }

                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    Collect(child, objects);
                }

                break;
        }
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 256)];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] ValidBody(Random random)
    {
        string[] names = ["contacts", "calendar", "tasks", "notes", "photos", "a", "x-1"];
        var collections = new JsonArray();
        var chosen = names.OrderBy(_ => random.Next()).Take(random.Next(1, 4));
        var id = (long)random.Next(1, 1000);
        foreach (var name in chosen)
        {
            var collection = new JsonObject { ["name"] = name };
            if (random.Next(2) == 0)
            {
                collection["cursor"] = random.Next(3) == 0 ? null : random.Next(0, 100_000).ToString(CultureInfo.InvariantCulture);
            }

            if (random.Next(2) == 0)
            {
                collection["limit"] = random.Next(1, 1001);
            }

            var mutations = new JsonArray();
            for (var n = random.Next(0, 5); n > 0; n--)
            {
                id += random.Next(1, 5);
                var op = random.Next(3);
                var m = new JsonObject { ["id"] = id, ["op"] = op switch { 0 => "put", 1 => "delete", _ => "restore" }, ["itemId"] = $"item-{random.Next(50)}" };
                if (random.Next(2) == 0)
                {
                    m["baseVersion"] = random.Next(0, 100);
                }

                if (op == 2)
                {
                    m["version"] = random.Next(1, 100);
                }

                if (op != 1)
                {
                    m["data"] = new JsonObject { ["name"] = $"n{random.Next(1000)}", ["tags"] = new JsonArray("a", 1, null), ["nested"] = new JsonObject { ["ok"] = true } };
                }

                mutations.Add(m);
            }

            collection["mutations"] = mutations;
            collections.Add(collection);
        }

        return Encoding.UTF8.GetBytes(new JsonObject { ["collections"] = collections }.ToJsonString());
    }

    private static string Show(byte[] body) => body.Length > 300 ? Convert.ToHexString(body, 0, 300) + "..." : Convert.ToHexString(body);
}
