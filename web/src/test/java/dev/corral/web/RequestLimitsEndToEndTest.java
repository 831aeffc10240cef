package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.activities.CorralWorkers;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ConfigLoader;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code server.max_body_bytes} and {@code rate_limits}: an oversized body is refused with 413
 * before anything reads it, and a caller over its rate gets 429 with Retry-After; neither changes
 * anything. The per-address test runs last: once loopback is over its hour's budget, this app
 * answers nothing else.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RequestLimitsEndToEndTest {
  private static final int LIMIT = 2048;
  private static final int PER_ADDRESS = 80;
  static CorralApp app;
  static Http http;
  static String alice;
  static String bob;

  @BeforeAll
  static void start() {
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0, max_body_bytes: %d}
        rate_limits:
          per_token: {requests: 5, per: 1h}
          per_address: {requests: %d, per: 1h}
        auth:
          mode: tokens
          users:
            - {name: alice, password: alice-pw}
            - {name: bob, password: bob-pw}
        providers:
          sim: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, max_vms: 10}
        pools:
          - {name: deb, template: t, size: 2, anonymous: true}
        """
            .formatted(TestDirs.fresh("e2e-request-limits"), LIMIT, PER_ADDRESS);
    app =
        CorralApp.start(
            ConfigLoader.fromYaml(yaml, "limits.yaml", Map.of()),
            new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50)));
    http = new Http(app.baseUrl());
    alice = http.token("alice", "alice-pw");
    bob = http.token("bob", "bob-pw");
    http.await(
        "/v1/pools", Duration.ofSeconds(60), pools -> pools.get(0).get("ready").asInt() == 2);
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  /** A lease request padded with spaces (still valid JSON) to {@code size} bytes. */
  private static String leaseBody(int size) {
    String body = "{\"vms\": {\"deb\": 1}}";
    return body + " ".repeat(size - body.length());
  }

  @Test
  @Order(1)
  void anOversizedBody_gets413NamingTheLimit_andLeasesNothing() {
    Http.Reply declared =
        http.send("POST", "/v1/leases", leaseBody(LIMIT + 1), "X-AUTH-TOKEN", alice);
    assertEquals(413, declared.status(), "body " + declared.body());
    assertEquals("body_too_large", declared.body().get("code").asText());
    assertTrue(
        declared.body().get("error").asText().contains(LIMIT + " bytes (server.max_body_bytes)"),
        declared.body().toString());

    byte[] big = leaseBody(200_000).getBytes(StandardCharsets.UTF_8);
    Http.Reply chunked =
        http.sendBody(
            "POST",
            "/v1/leases",
            HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)),
            "X-AUTH-TOKEN",
            alice);
    assertEquals(
        413,
        chunked.status(),
        "a chunked body (no Content-Length) is bounded too: " + chunked.body());
    assertEquals(LIMIT, chunked.body().get("detail").get("max_body_bytes").asInt());

    Http.Reply vmpooler =
        http.send("POST", "/api/v3/vm/deb", leaseBody(LIMIT * 4), "X-AUTH-TOKEN", alice);
    assertEquals(413, vmpooler.status(), "a handler that ignores the body is still not reached");
    assertEquals(
        false,
        vmpooler.body().get("ok").asBoolean(),
        "vmpooler's shape under /api/v3: " + vmpooler.body());

    JsonNode pool = http.get("/v1/pools").body().get(0);
    assertEquals(0, pool.get("leased").asInt(), "no oversized request leased a VM");

    byte[] fits = leaseBody(LIMIT).getBytes(StandardCharsets.UTF_8);
    Http.Reply atLimit =
        http.sendBody(
            "POST",
            "/v1/leases",
            HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(fits)),
            "X-AUTH-TOKEN",
            alice);
    assertEquals(201, atLimit.status(), "a body of exactly the limit is served: " + atLimit.body());
    assertEquals(
        200,
        http.send(
                "DELETE",
                "/v1/leases/" + atLimit.body().get("id").asText(),
                null,
                "X-AUTH-TOKEN",
                alice)
            .status());
  }

  @Test
  @Order(2)
  void aUserOverTheirRate_gets429WithRetryAfter_whileOthersAreServed() {
    // alice has used 3 of her 5 (token, lease, release; the 413s never reached the limiter); use up
    // the rest.
    Http.Reply reply;
    int served = 0;
    do {
      reply = http.send("GET", "/v1/leases", null, "X-AUTH-TOKEN", alice);
      served++;
    } while (reply.status() == 200 && served <= 5);
    assertEquals(429, reply.status(), "alice was never throttled: " + reply.body());
    assertEquals("rate_limited", reply.body().get("code").asText());
    assertEquals("per_token", reply.body().get("detail").get("limit").asText());
    String retryAfter = reply.headers().firstValue("Retry-After").orElse(null);
    assertNotNull(retryAfter, "429 carries Retry-After");
    long seconds = Long.parseLong(retryAfter);
    assertTrue(
        seconds >= 1 && seconds <= 3600,
        "Retry-After in whole seconds within the window: " + seconds);

    Http.Reply lease =
        http.send("POST", "/v1/leases", "{\"vms\": {\"deb\": 1}}", "X-AUTH-TOKEN", alice);
    assertEquals(429, lease.status(), "a throttled lease is refused, not queued");
    Http.Reply vmpooler = http.send("POST", "/api/v3/vm/deb", null, "X-AUTH-TOKEN", alice);
    assertEquals(429, vmpooler.status());
    assertEquals(false, vmpooler.body().get("ok").asBoolean(), vmpooler.body().toString());
    assertTrue(vmpooler.headers().firstValue("Retry-After").isPresent());

    assertEquals(
        200,
        http.send("GET", "/v1/leases", null, "X-AUTH-TOKEN", bob).status(),
        "bob has his own bucket");
    assertEquals(
        0,
        http.get("/v1/pools").body().get(0).get("leased").asInt(),
        "no throttled request leased a VM");
  }

  @Test
  @Order(3)
  void anAddressOverItsRate_gets429_evenWithoutCredentials() {
    Http.Reply reply = null;
    for (int i = 0; i <= PER_ADDRESS; i++) {
      reply = http.get("/v1/pools");
      if (reply.status() == 429) {
        break;
      }
      assertEquals(200, reply.status());
    }
    assertEquals(429, reply.status(), "loopback is counted like any address");
    assertEquals("per_address", reply.body().get("detail").get("limit").asText());
    assertTrue(reply.headers().firstValue("Retry-After").isPresent());
    Http.Reply password =
        http.send("POST", "/v1/tokens", null, "Authorization", Http.basic("bob", "guess"));
    assertEquals(429, password.status(), "password guesses are throttled before they are checked");
  }
}
