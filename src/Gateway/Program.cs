using DeviceSync.Gateway;

GatewayApplication.Build(args).Run();
