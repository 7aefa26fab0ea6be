using Microsoft.Extensions.Options;
using SmartTerminal.PolicyService.Security;

namespace SmartTerminal.PolicyService.Hosting;

/// <summary>
/// "mint-token --role guardian --subject alice [--days 30]": prints a token signed with the local key
/// of the data directory, for the embedded default (production uses an OIDC authority instead).
/// </summary>
public static class MintTokenCommand
{
    public static bool TryRun(string[] args, IConfiguration configuration)
    {
        if (args.Length == 0 || args[0] != "mint-token")
        {
            return false;
        }

        string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var role = Option("--role");
        var subject = Option("--subject");
        if (role is null || subject is null)
        {
            Console.Error.WriteLine("usage: mint-token --role manufacturer|guardian|auditor --subject ID [--days N]");
            Environment.ExitCode = 2;
            return true;
        }

        var days = int.TryParse(Option("--days"), out var d) && d > 0 ? d : 30;
        var service = new ServiceOptions();
        configuration.GetSection(ServiceOptions.Section).Bind(service);
        var auth = new AuthOptions();
        configuration.GetSection(AuthOptions.Section).Bind(auth);
        try
        {
            Console.WriteLine(new LocalTokenIssuer(Options.Create(service), Options.Create(auth)).Issue(subject, role, TimeSpan.FromDays(days)));
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Environment.ExitCode = 2;
        }

        return true;
    }
}
