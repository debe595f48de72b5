using System.Globalization;
using System.Net;
using System.Text;

namespace DeviceSync.LoadTest.Run;

/// <summary>A line chart as inline SVG (no script, no external files): one or more series over the run's seconds, with marked moments.</summary>
public static class SvgChart
{
    private const int Width = 900;
    private const int Height = 260;
    private const int Left = 60;
    private const int Right = 20;
    private const int Top = 30;
    private const int Bottom = 40;

    public static string Render(string title, string unit, IReadOnlyList<(string Name, string Color, IReadOnlyList<double> Values)> series,
        IReadOnlyList<(double Second, string Label)> markers)
    {
        var c = CultureInfo.InvariantCulture;
        var points = Math.Max(2, series.Max(s => s.Values.Count));
        var max = NiceCeiling(series.SelectMany(s => s.Values).DefaultIfEmpty(0).Max());
        var plotW = Width - Left - Right;
        var plotH = Height - Top - Bottom;
        double X(double second) => Left + (second / (points - 1)) * plotW;
        double Y(double value) => Top + plotH - (value / max) * plotH;

        var sb = new StringBuilder();
        sb.AppendLine(c, $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" role=\"img\" aria-label=\"{Esc(title)}\">");
        sb.AppendLine(c, $"<text x=\"{Left}\" y=\"18\" font-size=\"14\" font-weight=\"bold\">{Esc(title)}</text>");
        for (var i = 0; i <= 4; i++)
        {
            var value = max * i / 4;
            var y = Y(value);
            sb.AppendLine(c, $"<line x1=\"{Left}\" y1=\"{y:F1}\" x2=\"{Width - Right}\" y2=\"{y:F1}\" stroke=\"#ddd\"/>");
            sb.AppendLine(c, $"<text x=\"{Left - 6}\" y=\"{y + 4:F1}\" font-size=\"11\" text-anchor=\"end\">{value:G4}</text>");
        }

        var step = Math.Max(1, (int)Math.Ceiling((points - 1) / 10.0));
        for (var s = 0; s < points; s += step)
        {
            sb.AppendLine(c, $"<text x=\"{X(s):F1}\" y=\"{Height - Bottom + 16}\" font-size=\"11\" text-anchor=\"middle\">{s}s</text>");
        }

        sb.AppendLine(c, $"<text x=\"12\" y=\"{Top + plotH / 2}\" font-size=\"11\" transform=\"rotate(-90 12 {Top + plotH / 2})\" text-anchor=\"middle\">{Esc(unit)}</text>");
        foreach (var (second, label) in markers)
        {
            var x = X(Math.Min(second, points - 1));
            sb.AppendLine(c, $"<line x1=\"{x:F1}\" y1=\"{Top}\" x2=\"{x:F1}\" y2=\"{Top + plotH}\" stroke=\"#c00\" stroke-dasharray=\"4 3\"><title>{Esc(label)}</title></line>");
            sb.AppendLine(c, $"<text x=\"{x + 3:F1}\" y=\"{Top + 10}\" font-size=\"10\" fill=\"#c00\">{Esc(Shorten(label))}</text>");
        }

        var legendX = Width - Right - 160;
        var legendY = 14;
        foreach (var (name, color, values) in series)
        {
            var path = string.Join(' ', values.Select((v, i) => string.Create(c, $"{(i == 0 ? 'M' : 'L')}{X(i):F1},{Y(v):F1}")));
            sb.AppendLine(c, $"<path d=\"{path}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.8\"/>");
            sb.AppendLine(c, $"<rect x=\"{legendX}\" y=\"{legendY - 8}\" width=\"12\" height=\"3\" fill=\"{color}\"/><text x=\"{legendX + 16}\" y=\"{legendY - 4}\" font-size=\"11\">{Esc(name)}</text>");
            legendX += 70;
        }

        sb.AppendLine(c, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"none\" stroke=\"#999\"/>");
        sb.AppendLine("</svg>");
        return sb.ToString();
    }

    /// <summary>1, 2 or 5 times a power of ten, at or above <paramref name="value"/> (at least 1).</summary>
    public static double NiceCeiling(double value)
    {
        if (value <= 1)
        {
            return 1;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var m in new[] { 1.0, 2.0, 5.0, 10.0 })
        {
            if (m * magnitude >= value)
            {
                return m * magnitude;
            }
        }

        return 10 * magnitude;
    }

    private static string Shorten(string label) => label.Length <= 40 ? label : label[..37] + "...";

    private static string Esc(string text) => WebUtility.HtmlEncode(text);
}
