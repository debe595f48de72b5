namespace DeviceSync.Testing;

/// <summary>Where the repository and the built service assemblies are, seen from a running test.</summary>
public static class RepositoryLayout
{
    public static string Root { get; } = FindRoot();

    /// <summary>The build configuration the tests were built in (Release under test.sh), so services match it.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    public static string SiloAssembly => ServiceAssembly("Silo", "DeviceSync.Silo.dll");

    public static string GatewayAssembly => ServiceAssembly("Gateway", "DeviceSync.Gateway.dll");

    private static string ServiceAssembly(string project, string dll)
    {
        var path = Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", dll);
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{path} is missing: build the solution in {Configuration} first (./test.sh does).");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Orleans.sln not found above " + AppContext.BaseDirectory);
    }
}
