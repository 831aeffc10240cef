package dev.corral.activities.provider.libvirt;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.libvirt.Domain;
import org.libvirt.DomainInterface;
import org.libvirt.LibvirtException;

/** How a guest is reached: loopback forwards in user mode, its own address otherwise. */
final class Addresses {
  /** What a lease reply gives as the address in user mode: the forwards listen on loopback only. */
  static final String LOOPBACK = "127.0.0.1";

  /**
   * Where libvirt can learn a guest's address, in the order asked: its network's DHCP leases (a
   * libvirt network), the QEMU guest agent, then the host's ARP table (a bridge the host does not
   * serve DHCP on).
   */
  private static final int[] SOURCES = {
    Domain.InterfaceAddressesSource.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE,
    Domain.InterfaceAddressesSource.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT,
    Domain.InterfaceAddressesSource.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP
  };

  private Addresses() {}

  /**
   * The guest's IPv4 address from the first source that knows one; empty while none does (the guest
   * has not asked for a lease yet). A source the host does not offer is skipped.
   */
  static Optional<String> guestAddress(Domain domain) {
    for (int source : SOURCES) {
      try {
        for (DomainInterface nic : domain.interfaceAddresses(source, 0)) {
          Optional<String> address = firstIpv4(nic);
          if (address.isPresent()) {
            return address;
          }
        }
      } catch (LibvirtException | RuntimeException notOffered) {
        // No guest agent in the domain, no ARP entry yet, no lease source for a bridge.
      }
    }
    return Optional.empty();
  }

  private static Optional<String> firstIpv4(DomainInterface nic) {
    if (nic.addrs == null) {
      return Optional.empty();
    }
    for (DomainInterface.InterfaceAddress a : nic.addrs) {
      InetAddress address = a.address;
      if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
        return Optional.of(address.getHostAddress());
      }
    }
    return Optional.empty();
  }

  /**
   * Free loopback ports of this host, one per guest port, for the forwards of a new domain. They
   * are free when asked; one taken before QEMU binds it fails the start, and the clone's retry
   * picks others.
   */
  static Map<String, Integer> freeLoopbackPorts(Map<String, Integer> guestPorts) {
    List<ServerSocket> held = new ArrayList<>();
    Map<String, Integer> ports = new LinkedHashMap<>();
    try {
      // Held open together, so the kernel never hands out the same port twice.
      for (String name : guestPorts.keySet()) {
        ServerSocket s = new ServerSocket();
        held.add(s);
        s.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), 0));
        ports.put(name, s.getLocalPort());
      }
      return ports;
    } catch (IOException e) {
      throw new IllegalStateException("no free loopback port: " + e.getMessage(), e);
    } finally {
      for (ServerSocket s : held) {
        try {
          s.close();
        } catch (IOException e) {
          // Closing a listening socket does not fail in a way that matters here.
        }
      }
    }
  }
}
