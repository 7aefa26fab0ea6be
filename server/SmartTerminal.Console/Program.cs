using SmartTerminal.WebConsole;
using SmartTerminal.WebConsole.Components;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddWebConsole(builder.Configuration);

var app = builder.Build();
app.MapWebConsole<App>();
app.Run();
