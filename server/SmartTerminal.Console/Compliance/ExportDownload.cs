namespace SmartTerminal.WebConsole.Compliance;

/// <summary>The download of an export the signed-in user ran: only theirs, only while it is kept.</summary>
public static class ExportDownload
{
    public static IResult Handle(string id, HttpContext context, ExportFiles files) =>
        files.Find(context.User, id) is { } file
            ? Results.File(file.Bytes, "text/csv; charset=utf-8", file.FileName)
            : Results.NotFound();
}
