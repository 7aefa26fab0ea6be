namespace SmartTerminal.Testing;

/// <summary>The web console as a real process on a free loopback port, talking gRPC to a running PolicyService.</summary>
public sealed class ConsoleProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly string _dataDirectory;

    private ConsoleProcess(ChildProcess process, string dataDirectory, Uri address)
    {
        _process = process;
        _dataDirectory = dataDirectory;
        Address = address;
    }

    public Uri Address { get; }

    public string Output => _process.Output;

    public static async Task<ConsoleProcess> StartAsync(PolicyServiceProcess service)
    {
        var address = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        var dataDirectory = Directory.CreateTempSubdirectory("st-console-").FullName;
        var dll = RepositoryPaths.ConsoleDll;
        var process = ChildProcess.Start("dotnet", [dll, $"--Kestrel:Endpoints:Http:Url={address}", $"--Console:PolicyServiceUrl={service.GrpcAddress}", $"--Console:DataDirectory={dataDirectory}"], Path.GetDirectoryName(dll)!);
        var console = new ConsoleProcess(process, dataDirectory, address);
        var up = await process.AnswersHttpAsync(address, "/signin", TimeSpan.FromSeconds(60));
        if (!up)
        {
            var output = console.Output;
            await console.DisposeAsync();
            throw new InvalidOperationException("the console did not start:\n" + output);
        }

        return console;
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }
}
