using DeviceSync.Silo.Health;
using DeviceSync.Silo.Hosting;
using DeviceSync.Silo.Telemetry;

var builder = WebApplication.CreateBuilder(args);
builder.AddDeviceSyncSilo();
builder.AddDeviceSyncSiloTelemetry();

var app = builder.Build();
app.MapSiloHealth();
app.MapSiloMetrics();
app.Run();
