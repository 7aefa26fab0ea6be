using System.Text;
using Grpc.Core;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.WebConsole.SignIn;

namespace SmartTerminal.WebConsole.Compliance;

/// <summary>Runs an export with the user's token and collects its chunks into one file (refused beyond <see cref="ExportFiles.MaxFileBytes"/>).</summary>
public sealed class ExportRunner(PolicyServiceCalls calls)
{
    public async Task<ExportFile> RunAsync(ExportReportRequest request, CancellationToken cancellationToken)
    {
        var asUser = await calls.AsUserAsync(cancellationToken: cancellationToken);
        // An export of a year may take longer than an ordinary call's deadline.
        using var call = calls.Compliance.ExportReport(request, asUser.WithDeadline(DateTime.UtcNow.AddMinutes(5)));
        using var file = new MemoryStream();
        ExportChunk? last = null;
        await foreach (var chunk in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            var bytes = Encoding.UTF8.GetBytes(chunk.Csv);
            if (file.Length + bytes.Length > ExportFiles.MaxFileBytes)
            {
                throw new ExportTooLargeException();
            }

            file.Write(bytes);
            if (chunk.Last)
            {
                last = chunk;
            }
        }

        if (last is null)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the export ended before its last chunk"));
        }

        var id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
        var name = $"{request.Kind.ToString().ToLowerInvariant()}-{(request.FleetId.Length > 0 ? DownloadNames.Part(request.FleetId) + "-" : string.Empty)}{DateTime.UtcNow:yyyyMMddHHmm}.csv";
        return new ExportFile(id, name, file.ToArray(), last.TotalRows, last.SuppressedGroups, last.Sha256);
    }
}

/// <summary>The export is larger than the console keeps for a download (use the API for it).</summary>
public sealed class ExportTooLargeException() : Exception($"an export above {ExportFiles.MaxFileBytes / (1024 * 1024)} MB");
