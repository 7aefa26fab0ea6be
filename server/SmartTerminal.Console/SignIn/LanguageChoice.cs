using Microsoft.AspNetCore.Localization;

namespace SmartTerminal.WebConsole.SignIn;

/// <summary>The language switch: a plain form post that keeps the choice in a cookie and returns to the page.</summary>
public static class LanguageChoice
{
    public static IResult Handle(HttpContext context)
    {
        var form = context.Request.HasFormContentType ? context.Request.Form : null;
        var culture = ConsoleRegistration.Cultures.FirstOrDefault(c => c.Name == form?["culture"].ToString()) ?? ConsoleRegistration.Cultures[0];
        context.Response.Cookies.Append(
            CookieRequestCultureProvider.DefaultCookieName,
            CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
            new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), HttpOnly = true, SameSite = SameSiteMode.Lax, IsEssential = true });
        // Only a local path: the form cannot send the browser elsewhere.
        var back = form?["back"].ToString();
        return Results.LocalRedirect(LocalPath.OrDefault(back, "/"));
    }
}
