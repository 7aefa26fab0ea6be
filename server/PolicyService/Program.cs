using SmartTerminal.PolicyService.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddPolicyService(builder.Configuration);

var app = builder.Build();
app.MapPolicyService();
app.Run();

/// <summary>Entry point, visible to WebApplicationFactory-style tests.</summary>
public partial class Program;
