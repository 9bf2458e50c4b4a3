# Build stage: restore and publish the server.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props DnsHost.sln ./
COPY src/ src/
RUN dotnet publish src/DnsHost/DnsHost.csproj -c Release -o /app --no-self-contained

# Runtime stage: just the runtime, the server and the sample zones.
# The HTTP endpoint runs on Kestrel, so the runtime image is the ASP.NET Core one.
FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /srv/dnshost
COPY --from=build /app /opt/dnshost
COPY zones/ zones/
RUN printf '#!/bin/sh\nexec dotnet /opt/dnshost/dnshost.dll "$@"\n' > /usr/local/bin/dnshost && chmod +x /usr/local/bin/dnshost
EXPOSE 53/udp 53/tcp 8053/tcp
# In a container the server must listen on all interfaces to be reachable through the published port.
# The HTTP endpoint (health status and overrides) has no authentication: publish 8053 only to hosts you trust.
ENTRYPOINT ["dnshost"]
CMD ["serve", "--zones", "/srv/dnshost/zones", "--address", "0.0.0.0", "--address", "::", "--port", "53", "--api", "0.0.0.0:8053"]
