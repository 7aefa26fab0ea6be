using System.Net;
using System.Net.Sockets;

namespace SmartTerminal.Testing;

/// <summary>
/// Finds loopback ports that are free now, so parallel tests do not collide. They come from below the
/// kernel's ephemeral range (32768-60999 on Linux): a port from that range (what binding port 0 gives)
/// can be taken by any outgoing connection between the check and the server's own bind. Each port is
/// handed out once per test process.
/// </summary>
public static class FreePort
{
    private const int First = 20000;
    private const int End = 32000;
    private static readonly HashSet<int> s_handedOut = [];

    public static int Next()
    {
        lock (s_handedOut)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var port = Random.Shared.Next(First, End);
                if (!s_handedOut.Contains(port) && IsFree(port))
                {
                    s_handedOut.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"no free loopback port between {First} and {End}");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
