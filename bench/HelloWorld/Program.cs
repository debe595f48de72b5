// The ASP.NET Core minimal-API hello-world, as the templates make it, with logging quietened so that the
// console does not cost CPU. bench/compare runs it in Release on loopback: --urls http://127.0.0.1:PORT
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var app = builder.Build();
app.MapGet("/", () => "hello");
app.Run();
