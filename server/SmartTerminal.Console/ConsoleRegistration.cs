using System.Globalization;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.Options;
using SmartTerminal.WebConsole.Guardians;
using SmartTerminal.WebConsole.SignIn;

namespace SmartTerminal.WebConsole;

/// <summary>The console's services and pipeline: cookie sign-in, zh-CN first localisation, the PolicyService clients.</summary>
public static class ConsoleRegistration
{
    /// <summary>zh-CN is the default; English the second language.</summary>
    public static readonly CultureInfo[] Cultures = [new("zh-CN"), new("en")];

    public static IServiceCollection AddWebConsole(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ConsoleOptions>().Bind(configuration.GetSection(ConsoleOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddRazorComponents();
        services.AddLocalization(o => o.ResourcesPath = "Resources");
        services.AddHttpContextAccessor();
        services.AddDataProtection().SetApplicationName("SmartTerminal.Console")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(configuration[$"{ConsoleOptions.Section}:DataDirectory"] ?? "console-data", "keys")));
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(cookie =>
        {
            cookie.LoginPath = "/signin";
            cookie.AccessDeniedPath = "/denied";
            cookie.Cookie.Name = "st-console";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        services.AddAuthorization();
        services.AddCascadingAuthenticationState();
        services.AddSingleton<PolicyServiceChannel>();
        services.AddScoped<PolicyServiceCalls>();
        services.AddScoped<ChildSummaries>();
        services.AddScoped<Guardians.Week.WeekOfUseReader>();
        services.AddScoped<Compliance.ExportRunner>();
        services.AddSingleton<Compliance.ExportFiles>();
        services.AddSingleton(TimeProvider.System);
        return services;
    }

    public static WebApplication MapWebConsole<TApp>(this WebApplication app)
        where TApp : Microsoft.AspNetCore.Components.IComponent
    {
        app.UseRequestLocalization(new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture(Cultures[0]),
            SupportedCultures = Cultures,
            SupportedUICultures = Cultures,
            // The language picked in the console (a cookie), then the browser's; no query string.
            RequestCultureProviders = [new CookieRequestCultureProvider(), new AcceptLanguageHeaderRequestCultureProvider()],
        });
        app.UseStaticFiles();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapPost("/language", LanguageChoice.Handle).DisableAntiforgery();
        app.MapPost("/signout", TokenSignIn.SignOutAsync);
        app.MapGet("/compliance/exports/{id}", Compliance.ExportDownload.Handle).RequireAuthorization(p => p.RequireRole(ConsoleRoles.Auditor, ConsoleRoles.Manufacturer));
        app.MapGet("/fleets/{fleetId}/lagging.csv", Fleets.LaggingCsv.HandleAsync).RequireAuthorization(p => p.RequireRole(ConsoleRoles.Manufacturer));
        app.MapRazorComponents<TApp>();
        return app;
    }
}
