using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;

namespace DeviceSync.Grains.Storage;

/// <summary>
/// Sends one entity-group transaction (<c>POST {service}/$batch</c>, a multipart/mixed body around one change set) the way
/// the SDK's <see cref="TableClient.SubmitTransactionAsync"/> does, but written straight into one byte buffer and with
/// only the answer's status lines, ETags and error read back. The SDK builds the multipart body as strings twice (once
/// to measure it, once to write it) and parses the answer line by line into strings and dictionaries: that was 82 % of
/// what a silo allocated and a quarter of its CPU under write load (docs/benchmarks.md, "Where a group-commit commit's
/// cost goes"). Used for the journal's hot path only (an append's pair, group-commit batches); everything else keeps
/// the SDK. It goes through the replica's own Azure pipeline (retries, time-out, the tests' fault policies) and the
/// replica's SAS, so a request looks to the service exactly as the SDK's; <see cref="TryCreate"/> declines replicas
/// whose connection string has no account key (they keep the SDK).
/// <para>Failures come back as <see cref="TableTransactionActionFailedException"/>, with the index of the action the
/// service names (the <c>n:</c> prefix of its error message), as the SDK's <c>TableTransactionFailedException</c> does.</para>
/// </summary>
internal sealed class TableTransactionSender
{
    /// <summary>The table service version Azure.Data.Tables 12.11 sends (captured from its own <c>$batch</c> requests).</summary>
    internal const string ServiceVersion = "2020-12-06";

    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    private readonly HttpPipeline _pipeline;
    private readonly string _serviceUri;
    private readonly byte[] _tablePath;
    private readonly byte[] _host;
    private readonly Func<string> _sas;

    internal TableTransactionSender(HttpPipeline pipeline, Uri serviceUri, string tableName, Func<string> sas)
    {
        _pipeline = pipeline;
        _serviceUri = serviceUri.AbsoluteUri.TrimEnd('/');
        _tablePath = Encoding.UTF8.GetBytes(_serviceUri + "/" + tableName);
        _host = Encoding.UTF8.GetBytes(serviceUri.Host);
        _sas = sas;
    }

    /// <summary>A sender for <paramref name="table"/>, or null when the replica's requests are not signed with a SAS of ours.</summary>
    public static TableTransactionSender? TryCreate(ReplicaClients clients, TableClientOptions options, string tableName) =>
        clients.UsesSas ? new(HttpPipelineBuilder.Build(options), clients.Tables.Uri, tableName, clients.CurrentTableSas) : null;

    /// <summary>Sends <paramref name="actions"/> as one transaction; returns each action's ETag (default for deletes).</summary>
    /// <exception cref="TableTransactionActionFailedException">The service refused the transaction; nothing of it was applied.</exception>
    /// <exception cref="RequestFailedException">The request as a whole failed (authorization, throttling after retries, …).</exception>
    public async Task<ETag[]> SubmitAsync(IReadOnlyList<TableTransactionAction> actions, CancellationToken token)
    {
        var batchBoundary = "batch_" + Guid.NewGuid().ToString("N");
        var changesetBoundary = "changeset_" + Guid.NewGuid().ToString("N");
        var body = new ArrayBufferWriter<byte>(1024 + (512 * actions.Count));
        WriteBody(body, actions, batchBoundary, changesetBoundary);

        using var message = _pipeline.CreateMessage();
        var request = message.Request;
        request.Method = RequestMethod.Post;
        request.Uri.Reset(new Uri(_serviceUri + "/$batch?" + _sas()));
        request.Headers.Add("x-ms-version", ServiceVersion);
        request.Headers.Add("DataServiceVersion", "3.0");
        request.Headers.Add(HttpHeader.Names.Accept, "application/json");
        request.Headers.Add(HttpHeader.Names.ContentType, "multipart/mixed; boundary=" + batchBoundary);
        request.Content = RequestContent.Create(body.WrittenMemory);
        await _pipeline.SendAsync(message, token).ConfigureAwait(false);

        var response = message.Response;
        if (response.Status != 202)
        {
            var (code, text) = ReadError(response.Content.ToMemory().Span);
            throw new RequestFailedException(response.Status, text ?? $"The transaction failed with status {response.Status}.", code, null);
        }

        return ReadAnswer(response.Content.ToMemory().Span, actions.Count);
    }

