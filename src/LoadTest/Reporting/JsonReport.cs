using System.Text.Json;

namespace DeviceSync.LoadTest.Reporting;

/// <summary>How <c>--json</c> writes a <see cref="BenchReport"/>: camelCase, indented.</summary>
public static class JsonReport
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
