package org.pipesfs.nic.synthetic;

/**
 * Which traffic the synthetic generator makes. {@link #DEFAULT} is the mixed LAN of the
 * synthetic source: half HTTP with one-segment responses, DNS, echo and ARP, clients in
 * 10.1.0.0/16. {@link #WEB} is what a web server's uplink carries: mostly HTTP, responses of
 * 1 to 41 KB cut into full-size segments, clients spread over the IPv4 unicast space, so a
 * gigabyte holds about a million frames of about 1,000 bytes.
 */
public enum TrafficMix
{
    DEFAULT,
    WEB
}