    internal void WriteBody(IBufferWriter<byte> body, IReadOnlyList<TableTransactionAction> actions, string batchBoundary, string changesetBoundary)
    {
        Append(body, "--"u8);
        Append(body, batchBoundary);
        Append(body, "\r\nContent-Type: multipart/mixed; boundary="u8);
        Append(body, changesetBoundary);
        Append(body, "\r\n\r\n"u8);
        foreach (var action in actions)
        {
            Append(body, "--"u8);
            Append(body, changesetBoundary);
            Append(body, "\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"u8);
            var entity = action.Entity;
            var (method, keyed, ifMatch, hasBody) = action.ActionType switch
            {
                TableTransactionActionType.Add => ("POST ", false, false, true),
                TableTransactionActionType.UpdateMerge => ("PATCH ", true, true, true),
                TableTransactionActionType.UpdateReplace => ("PUT ", true, true, true),
                TableTransactionActionType.UpsertMerge => ("PATCH ", true, false, true),
                TableTransactionActionType.UpsertReplace => ("PUT ", true, false, true),
                TableTransactionActionType.Delete => ("DELETE ", true, true, false),
                _ => throw new NotSupportedException($"Transaction action {action.ActionType}."),
            };
            Append(body, method);
            Append(body, _tablePath);
            if (keyed)
            {
                Append(body, "(PartitionKey='"u8);
                Append(body, Uri.EscapeDataString(entity.PartitionKey.Replace("'", "''", StringComparison.Ordinal)));
                Append(body, "',RowKey='"u8);
                Append(body, Uri.EscapeDataString(entity.RowKey.Replace("'", "''", StringComparison.Ordinal)));
                Append(body, "')"u8);
            }

            Append(body, "?$format=application%2Fjson%3Bodata%3Dminimalmetadata HTTP/1.1\r\nHost: "u8);
            Append(body, _host);
            Append(body, "\r\nx-ms-version: "u8);
            Append(body, ServiceVersion);
            Append(body, "\r\nDataServiceVersion: 3.0\r\n"u8);
            if (ifMatch)
            {
                Append(body, "If-Match: "u8);
                Append(body, action.ETag == default ? "*" : action.ETag.ToString());
                Append(body, Crlf);
            }

            switch (action.ActionType)
            {
                case TableTransactionActionType.Add:
                    Append(body, "Prefer: return-no-content\r\nAccept: application/json;odata=minimalmetadata\r\nContent-Type: application/json;odata=nometadata\r\n\r\n"u8);
                    break;
                case TableTransactionActionType.Delete:
                    Append(body, "Accept: application/json;odata=minimalmetadata\r\n\r\n"u8);
                    break;
                default:
                    Append(body, "Accept: application/json\r\nContent-Type: application/json\r\n\r\n"u8);
                    break;
            }

            if (hasBody)
            {
                WriteEntity(body, entity);
            }

            Append(body, Crlf);
        }

        Append(body, "--"u8);
        Append(body, changesetBoundary);
        Append(body, "--\r\n\r\n--"u8);
        Append(body, batchBoundary);
        Append(body, "--\r\n"u8);
    }

    /// <summary>The entity as the table service's JSON: properties whose JSON type is ambiguous carry <c>@odata.type</c>.</summary>
    internal static void WriteEntity(IBufferWriter<byte> body, ITableEntity entity)
    {
        using var json = new Utf8JsonWriter(body);
        json.WriteStartObject();
        json.WriteString("PartitionKey", entity.PartitionKey);
        json.WriteString("RowKey", entity.RowKey);
        if (entity is TableEntity properties)
        {
            foreach (var (name, value) in properties)
            {
                if (name is "PartitionKey" or "RowKey" or "odata.etag" or "Timestamp")
                {
                    continue;
                }

                WriteProperty(json, name, value);
            }
        }
        else
        {
            throw new NotSupportedException($"Entities of type {entity.GetType().Name}: only TableEntity is written here.");
        }

        json.WriteEndObject();
    }

