using System.Security.Cryptography;
using System.Text;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.PolicyService.Exports;

namespace SmartTerminal.PolicyService.Tests;

/// <summary>
/// The CSV of compliance exports: RFC 4180 quoting, spreadsheet formulas defused, chunks that
/// concatenate to exactly the file whose SHA-256 the last chunk carries.
/// </summary>
public sealed class CsvChunkWriterTests
{
    private static List<ExportChunk> Write(string[] header, IEnumerable<string[]> rows, int chunkChars = 32 * 1024)
    {
        using var writer = new CsvChunkWriter(header, chunkChars);
        var chunks = new List<ExportChunk>();
        foreach (var row in rows)
        {
            if (writer.Add(row) is { } chunk)
            {
                chunks.Add(chunk);
            }
        }

        chunks.Add(writer.Finish(suppressedGroups: 3));
        return chunks;
    }

    [Fact]
    public void Plain_cells_are_written_as_they_are_with_CRLF_line_ends()
    {
        var chunk = Assert.Single(Write(["day", "minutes"], [["2026-11-28", "42.5"]]));

        Assert.Equal("day,minutes\r\n2026-11-28,42.5\r\n", chunk.Csv);
        Assert.True(chunk.Last);
        Assert.Equal((1u, 1ul, 3u), (chunk.Rows, chunk.TotalRows, chunk.SuppressedGroups));
    }

    [Fact]
    public void Commas_quotes_and_line_breaks_are_quoted_and_quotes_doubled()
    {
        var chunk = Assert.Single(Write(["json"], [["{\"daily_minutes\":40,\"x\":1}"], ["two\r\nlines"]]));

        Assert.Equal("json\r\n\"{\"\"daily_minutes\"\":40,\"\"x\"\":1}\"\r\n\"two\r\nlines\"\r\n", chunk.Csv);
    }

    [Theory]
    [InlineData("=HYPERLINK(\"http://evil\")", "\"'=HYPERLINK(\"\"http://evil\"\")\"")]
    [InlineData("+1", "'+1")]
    [InlineData("-2", "'-2")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\t=1", "'\t=1")]
    [InlineData("guardian:mum", "guardian:mum")]
    public void A_cell_a_spreadsheet_would_run_as_a_formula_is_defused(string cell, string written)
    {
        var chunk = Assert.Single(Write(["actor"], [[cell]]));

        Assert.Equal("actor\r\n" + written + "\r\n", chunk.Csv);
    }

    [Fact]
    public void Chunks_concatenate_to_the_file_whose_hash_the_last_chunk_carries()
    {
        var rows = Enumerable.Range(0, 1000).Select(i => new[] { i.ToString(System.Globalization.CultureInfo.InvariantCulture), "row, number " + i }).ToList();

        var chunks = Write(["n", "text"], rows, chunkChars: 256);
        var file = string.Concat(chunks.Select(c => c.Csv));

        Assert.True(chunks.Count > 50, $"{chunks.Count} chunks");
        Assert.All(chunks.SkipLast(1), c => Assert.False(c.Last));
        Assert.Equal(1000ul, chunks[^1].TotalRows);
        Assert.Equal(1000u, (uint)chunks.Sum(c => c.Rows));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(file))), chunks[^1].Sha256);
        Assert.Equal(1001, file.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.StartsWith("n,text\r\n0,\"row, number 0\"\r\n", file, StringComparison.Ordinal);
    }

    [Fact]
    public void An_export_without_rows_is_the_header_alone()
    {
        var chunk = Assert.Single(Write(["day", "devices"], []));

        Assert.Equal("day,devices\r\n", chunk.Csv);
        Assert.Equal(0ul, chunk.TotalRows);
    }

    [Fact]
    public void Non_ascii_text_is_hashed_as_UTF8()
    {
        var chunk = Assert.Single(Write(["subject"], [["家长"]]));

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("subject\r\n家长\r\n"))), chunk.Sha256);
    }
}
