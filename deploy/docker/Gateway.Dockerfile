# syntax=docker/dockerfile:1
# DeviceSync gateway (src/Gateway): the device-facing HTTP API (and /healthz, /readyz, /metrics), an Orleans client only.
# Build from the repository root (the build context must contain global.json and the Directory.*.props):
#   docker build -f deploy/docker/Gateway.Dockerfile -t registry.example.com/devicesync/gateway:<version> .
# Not built on the development machines (no Docker there); see docs/deploy.md, "What was verified".

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src

# 1. Restore from what restore reads, and nothing else: this layer is reused until a project file, a package
#    version (Directory.Packages.props), the shared build settings or the SDK pin (global.json) changes.
#    The gateway references Contracts only, never Grains.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/Contracts/Contracts.csproj src/Contracts/
COPY src/Gateway/Gateway.csproj src/Gateway/
RUN dotnet restore src/Gateway/Gateway.csproj

# 2. The sources of the two projects the gateway is built from. .editorconfig belongs here, not above:
#    the build enforces code style (EnforceCodeStyleInBuild) but restore does not read it.
COPY .editorconfig ./
COPY src/Contracts/ src/Contracts/
COPY src/Gateway/ src/Gateway/
RUN dotnet publish src/Gateway/Gateway.csproj -c Release --no-restore -o /app -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./

# The public HTTP port. The aspnet image already sets 8080; restated because the manifests depend on it.
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080

# No HEALTHCHECK: the aspnet image has neither curl nor wget, Kubernetes ignores Docker's HEALTHCHECK anyway and
# probes /healthz and /readyz itself (deploy/k8s/gateway.yaml). See docs/deploy.md.

# The non-root user the .NET images ship (UID 1654). Numeric, so Kubernetes' runAsNonRoot can verify it.
USER $APP_UID

# Exec form: dotnet is PID 1 and receives SIGTERM directly, which stops Kestrel gracefully (in-flight requests finish).
ENTRYPOINT ["dotnet", "DeviceSync.Gateway.dll"]
