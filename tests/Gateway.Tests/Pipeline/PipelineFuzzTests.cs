using System.Net;
using System.Net.Http.Headers;
using System.Text;
using DeviceSync.Gateway.Sync;

namespace DeviceSync.Gateway.Tests.Pipeline;

/// <summary>Malformed /v1/sync bodies over real HTTP: never a 5xx, always problem+json, and no grain is ever called.</summary>
[Collection(PipelineCollection.Name)]
public sealed class PipelineFuzzTests(PipelineHost host)
{
    [Fact]
    public async Task Malformed_bodies_never_reach_a_grain_or_get_a_5xx()
    {
        const string password = "correct horse battery staple";
        var accountId = "fz-" + Guid.NewGuid().ToString("N")[..12];
        using (var created = await host.Http.PostAsync("/v1/accounts", new StringContent("{\"accountId\": \"" + accountId + "\", \"password\": \"" + password + "\"}")))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using var register = new HttpRequestMessage(HttpMethod.Post, "/v1/devices") { Content = new StringContent("{\"name\": \"n\", \"platform\": \"p\"}") };
        register.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(accountId + ":" + password)));
        using var registered = await host.Http.SendAsync(register);
        var token = System.Text.Json.JsonDocument.Parse(await registered.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;

        var random = new Random(31337);
        var bodies = new List<byte[]>();
        while (bodies.Count < 1_500)
        {
            var body = Mutate(random);
            if (!SyncRequestParser.Parse(body).IsValid)
            {
                bodies.Add(body);
            }
        }

        await Parallel.ForEachAsync(bodies, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (body, cancellationToken) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/sync") { Content = new ByteArrayContent(body) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await host.Http.SendAsync(request, cancellationToken);
            Assert.Contains(response.StatusCode, new[] { HttpStatusCode.BadRequest, HttpStatusCode.RequestEntityTooLarge });
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        });

        Assert.DoesNotContain(host.Cluster.Collections.Keys, k => k.StartsWith(accountId + "/", StringComparison.Ordinal) && host.Cluster.Collections[k].Calls > 0);
    }

    private static byte[] Mutate(Random random)
    {
        var seed = "{\"collections\":[{\"name\":\"notes\",\"cursor\":\"" + random.Next(100) + "\",\"mutations\":[{\"id\":" + random.Next(1, 100) + ",\"op\":\"put\",\"itemId\":\"n-1\",\"baseVersion\":0,\"data\":{\"t\":[1,\"x\",null]}},{\"id\":200,\"op\":\"delete\",\"itemId\":\"n-2\"}]}]}";
        var bytes = Encoding.UTF8.GetBytes(seed).ToList();
        switch (random.Next(6))
        {
            case 0:
                return [.. bytes.Take(random.Next(bytes.Count))];
            case 1:
                for (var n = random.Next(1, 4); n > 0; n--)
                {
                    bytes[random.Next(bytes.Count)] = (byte)random.Next(256);
                }

                return [.. bytes];
            case 2:
                string[] fragments = ["{", "}", "[", "]", "\"", ",", ":", "null", "-1", "1.5", "1e999", "\\ud800", "\"id\":1,"];
                bytes.InsertRange(random.Next(bytes.Count + 1), Encoding.UTF8.GetBytes(fragments[random.Next(fragments.Length)]));
                return [.. bytes];
            case 3:
                var noise = new byte[random.Next(0, 300)];
                random.NextBytes(noise);
                return noise;
            case 4:
                bytes.RemoveRange(random.Next(bytes.Count / 2), random.Next(1, 10));
                return [.. bytes];
            default:
                var depth = random.Next(60, 400);
                return Encoding.UTF8.GetBytes(seed.Replace("{\"t\":", "{\"t\":" + new string('[', depth) + new string(']', depth) + ",\"u\":", StringComparison.Ordinal));
        }
    }
}
