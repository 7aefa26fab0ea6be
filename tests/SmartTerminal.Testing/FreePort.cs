using System.Net;
using System.Net.Sockets;

namespace SmartTerminal.Testing;

/// <summary>Finds loopback ports that are free now, so parallel test runs do not collide.</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
