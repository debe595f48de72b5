# syntax=docker/dockerfile:1
# DeviceSync silo (src/Silo): an Orleans silo with its HTTP endpoints /healthz, /readyz and /metrics.
# Build from the repository root (the build context must contain global.json and the Directory.*.props):
#   docker build -f deploy/docker/Silo.Dockerfile -t registry.example.com/devicesync/silo:<version> .
# Not built on the development machines (no Docker there); see docs/deploy.md, "What was verified".

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src

# 1. Restore from what restore reads, and nothing else: this layer is reused until a project file, a package
#    version (Directory.Packages.props), the shared build settings or the SDK pin (global.json) changes.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/Contracts/Contracts.csproj src/Contracts/
COPY src/Grains/Grains.csproj src/Grains/
COPY src/Silo/Silo.csproj src/Silo/
RUN dotnet restore src/Silo/Silo.csproj

# 2. The sources of the three projects the silo is built from. .editorconfig belongs here, not above:
#    the build enforces code style (EnforceCodeStyleInBuild) but restore does not read it.
COPY .editorconfig ./
COPY src/Contracts/ src/Contracts/
COPY src/Grains/ src/Grains/
COPY src/Silo/ src/Silo/
RUN dotnet publish src/Silo/Silo.csproj -c Release --no-restore -o /app -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./

# HTTP (health, readiness, metrics). The aspnet image already sets 8080; restated because the manifests depend on it.
ENV ASPNETCORE_HTTP_PORTS=8080
# 8080 HTTP, 11111 silo-to-silo (Silo:SiloPort), 30000 client gateway (Silo:GatewayPort): the code's defaults.
EXPOSE 8080 11111 30000

# No HEALTHCHECK: the aspnet image has neither curl nor wget, Kubernetes ignores Docker's HEALTHCHECK anyway and
# probes /healthz and /readyz itself (deploy/k8s/silo.yaml). See docs/deploy.md.

# The non-root user the .NET images ship (UID 1654). Numeric, so Kubernetes' runAsNonRoot can verify it.
USER $APP_UID

# Exec form: dotnet is PID 1 and receives SIGTERM directly, which starts the silo's graceful shutdown.
ENTRYPOINT ["dotnet", "DeviceSync.Silo.dll"]
