import ipaddr from 'ipaddr.js';

/** Where an IP address points, as far as fetching untrusted URLs is concerned. */
export type AddressCategory =
  | 'public'
  | 'loopback'
  | 'private'
  | 'carrier_grade_nat'
  | 'link_local'
  | 'unique_local'
  | 'metadata'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'reserved';

export interface AddressClassification {
  /** Canonical form of the address (IPv4 dotted quad, IPv6 RFC 5952). */
  address: string;
  category: AddressCategory;
}

// Cloud instance-metadata endpoints: AWS/GCP/Azure/OpenStack (IPv4), AWS (IPv6), Alibaba, AWS ECS tasks.
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '169.254.170.2']);

const IPV4_CATEGORIES: Record<string, AddressCategory> = {
  unicast: 'public',
  loopback: 'loopback',
  private: 'private',
  carrierGradeNat: 'carrier_grade_nat',
  linkLocal: 'link_local',
  unspecified: 'unspecified',
  multicast: 'multicast',
  broadcast: 'broadcast',
};

const IPV6_CATEGORIES: Record<string, AddressCategory> = {
  unicast: 'public',
  loopback: 'loopback',
  uniqueLocal: 'unique_local',
  linkLocal: 'link_local',
  unspecified: 'unspecified',
  multicast: 'multicast',
};

/**
 * Parse an IP address the way a URL host or a resolver answer may spell it: brackets, IPv6 zone
 * ids, and the legacy IPv4 forms `inet_aton` accepts (`2130706433`, `0x7f.1`, `0177.0.0.1`).
 * Returns undefined for anything that is not an IP address (a host name).
 */
export function parseIpAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  let value = text.trim();
  if (value.startsWith('[') && value.endsWith(']')) value = value.slice(1, -1);
  const zone = value.indexOf('%');
  if (zone !== -1 && value.includes(':')) value = value.slice(0, zone);
  if (!ipaddr.isValid(value)) return undefined;
  try {
    return ipaddr.parse(value);
  } catch {
    return undefined;
  }
}

/** The IPv4 address an IPv6 address carries (IPv4-mapped, 6to4, NAT64 well-known prefix), if any. */
function embeddedIpv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const range = address.range();
  if (range === 'ipv4Mapped') return address.toIPv4Address();
  const bytes = address.toByteArray();
  if (range === '6to4') return ipaddr.fromByteArray(bytes.slice(2, 6)) as ipaddr.IPv4;
  if (range === 'rfc6052' || range === 'rfc6145') return ipaddr.fromByteArray(bytes.slice(12, 16)) as ipaddr.IPv4;
  return undefined;
}

function categoryOf(address: ipaddr.IPv4 | ipaddr.IPv6): AddressCategory {
  const canonical = address.kind() === 'ipv6' ? (address as ipaddr.IPv6).toRFC5952String() : address.toString();
  if (METADATA_ADDRESSES.has(canonical)) return 'metadata';
  if (address.kind() === 'ipv4') return IPV4_CATEGORIES[address.range()] ?? 'reserved';
  const embedded = embeddedIpv4(address as ipaddr.IPv6);
  if (embedded) return categoryOf(embedded);
  return IPV6_CATEGORIES[address.range()] ?? 'reserved';
}

/**
 * Classify an IP address. Only globally routable unicast space is `public`; everything else
 * (documentation, benchmarking, Teredo, discard and other special ranges included) is not, and an
 * IPv6 address that embeds an IPv4 one is judged by the IPv4 address. Returns undefined when
 * `text` is not an IP address.
 */
export function classifyAddress(text: string): AddressClassification | undefined {
  const parsed = parseIpAddress(text);
  if (!parsed) return undefined;
  const address = parsed.kind() === 'ipv6' ? (parsed as ipaddr.IPv6).toRFC5952String() : parsed.toString();
  return { address, category: categoryOf(parsed) };
}

const CATEGORY_LABELS: Record<AddressCategory, string> = {
  public: 'a public address',
  loopback: 'a loopback address',
  private: 'a private network address (RFC 1918)',
  carrier_grade_nat: 'a carrier-grade NAT address (RFC 6598)',
  link_local: 'a link-local address',
  unique_local: 'a unique local IPv6 address',
  metadata: 'a cloud instance-metadata address',
  unspecified: 'the unspecified address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved or special-purpose address',
};

/** Human-readable description of a category, for refusal messages. */
export function describeAddressCategory(category: AddressCategory): string {
  return CATEGORY_LABELS[category];
}

/** Which non-public destinations `web_fetch` may reach. */
export interface NetworkPolicyOptions {
  /**
   * Allow every non-public address except cloud metadata endpoints (those are only reachable
   * when listed in `allowedPrivateHosts`). Default false.
   */
  allowPrivateNetwork?: boolean;
  /**
   * Hosts exempt from the check: host names as written in the URL (`intranet.example`,
   * `localhost`), IP addresses (`127.0.0.1`, `::1`) or CIDR ranges (`10.0.0.0/8`) matched
   * against the resolved address.
   */
  allowedPrivateHosts?: readonly string[];
}

/** Decides whether a connection to `address` (reached through `hostname`) is allowed. */
export interface NetworkPolicy {
  /** Undefined when allowed, else the reason for the refusal. */
  check(hostname: string, address: string): string | undefined;
}

function normalizeHostname(hostname: string): string {
  let value = hostname.trim().toLowerCase();
  if (value.startsWith('[') && value.endsWith(']')) value = value.slice(1, -1);
  return value.endsWith('.') ? value.slice(0, -1) : value;
}

/** Build the policy `web_fetch` applies to every resolved address of every hop. */
export function createNetworkPolicy(options: NetworkPolicyOptions = {}): NetworkPolicy {
  const allowedNames = new Set<string>();
  const allowedRanges: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
  for (const entry of options.allowedPrivateHosts ?? []) {
    const trimmed = entry.trim();
    if (ipaddr.isValidCIDR(trimmed)) {
      allowedRanges.push(ipaddr.parseCIDR(trimmed));
      continue;
    }
    const address = parseIpAddress(trimmed);
    if (address) allowedRanges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
    else allowedNames.add(normalizeHostname(trimmed));
  }
  const inAllowedRange = (address: ipaddr.IPv4 | ipaddr.IPv6): boolean =>
    allowedRanges.some(([range, bits]) => {
      if (range.kind() === address.kind()) return address.match(range, bits);
      if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
        return (address as ipaddr.IPv6).toIPv4Address().match(range, bits);
      }
      return false;
    });

  return {
    check(hostname, address) {
      const parsed = parseIpAddress(address);
      if (!parsed) return `${address} is not an IP address`;
      const category = categoryOf(parsed);
      if (category === 'public') return undefined;
      if (allowedNames.has(normalizeHostname(hostname)) || inAllowedRange(parsed)) return undefined;
      if (options.allowPrivateNetwork && category !== 'metadata') return undefined;
      const via = normalizeHostname(hostname) === normalizeHostname(address) ? '' : ` (${hostname} resolves to it)`;
      return `${address} is ${describeAddressCategory(category)}${via}; web_fetch only reaches public addresses unless the configuration allows this host`;
    },
  };
}
