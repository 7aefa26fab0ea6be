using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace SmartTerminal.PolicyService.Broker;

/// <summary>
/// The broker credentials of this service process. With no configured password a random one is
/// generated per start: only this process connects with it, so nobody else needs to know it.
/// </summary>
public sealed class ServiceAccount
{
    private readonly byte[] _passwordBytes;

    public ServiceAccount(IOptions<BrokerOptions> options)
    {
        UserName = options.Value.ServiceUserName;
        Password = string.IsNullOrEmpty(options.Value.ServicePassword)
            ? Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
            : options.Value.ServicePassword;
        _passwordBytes = Encoding.UTF8.GetBytes(Password);
    }

    public string UserName { get; }

    public string Password { get; }

    public bool Matches(string? userName, string? password) =>
        string.Equals(userName, UserName, StringComparison.Ordinal)
        && password is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(password), _passwordBytes);
}
