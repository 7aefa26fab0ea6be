using Microsoft.Extensions.Options;
using SmartTerminal.PolicyService.Security;
using SmartTerminal.PolicyService.Storage;

namespace SmartTerminal.PolicyService.Hosting;

/// <summary>
/// The token commands of the embedded default (production uses an OIDC authority instead), run
/// against the same data directory as the service:
/// <c>mint-token --role guardian[,auditor] --subject alice [--days 30]</c> prints a token signed with
/// the local key (its id goes to standard error); <c>revoke-token --id ID</c> revokes one token,
/// <c>revoke-token --subject alice</c> every token of that subject issued so far.
/// </summary>
public static class MintTokenCommand
{
    private const string Usage = """
        usage: mint-token --role manufacturer|guardian|auditor[,...] --subject ID [--days N]
               revoke-token --id TOKEN_ID | --subject ID
        """;

    public static bool TryRun(string[] args, IConfiguration configuration)
    {
        if (args.Length == 0 || args[0] is not ("mint-token" or "revoke-token"))
        {
            return false;
        }

        var service = new ServiceOptions();
        configuration.GetSection(ServiceOptions.Section).Bind(service);
        var state = new StateOptions();
        configuration.GetSection(StateOptions.Section).Bind(state);
        var auth = new AuthOptions();
        configuration.GetSection(AuthOptions.Section).Bind(auth);
        try
        {
            Environment.ExitCode = args[0] == "mint-token" ? Mint(args, service, auth) : Revoke(args, service, state);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Environment.ExitCode = 2;
        }

        return true;
    }

    private static int Mint(string[] args, ServiceOptions service, AuthOptions auth)
    {
        RejectUnknown(args, "--role", "--subject", "--days");
        var roles = Options(args, "--role").SelectMany(r => r.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        var subject = Options(args, "--subject").FirstOrDefault();
        var daysText = Options(args, "--days").FirstOrDefault();
        if (roles.Count == 0 || subject is null)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var days = 30;
        if (daysText is not null && (!int.TryParse(daysText, out days) || days < 1 || days > auth.MaxLocalTokenDays))
        {
            throw new ArgumentException($"--days must be a whole number of days from 1 to {auth.MaxLocalTokenDays} (Auth:MaxLocalTokenDays), not '{daysText}'.");
        }

        var (token, id) = new LocalTokenIssuer(Microsoft.Extensions.Options.Options.Create(service), Microsoft.Extensions.Options.Options.Create(auth)).Issue(subject, roles, TimeSpan.FromDays(days));
        Console.WriteLine(token);
        Console.Error.WriteLine($"token id {id}, valid {days} days; revoke with: revoke-token --id {id}");
        return 0;
    }

    private static int Revoke(string[] args, ServiceOptions service, StateOptions state)
    {
        RejectUnknown(args, "--id", "--subject");
        var id = Options(args, "--id").FirstOrDefault();
        var subject = Options(args, "--subject").FirstOrDefault();
        if ((id is null) == (subject is null))
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        // The same state database as the service (SQLite in the data directory, or PostgreSQL).
        var database = new StateDatabase(Microsoft.Extensions.Options.Options.Create(state), Microsoft.Extensions.Options.Options.Create(service));
        var revocations = new TokenRevocations(database, new Storage.Stores.RevocationStore(), TimeProvider.System);
        if (id is not null)
        {
            // Kept until no token minted now could still be valid.
            revocations.RevokeTokenAsync(id, DateTimeOffset.UtcNow.AddDays(366)).GetAwaiter().GetResult();
            Console.Error.WriteLine($"token {id} revoked");
        }
        else
        {
            revocations.RevokeSubjectAsync(subject!).GetAwaiter().GetResult();
            Console.Error.WriteLine($"every token of {subject} issued until now is revoked");
        }

        return 0;
    }

    // Configuration overrides (--Section:Key=value) pass; anything else that is not an option is a mistake
    // worth saying, not ignoring (e.g. "[--days" copied with its brackets).
    private static void RejectUnknown(string[] args, params string[] known)
    {
        for (var i = 1; i < args.Length; i++)
        {
            var name = args[i].Split('=')[0];
            if (known.Contains(name, StringComparer.Ordinal))
            {
                i += args[i].Contains('=', StringComparison.Ordinal) ? 0 : 1;
            }
            else if (!(args[i].StartsWith("--", StringComparison.Ordinal) && args[i].Contains(':', StringComparison.Ordinal)))
            {
                throw new ArgumentException($"unexpected argument '{args[i]}'.\n{Usage}");
            }
        }
    }

    private static IEnumerable<string> Options(string[] args, string name)
    {
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] == name)
            {
                if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new ArgumentException($"{name} needs a value.");
                }

                yield return args[++i];
            }
            else if (args[i].StartsWith(name + "=", StringComparison.Ordinal))
            {
                yield return args[i][(name.Length + 1)..];
            }
        }
    }
}
