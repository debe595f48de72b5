namespace DeviceSync.Grains.Tests.Storage;

internal sealed record MeteredRequest(string Method, string Path, long Bytes, int Port = 0);
