package dev.corral.config;

import static dev.corral.config.TestConfigs.failure;
import static dev.corral.config.TestConfigs.load;
import static dev.corral.config.TestConfigs.problemAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestLimitsConfigTest {

  @Test
  void withoutTheKeys_bodiesAreLimitedTo64KiB_andNothingIsRateLimited() {
    CorralConfig c = load("server: {port: 0}\n");
    assertEquals(65536, c.server().maxBodyBytes());
    assertTrue(c.server().rateLimits().off());
  }

  @Test
  void rateLimitsAndBodySize_areRead() {
    CorralConfig c =
        load(
            """
        server: {max_body_bytes: 4096}
        rate_limits:
          per_token: {requests: 50, per: 1s}
          per_address: {requests: 200, per: 1m}
          exempt_addresses: [127.0.0.1]
        """);
    assertEquals(4096, c.server().maxBodyBytes());
    assertEquals(
        new ServerConfig.Rate(50, Duration.ofSeconds(1)), c.server().rateLimits().perToken());
    assertEquals(
        new ServerConfig.Rate(200, Duration.ofMinutes(1)), c.server().rateLimits().perAddress());
    assertEquals(List.of("127.0.0.1"), c.server().rateLimits().exemptAddresses());
  }

  @Test
  void onlyPerAddress_leavesUsersUnlimited() {
    CorralConfig c = load("rate_limits: {per_address: {requests: 10, per: 1s}}\n");
    assertNull(c.server().rateLimits().perToken());
  }

  @Test
  void badLimits_areProblemsWithTheirLines() {
    ConfigException e =
        failure(
            """
        server:
          max_body_bytes: 10
        rate_limits:
          per_token: {per: 1s}
          per_address: {requests: 0, per: -1s}
          per_day: 5
        """);
    assertEquals(5, e.problems().size(), e.getMessage());
    assertEquals(2, problemAt(e, "server.max_body_bytes").line());
    assertEquals(4, problemAt(e, "rate_limits.per_token.requests").line());
    assertTrue(problemAt(e, "rate_limits.per_token.requests").message().startsWith("is required"));
    assertEquals(5, problemAt(e, "rate_limits.per_address.requests").line());
    assertEquals(5, problemAt(e, "rate_limits.per_address.per").line());
    assertEquals(6, problemAt(e, "rate_limits.per_day").line());
  }
}
