package dev.corral.web.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.config.MetricsConfig;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code metrics.statsd}: the meters Corral records reach a statsd server over UDP, in the
 * configured flavor.
 */
class StatsdExportTest {

  @Test
  void etsyFlavor_sendsCorralNamesAfterThePrefix_andPrometheusStillSeesThemUnprefixed()
      throws Exception {
    try (DatagramSocket server = udpServer()) {
      List<String> lines;
      try (CorralMetrics metrics = statsdTo(server, MetricsConfig.Flavor.ETSY, "ci")) {
        LeaseMetrics leases = new LeaseMetrics(metrics.registry());
        lines = receiveUntil(server, "ci.corral_", () -> leases.leased(Map.of("debian-12", 2)));
        assertTrue(
            metrics.scrape().contains("corral_lease_vms_total{pool=\"debian-12\"} "),
            metrics.scrape());
      }
      assertTrue(
          lines.stream()
              .anyMatch(l -> l.matches("ci\\.corral_lease_success\\..*pool\\.debian-12.*:1\\|c")),
          "lines received: " + lines);
    }
  }

  @Test
  void telegrafFlavor_sendsCorralNamesWithTags() throws Exception {
    try (DatagramSocket server = udpServer()) {
      List<String> lines;
      try (CorralMetrics metrics = statsdTo(server, MetricsConfig.Flavor.TELEGRAF, null)) {
        LeaseMetrics leases = new LeaseMetrics(metrics.registry());
        lines = receiveUntil(server, "corral_lease_empty", () -> leases.empty("debian-12"));
      }
      assertTrue(
          lines.stream().anyMatch(l -> l.matches("corral_lease_empty,.*pool=debian-12.*:1\\|c")),
          "lines received: " + lines);
    }
  }

  private static DatagramSocket udpServer() throws Exception {
    DatagramSocket server = new DatagramSocket(0, InetAddress.getLoopbackAddress());
    server.setSoTimeout(500);
    return server;
  }

  private static CorralMetrics statsdTo(
      DatagramSocket server, MetricsConfig.Flavor flavor, String prefix) {
    return CorralMetrics.create(
        new MetricsConfig(
            new MetricsConfig.Statsd("127.0.0.1", server.getLocalPort(), flavor, prefix)),
        Duration.ofMillis(200));
  }

  /**
   * Every line received until one contains {@code wanted}, for at most 10 s, recording again each
   * time nothing came: the registry connects its UDP client in the background and drops what it
   * records before that.
   */
  private static List<String> receiveUntil(DatagramSocket server, String wanted, Runnable record)
      throws Exception {
    List<String> lines = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    byte[] buffer = new byte[65536];
    while (System.nanoTime() < deadline) {
      record.run();
      DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
      try {
        server.receive(packet);
      } catch (SocketTimeoutException e) {
        continue;
      }
      for (String line :
          new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8).split("\n")) {
        lines.add(line);
      }
      if (lines.stream().anyMatch(l -> l.contains(wanted))) {
        return lines;
      }
    }
    return lines;
  }
}
