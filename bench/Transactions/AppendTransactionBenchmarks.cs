using System.Diagnostics.CodeAnalysis;
using System.Text;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using BenchmarkDotNet.Attributes;
using DeviceSync.Grains.Storage;

namespace DeviceSync.Bench.Transactions;

/// <summary>
/// One append's pair (insert row n with a 200-byte inline payload + merge row n-1), and a group-commit batch of eight
/// such pairs, built, "sent" and read back by each writer.
/// </summary>
[MemoryDiagnoser]
[InProcess] // no generated project: this one's assembly name is not its file name, and it needs Grains' internals anyway
public class AppendTransactionBenchmarks
{
    // Azurite's well-known development key: nothing is ever sent anywhere.
    private const string ConnectionString =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        "BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;TableEndpoint=http://127.0.0.1:3/devstoreaccount1;";

    private TableClient _table = null!;
    private TableTransactionSender _sender = null!;
    private List<TableTransactionAction> _pair = null!;
    private List<TableTransactionAction> _batch = null!;

    [GlobalSetup]
    public void Setup()
    {
        var options = new TableClientOptions { Transport = new AnsweringTransport() };
        options.Retry.MaxRetries = 0;
        var clients = new ReplicaClients(ConnectionString, options, new BlobClientOptions());
        _table = clients.Tables.GetTableClient("benchjournal2");
        _sender = TableTransactionSender.TryCreate(clients, options, "benchjournal2")
            ?? throw new InvalidOperationException("The connection string has a key, so the sender should exist.");
        _pair = Pair(0);
        _batch = Enumerable.Range(0, 8).SelectMany(Pair).ToList();
    }

    [Benchmark(Baseline = true, Description = "pair, SDK")]
    public async Task<ETag?> PairBySdk() => (await _table.SubmitTransactionAsync(_pair)).Value[0].Headers.ETag;

    [Benchmark(Description = "pair, hand-written")]
    public async Task<ETag> PairByHand() => (await _sender.SubmitAsync(_pair, CancellationToken.None))[0];

    [Benchmark(Description = "group of 8 pairs, SDK")]
    public async Task<ETag?> GroupBySdk() => (await _table.SubmitTransactionAsync(_batch)).Value[0].Headers.ETag;

    [Benchmark(Description = "group of 8 pairs, hand-written")]
    public async Task<ETag> GroupByHand() => (await _sender.SubmitAsync(_batch, CancellationToken.None))[0];

    /// <summary>An append's two actions as <c>JournalReplica</c> makes them (layout 2 keys, format V = 1 properties).</summary>
    private static List<TableTransactionAction> Pair(int stream)
    {
        var key = $"acct-{stream:D4}0f8fad5bd9cb469fa16570867728950e~2Fcontacts";
        var payload = new byte[200];
        Random.Shared.NextBytes(payload);
        var entry = new TableEntity("s01", key + "!0000000000000000042")
        {
            ["V"] = 1,
            ["EntryId"] = Guid.NewGuid().ToString("N"),
            ["PrevId"] = Guid.NewGuid().ToString("N"),
            ["Chain"] = Convert.ToBase64String(new byte[32]),
            ["Hash"] = Convert.ToBase64String(new byte[32]),
            ["Length"] = 200,
            ["P00"] = payload,
        };
        return
        [
            new TableTransactionAction(TableTransactionActionType.Add, entry),
            new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity("s01", key + "!0000000000000000041"), ETag.All),
        ];
    }

    /// <summary>Answers each <c>$batch</c> as the table service does when every action succeeded: a 202 whose multipart
    /// body holds one <c>204</c> with an <c>ETag</c> per action, in the boundaries the request used.</summary>
    private sealed class AnsweringTransport : HttpPipelineTransport
    {
        public override Azure.Core.Request CreateRequest() => HttpClientTransport.Shared.CreateRequest();

        public override void Process(HttpMessage message) => ProcessAsync(message).AsTask().GetAwaiter().GetResult();

        public override ValueTask ProcessAsync(HttpMessage message)
        {
            var request = message.Request;
            var body = new MemoryStream();
            request.Content!.WriteTo(body, CancellationToken.None);
            var text = Encoding.UTF8.GetString(body.GetBuffer(), 0, (int)body.Length);
            var batch = Boundary(request.Headers.TryGetValue("Content-Type", out var type) ? type : "", "boundary=");
            var changeset = Boundary(text, "boundary=");
            var actions = CountOf(text, "Content-Transfer-Encoding: binary");
            var answer = new StringBuilder();
            answer.Append("--batchresponse_").Append(batch).Append("\r\nContent-Type: multipart/mixed; boundary=changesetresponse_").Append(changeset).Append("\r\n\r\n");
            for (var i = 0; i < actions; i++)
            {
                answer.Append("--changesetresponse_").Append(changeset).Append("\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n")
                    .Append("HTTP/1.1 204 No Content\r\nX-Content-Type-Options: nosniff\r\nCache-Control: no-cache\r\nDataServiceVersion: 3.0;\r\n")
                    .Append("ETag: W/\"datetime'2026-11-27T02%3A54%3A29.9061310Z'\"\r\n\r\n\r\n");
            }

            answer.Append("--changesetresponse_").Append(changeset).Append("--\r\n--batchresponse_").Append(batch).Append("--\r\n");
            message.Response = new AnsweredResponse(Encoding.UTF8.GetBytes(answer.ToString()), "multipart/mixed; boundary=batchresponse_" + batch);
            return ValueTask.CompletedTask;
        }

        /// <summary>The part after "batch_"/"changeset_" of the first boundary parameter found.</summary>
        private static string Boundary(string text, string marker)
        {
            var at = text.IndexOf(marker, StringComparison.Ordinal) + marker.Length;
            var underscore = text.IndexOf('_', at) + 1;
            var end = underscore;
            while (end < text.Length && text[end] is not ('\r' or '\n' or ';' or ' '))
            {
                end++;
            }

            return text[underscore..end];
        }

        private static int CountOf(string text, string what)
        {
            var count = 0;
            for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
            {
                count++;
            }

            return count;
        }
    }

    private sealed class AnsweredResponse(byte[] body, string contentType) : Response
    {
        public override int Status => 202;

        public override string ReasonPhrase => "Accepted";

        public override Stream? ContentStream { get; set; } = new MemoryStream(body);

        public override string ClientRequestId { get; set; } = "";

        public override void Dispose()
        {
        }

        protected override bool ContainsHeader(string name) => TryGetHeader(name, out _);

        protected override IEnumerable<HttpHeader> EnumerateHeaders() => [new HttpHeader("Content-Type", contentType)];

        protected override bool TryGetHeader(string name, [NotNullWhen(true)] out string? value)
        {
            value = string.Equals(name, "Content-Type", StringComparison.OrdinalIgnoreCase) ? contentType : null;
            return value is not null;
        }

        protected override bool TryGetHeaderValues(string name, [NotNullWhen(true)] out IEnumerable<string>? values)
        {
            values = TryGetHeader(name, out var value) ? [value] : null;
            return values is not null;
        }
    }
}
