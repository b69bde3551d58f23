# syntax=docker/dockerfile:1
# Bridge image: build with the .NET SDK, run on the ASP.NET Core runtime as the non-root "app" user.
# Build: docker build -t bridge .      Check the packaging without Docker: python3 tests/Packaging/check_packaging.py

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore from the files that decide the package graph first, so code edits reuse the cached restore layer.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Bridge/Bridge.csproj src/Bridge/
RUN dotnet restore src/Bridge/Bridge.csproj
COPY src/ src/
# Framework-dependent, no apphost: the entrypoint is "dotnet bridge.dll" on any CPU architecture.
RUN dotnet publish src/Bridge/Bridge.csproj --no-restore -c Release -o /app -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
COPY mappings/ /app/mappings/
COPY samples/docker/bridge.yaml /config/bridge.yaml
# The config says where to listen (http://0.0.0.0:8080); ASPNETCORE_URLS would override it, so it is not set.
ENV BRIDGE_CONFIG=/config/bridge.yaml
# /data will hold the bridge's SQLite store; created here so a new named volume inherits the owner.
RUN mkdir -p /data && chown app:app /data
VOLUME /data
EXPOSE 8080
# uid 1654, created by the .NET 8+ base images.
USER app
# No HEALTHCHECK: the image has neither curl nor wget. docker-compose.yml probes GET /healthz with bash.
ENTRYPOINT ["dotnet", "bridge.dll"]
