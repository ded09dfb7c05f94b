import { describe, expect, it } from 'vitest';
import { classifyAddress, createNetworkPolicy, parseIpAddress } from './address-policy.js';

function categoryOf(text: string): string | undefined {
  return classifyAddress(text)?.category;
}

/** The host a URL really points at, after WHATWG URL normalisation (what every fetch sees). */
function urlHost(url: string): string {
  return new URL(url).hostname;
}

describe('classifyAddress', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['140.82.112.3', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrier_grade_nat'],
    ['100.127.255.254', 'carrier_grade_nat'],
    ['169.254.1.1', 'link_local'],
    ['169.254.169.254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
  ])('IPv4 %s is %s', (address, category) => {
    expect(categoryOf(address)).toBe(category);
  });

  it('does not treat 172.32.0.1 (just outside 172.16/12) as private', () => {
    expect(categoryOf('172.32.0.1')).toBe('public');
  });

  it.each([
    ['2606:4700:4700::1111', 'public'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['fc00::1', 'unique_local'],
    ['fd12:3456::1', 'unique_local'],
    ['fd00:ec2::254', 'metadata'],
    ['ff02::1', 'multicast'],
    ['[::1]', 'loopback'],
  ])('IPv6 %s is %s', (address, category) => {
    expect(categoryOf(address)).toBe(category);
  });

  it.each([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:8.8.8.8', 'public'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:a00:1::', 'private'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
  ])('IPv6 %s carrying an IPv4 address is judged by it: %s', (address, category) => {
    expect(categoryOf(address)).toBe(category);
  });

  it.each([
    ['2130706433', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['3232235777', '192.168.1.1'],
  ])('parses the legacy IPv4 form %s as %s', (text, canonical) => {
    expect(classifyAddress(text)).toEqual(classifyAddress(canonical));
    expect(classifyAddress(text)?.address).toBe(canonical);
  });

  it.each([
    ['http://2130706433/', 'loopback'],
    ['http://0x7f.1/', 'loopback'],
    ['http://0177.0.0.01:8080/', 'loopback'],
    ['http://0/', 'unspecified'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://[::ffff:a9fe:a9fe]/latest/meta-data', 'metadata'],
    ['http://[fd00:ec2::254]/', 'metadata'],
    ['http://169.254.169.254/latest/meta-data/', 'metadata'],
  ])('the host of %s is %s', (url, category) => {
    expect(categoryOf(urlHost(url))).toBe(category);
  });

  it('returns undefined for host names', () => {
    expect(classifyAddress('example.com')).toBeUndefined();
    expect(classifyAddress('localhost')).toBeUndefined();
    expect(parseIpAddress('1.2.3.4.5')).toBeUndefined();
  });
});

describe('createNetworkPolicy', () => {
  it('allows public addresses and refuses private ones by default, naming the reason', () => {
    const policy = createNetworkPolicy();
    expect(policy.check('example.com', '93.184.215.14')).toBeUndefined();
    expect(policy.check('127.0.0.1', '127.0.0.1')).toMatch(/127\.0\.0\.1 is a loopback address/);
    expect(policy.check('intranet.example', '10.0.0.5')).toMatch(/private network address.*intranet\.example resolves to it/);
    expect(policy.check('fd00:ec2::254', 'fd00:ec2::254')).toMatch(/metadata/);
  });

  it('allowPrivateNetwork opens private ranges but not metadata endpoints', () => {
    const policy = createNetworkPolicy({ allowPrivateNetwork: true });
    expect(policy.check('localhost', '127.0.0.1')).toBeUndefined();
    expect(policy.check('nas.local', '192.168.1.20')).toBeUndefined();
    expect(policy.check('169.254.169.254', '169.254.169.254')).toMatch(/metadata/);
    expect(policy.check('aws', 'fd00:ec2::254')).toMatch(/metadata/);
  });

  it('allow-list entries match host names, addresses and CIDR ranges', () => {
    const policy = createNetworkPolicy({ allowedPrivateHosts: ['Docs.Internal.', '127.0.0.1', '10.8.0.0/16', 'fd00::/8'] });
    expect(policy.check('docs.internal', '10.99.0.1')).toBeUndefined();
    expect(policy.check('127.0.0.1', '127.0.0.1')).toBeUndefined();
    expect(policy.check('anything', '::ffff:127.0.0.1')).toBeUndefined();
    expect(policy.check('build.internal', '10.8.3.4')).toBeUndefined();
    expect(policy.check('v6.internal', 'fd12::1')).toBeUndefined();
    expect(policy.check('127.0.0.2', '127.0.0.2')).toMatch(/loopback/);
    expect(policy.check('other.internal', '10.9.0.1')).toMatch(/private/);
  });
});
