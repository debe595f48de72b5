namespace DeviceSync.Gateway.Tests; public class Placeholder { [Fact] public void Builds() { } }
