using SmartTerminal.PolicyService.Hosting;

var builder = WebApplication.CreateBuilder(args);
if (MintTokenCommand.TryRun(args, builder.Configuration))
{
    return;
}

builder.Services.AddPolicyService(builder.Configuration);
var app = builder.Build();
app.MapPolicyService();
app.Run();

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
