using Grpc.Core;

namespace SmartTerminal.WebConsole.SignIn;

/// <summary>How the console tells failures of the service apart.</summary>
public static class RpcFailures
{
    /// <summary>The service could not be reached or did not answer in time: the page says so and offers nothing else.</summary>
    public static bool IsUnavailable(this RpcException e) => e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded;
}
