using DeviceSync.Silo.Health;
using DeviceSync.Silo.Hosting;
using DeviceSync.Silo.Telemetry;

// The content root is the app's folder, so appsettings.json is found whatever directory the silo starts in.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddDeviceSyncSilo();
builder.AddDeviceSyncSiloTelemetry();

var app = builder.Build();
app.MapSiloHealth();
app.MapSiloMetrics();
app.Run();