    private static void WriteProperty(Utf8JsonWriter json, string name, object? value)
    {
        switch (value)
        {
            case null:
                return; // the SDK leaves null properties out as well
            case string text:
                json.WriteString(name, text);
                return;
            case int number:
                json.WriteNumber(name, number);
                return;
            case long number:
                json.WriteString(name, number.ToString(CultureInfo.InvariantCulture));
                json.WriteString(name + "@odata.type", "Edm.Int64");
                return;
            case bool flag:
                json.WriteBoolean(name, flag);
                return;
            case double number:
                json.WriteNumber(name, number);
                json.WriteString(name + "@odata.type", "Edm.Double");
                return;
            case byte[] bytes:
                json.WriteBase64String(name, bytes);
                json.WriteString(name + "@odata.type", "Edm.Binary");
                return;
            case BinaryData data:
                json.WriteBase64String(name, data.ToMemory().Span);
                json.WriteString(name + "@odata.type", "Edm.Binary");
                return;
            case Guid guid:
                json.WriteString(name, guid);
                json.WriteString(name + "@odata.type", "Edm.Guid");
                return;
            case DateTimeOffset time:
                json.WriteString(name, time.UtcDateTime.ToString("o", CultureInfo.InvariantCulture));
                json.WriteString(name + "@odata.type", "Edm.DateTime");
                return;
            case DateTime time:
                json.WriteString(name, time.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture));
                json.WriteString(name + "@odata.type", "Edm.DateTime");
                return;
            default:
                throw new NotSupportedException($"Property {name} of type {value.GetType().Name}.");
        }
    }

    /// <summary>
    /// Reads a 202's body: a multipart/mixed batch response holding one change-set response. Success is one
    /// <c>HTTP/1.1 2xx</c> part per action, in order; failure is a single part with the failed status and an OData error
    /// whose message starts with the failed action's index.
    /// </summary>
    internal static ETag[] ReadAnswer(ReadOnlySpan<byte> body, int actions)
    {
        var etags = new ETag[actions];
        var answered = 0;
        var rest = body;
        while (true)
        {
            var at = rest.IndexOf("HTTP/1.1 "u8);
            if (at < 0)
            {
                break;
            }

            rest = rest[(at + 9)..];
            if (rest.Length < 3 || !Utf8Parser.TryParse(rest[..3], out int status, out _))
            {
                throw new RequestFailedException(0, "The transaction's answer has an unreadable status line.");
            }

            // This part's headers end at the first empty line; its body (if any) runs to the next boundary.
            var headersEnd = rest.IndexOf("\r\n\r\n"u8);
            var headers = headersEnd < 0 ? rest : rest[..headersEnd];
            if (status >= 300)
            {
                var partBody = headersEnd < 0 ? ReadOnlySpan<byte>.Empty : rest[(headersEnd + 4)..];
                var boundary = partBody.IndexOf("\r\n--"u8);
                var (code, text) = ReadError(boundary < 0 ? partBody : partBody[..boundary]);
                throw new TableTransactionActionFailedException(status, text, code, FailedIndex(text, actions));
            }

            if (answered < actions)
            {
                etags[answered] = ReadETag(headers);
            }

            answered++;
        }

        if (answered != actions)
        {
            throw new RequestFailedException(0, $"The transaction's answer holds {answered} results for {actions} actions.");
        }

        return etags;
    }

    private static ETag ReadETag(ReadOnlySpan<byte> headers)
    {
        var at = headers.IndexOf("\r\nETag: "u8);
        if (at < 0)
        {
            return default;
        }

        var value = headers[(at + 8)..];
        var end = value.IndexOf(Crlf);
        return new ETag(Encoding.UTF8.GetString(end < 0 ? value : value[..end]));
    }

    /// <summary>The <c>code</c> and <c>message</c> of an OData error body (<c>{"odata.error":{"code":…,"message":{"value":…}}}</c>).</summary>
    internal static (string? Code, string? Message) ReadError(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            string? code = null, message = null;
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    continue;
                }

                if (reader.ValueTextEquals("code"u8) && reader.Read() && reader.TokenType == JsonTokenType.String)
                {
                    code ??= reader.GetString();
                }
                else if (reader.ValueTextEquals("value"u8) && reader.Read() && reader.TokenType == JsonTokenType.String)
                {
                    message ??= reader.GetString();
                }
            }

            return (code, message);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    /// <summary>The index before the first ':' of the error message ("1:The specified resource does not exist."), when it names an action.</summary>
    private static int? FailedIndex(string? message, int actions)
    {
        if (message is null)
        {
            return null;
        }

        var colon = message.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && int.TryParse(message.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < actions
            ? index
            : null;
    }

    private static void Append(IBufferWriter<byte> body, ReadOnlySpan<byte> bytes) => body.Write(bytes);

    private static void Append(IBufferWriter<byte> body, string text)
    {
        var span = body.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        body.Advance(Encoding.UTF8.GetBytes(text, span));
    }
}

/// <summary>The table service refused a transaction (nothing of it was applied); <see cref="FailedActionIndex"/> is the
/// action it named, when it named one.</summary>
internal sealed class TableTransactionActionFailedException(int status, string? message, string? errorCode, int? failedActionIndex, Exception? inner = null)
    : RequestFailedException(status, message ?? $"The transaction failed with status {status}.", errorCode, inner)
{
    public int? FailedActionIndex { get; } = failedActionIndex;
}
