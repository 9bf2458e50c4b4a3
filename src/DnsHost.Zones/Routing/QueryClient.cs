namespace DnsHost.Zones.Routing;

/// <summary>
/// Who asked, as routing needs it: the resolver's address, its EDNS Client Subnet, its VPCs, and the
/// location derived from them (looked up at most once per query). Also collects the ECS scope prefix
/// length to echo (RFC 7871 7.2.1): how much of the client's address the answer depended on.
/// </summary>
public struct QueryClient
{
    private ClientLocation? _location;
    private bool _located;

    public QueryClient(RoutingEnvironment environment, IpPrefix source, IpPrefix? subnet = null)
    {
        Environment = environment;
        Source = source;
        HasSubnet = subnet is not null;
        Subnet = subnet ?? source;
        VpcMask = environment.Vpcs.IsEmpty ? 0 : environment.Vpcs.Membership(source);
    }

    public RoutingEnvironment Environment { get; }
    /// <summary>The address the query came from (the resolver).</summary>
    public IpPrefix Source { get; }
    /// <summary>The client's network: the ECS subnet when the query carried one, otherwise <see cref="Source"/>.</summary>
    public IpPrefix Subnet { get; private set; }
    public bool HasSubnet { get; private set; }
    /// <summary>The VPCs (bits of <see cref="VpcDirectory"/>) whose networks contain <see cref="Source"/>.</summary>
    public ulong VpcMask { get; }
    /// <summary>The longest prefix of <see cref="Subnet"/> an answer so far depended on; 0 when none did.</summary>
    public int Scope { get; private set; }
    /// <summary>For a query answered from a private zone: the Region of the client's VPC.</summary>
    public AwsRegion? VpcRegion { get; private set; }
    public bool InPrivateZone { get; private set; }

    /// <summary>
    /// Private zones ignore ECS; geolocation and latency there use the Region of the VPC the query
    /// came from (Route 53 "Geolocation routing in private hosted zones").
    /// </summary>
    public void EnterPrivateZone(AwsRegion? vpcRegion)
    {
        InPrivateZone = true;
        VpcRegion = vpcRegion;
        HasSubnet = false;
        Subnet = Source;
        _location = vpcRegion is null ? null : ClientLocation.ForRegion(vpcRegion);
        _located = true;
    }

    /// <summary>The client's location, or null when neither the table nor the database knows it.</summary>
    public ClientLocation? Location
    {
        get
        {
            if (!_located)
            {
                _location = Environment.Locator.Locate(Subnet, out int matched);
                _located = true;
                NoteScope(_location is null ? Subnet.Length : matched);
            }
            return _location;
        }
    }

    public void NoteScope(int length)
    {
        if (!InPrivateZone && length > Scope)
            Scope = Math.Min(length, Subnet.Length);
    }
}
