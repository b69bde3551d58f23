# syntax=docker/dockerfile:1
# Bridge image: build with the .NET SDK, run on the ASP.NET Core runtime as the non-root "app" user.
# Build: docker build -t bridge .      Check the packaging without Docker: python3 tests/Packaging/check_packaging.py

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# Native AOT compiles the bridge to one native binary (ready in a fraction of the JIT's time, less memory); its
# linker step needs clang and zlib. docs/performance.md says what was checked and what it measures.
RUN apt-get update && apt-get install -y --no-install-recommends clang zlib1g-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Restore from the files that decide the package graph first, so code edits reuse the cached restore layer.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Bridge/Bridge.csproj src/Bridge/
COPY src/Bridge/Properties/PublishProfiles/aot.pubxml src/Bridge/Properties/PublishProfiles/
RUN dotnet restore src/Bridge/Bridge.csproj -p:PublishProfile=aot
COPY src/ src/
# For the build machine's architecture; the native symbols (bridge.dbg) stay out of the image.
RUN dotnet publish src/Bridge/Bridge.csproj -c Release -p:PublishProfile=aot -o /app && rm -f /app/*.dbg

# The native binary needs none of the ASP.NET Core runtime in this image, only its system libraries; the image is
# kept for its non-root "app" user and the bash that docker-compose.yml's health check uses.
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
ENTRYPOINT ["/app/bridge"]
