using System.Security.Cryptography;
using System.Text;
using SmartTerminal.Contracts.Api.V1;

namespace SmartTerminal.PolicyService.Exports;

/// <summary>
/// Writes rows as RFC 4180 CSV (UTF-8, CRLF) and cuts the text into chunks for a server stream, hashing
/// the whole file as it goes so that the last chunk can carry its SHA-256.
/// </summary>
public sealed class CsvChunkWriter : IDisposable
{
    private readonly StringBuilder _buffer = new();
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly int _chunkChars;
    private uint _rowsInChunk;
    private ulong _totalRows;

    public CsvChunkWriter(IReadOnlyList<string> header, int chunkChars = 32 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkChars, 1);
        _chunkChars = chunkChars;
        AppendRow(header);
    }

    /// <summary>Adds a data row; returns a full chunk to send when the buffer reached its size, else null.</summary>
    public ExportChunk? Add(IReadOnlyList<string> row)
    {
        AppendRow(row);
        _rowsInChunk++;
        _totalRows++;
        return _buffer.Length >= _chunkChars ? Cut() : null;
    }

    /// <summary>The last chunk: what is left of the text, the totals and the file's hash.</summary>
    public ExportChunk Finish(uint suppressedGroups)
    {
        var chunk = Cut();
        chunk.Last = true;
        chunk.TotalRows = _totalRows;
        chunk.SuppressedGroups = suppressedGroups;
        chunk.Sha256 = Convert.ToHexStringLower(_sha256.GetHashAndReset());
        return chunk;
    }

    public void Dispose() => _sha256.Dispose();

    private ExportChunk Cut()
    {
        var csv = _buffer.ToString();
        _sha256.AppendData(Encoding.UTF8.GetBytes(csv));
        var chunk = new ExportChunk { Csv = csv, Rows = _rowsInChunk };
        _buffer.Clear();
        _rowsInChunk = 0;
        return chunk;
    }

    private void AppendRow(IReadOnlyList<string> cells)
    {
        for (var i = 0; i < cells.Count; i++)
        {
            if (i > 0)
            {
                _buffer.Append(',');
            }

            AppendCell(cells[i]);
        }

        _buffer.Append("\r\n");
    }

    private void AppendCell(string cell)
    {
        // A spreadsheet runs a cell starting with = + - @ (or a tab or CR before them) as a formula;
        // audit entries carry text callers chose, so such cells get a leading apostrophe (OWASP advice).
        var guarded = cell.Length > 0 && "=+-@\t\r".Contains(cell[0], StringComparison.Ordinal) ? "'" + cell : cell;
        if (guarded.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            _buffer.Append(guarded);
            return;
        }

        _buffer.Append('"').Append(guarded.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }
}
