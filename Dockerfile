# Build stage: restore and publish the server.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props DnsHost.sln ./
COPY src/ src/
RUN dotnet publish src/DnsHost/DnsHost.csproj -c Release -o /app --no-self-contained

# Runtime stage: just the runtime, the server and the sample zones.
# The HTTP endpoint runs on Kestrel, so the runtime image is the ASP.NET Core one.
FROM mcr.microsoft.com/dotnet/aspnet:10.0
COPY --from=build /app /opt/dnshost
# The .NET images since 8 have an unprivileged user "app" (UID 1654, $APP_UID); the server runs as it.
RUN printf '#!/bin/sh\nexec dotnet /opt/dnshost/dnshost.dll "$@"\n' > /usr/local/bin/dnshost && chmod +x /usr/local/bin/dnshost \
    && mkdir -p /srv/dnshost/zones /srv/dnshost/data && chown -R app:app /srv/dnshost
WORKDIR /srv/dnshost
COPY --chown=app:app zones/ zones/
# Zones (bind-mount your own folder over it) and the SQLite file of what the Route 53 API creates.
VOLUME ["/srv/dnshost/zones", "/srv/dnshost/data"]
# Not root: the server listens on 5380 inside the container; publish it as 53 on the host
# (docker run -p 53:5380/udp -p 53:5380/tcp). No capability is needed for ports above 1023.
USER app
EXPOSE 5380/udp 5380/tcp 8053/tcp
# One DNS query and GET /healthz, with the binary itself (the image has neither dig nor curl).
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
    CMD ["dnshost", "ping", "--server", "127.0.0.1:5380", "--api", "127.0.0.1:8053"]
ENTRYPOINT ["dnshost"]
# In a container the server must listen on all interfaces to be reachable through the published port.
# IPv4 only: Docker disables IPv6 inside containers on networks without it, where binding :: would fail;
# the published port still takes IPv6 clients on the host.
# The HTTP endpoint (health status, overrides, the Route 53 API) has no authentication beyond SigV4 with
# configured keys: publish 8053 only to hosts you trust.
CMD ["serve", "--zones", "/srv/dnshost/zones", "--data", "/srv/dnshost/data/dnshost.db", "--address", "0.0.0.0", "--port", "5380", "--api", "0.0.0.0:8053"]
