#!/usr/bin/env bash
# Installs dnshost for the current user without root and without touching the global dotnet tools:
# publishes a Release build to ~/.local/share/dnshost and links ~/.local/bin/dnshost to it.
# Re-running updates in place. Needs the .NET 10 SDK; the installed binary needs the ASP.NET Core 10
# runtime (installed with the SDK). Uninstall: rm -rf ~/.local/share/dnshost ~/.local/bin/dnshost
set -euo pipefail
cd "$(dirname "$0")/.."
prefix="${DNSHOST_PREFIX:-$HOME/.local/share/dnshost}"
bin="${DNSHOST_BIN:-$HOME/.local/bin}"
dotnet publish src/DnsHost/DnsHost.csproj -c Release -o "$prefix" --nologo -v quiet
mkdir -p "$bin"
ln -sf "$prefix/dnshost" "$bin/dnshost"
echo "installed: $bin/dnshost -> $prefix/dnshost"
case ":$PATH:" in
    *":$bin:"*) ;;
    *) echo "note: $bin is not on PATH; add it, e.g. echo 'export PATH=\"$bin:\$PATH\"' >> ~/.bashrc" ;;
esac
dotnet_dir="$(dirname "$(readlink -f "$(command -v dotnet)")")"
case "$dotnet_dir" in
    /usr/share/dotnet | /usr/lib/dotnet) ;;
    *) echo "note: the .NET runtime is in $dotnet_dir; if dnshost cannot find it, export DOTNET_ROOT=$dotnet_dir" ;;
esac
