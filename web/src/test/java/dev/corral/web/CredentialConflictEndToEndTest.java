package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.corral.activities.CorralWorkers;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ConfigLoader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every credential a request carries is checked: a wrong password was ignored when a good token
 * came with it, so a client could go on guessing passwords behind someone's token, though the
 * README promised a 401 for any bad password. Real HTTP on loopback, the real database.
 */
class CredentialConflictEndToEndTest {
  static CorralApp app;
  static Http http;
  static String alice;
  static String bob;

  @BeforeAll
  static void start() {
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        auth:
          mode: tokens
          users:
            - {name: alice, password: alice-pw}
            - {name: bob, password: bob-pw}
        providers:
          sim: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, max_vms: 5, max_concurrent_clones: 5}
        pools:
          - {name: open, template: t, providers: [sim], size: 1, anonymous: true}
        """
            .formatted(TestDirs.fresh("e2e-credential-conflict"));
    app =
        CorralApp.start(
            ConfigLoader.fromYaml(yaml, "credentials.yaml", Map.of()),
            new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50)));
    http = new Http(app.baseUrl());
    alice = http.token("alice", "alice-pw");
    bob = http.token("bob", "bob-pw");
    http.await(
        "/v1/pools",
        Duration.ofSeconds(60),
        pools -> Http.pool(pools, "open").get("ready").asInt() == 1);
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void aGoodTokenWithAWrongPassword_is401_evenWhereAnonymousCallersAreWelcome() {
    List<String[]> bad =
        List.of(
            new String[] {"X-AUTH-TOKEN", alice, "Authorization", Http.basic("alice", "wrong")},
            new String[] {
              "X-AUTH-TOKEN", alice, "Authorization", Http.basic("mallory", "alice-pw")
            },
            new String[] {"X-AUTH-TOKEN", alice, "Authorization", "Bearer " + "a".repeat(32)},
            new String[] {"X-AUTH-TOKEN", "a".repeat(32), "Authorization", "Bearer " + alice},
            new String[] {"X-AUTH-TOKEN", alice, "Authorization", "Basic !!!"});
    for (String[] headers : bad) {
      Http.Reply pools = http.send("GET", "/v1/pools", null, headers);
      assertEquals(401, pools.status(), () -> String.join(" ", headers) + ": " + pools.body());
      assertEquals("unauthorized", pools.body().get("code").asText());
      Http.Reply lease = http.send("POST", "/v1/leases", "{\"vms\": {\"open\": 1}}", headers);
      assertEquals(401, lease.status(), () -> lease.body().toString());
      Http.Reply v3 = http.send("POST", "/api/v3/vm/open", null, headers);
      assertEquals(401, v3.status(), () -> v3.body().toString());
      assertFalse(v3.body().get("ok").asBoolean());
    }
    assertEquals(0, leased(), "nothing was leased by the refused requests");
  }

  @Test
  void credentialsOfTwoDifferentUsers_are401_whileTwoOfTheSameUserAreFine() {
    Http.Reply mixed =
        http.send(
            "GET",
            "/v1/tokens",
            null,
            "X-AUTH-TOKEN",
            alice,
            "Authorization",
            Http.basic("bob", "bob-pw"));
    assertEquals(401, mixed.status(), () -> mixed.body().toString());
    assertEquals(
        401,
        http.send(
                "GET", "/v1/tokens", null, "X-AUTH-TOKEN", alice, "Authorization", "Bearer " + bob)
            .status());

    Http.Reply same =
        http.send(
            "GET",
            "/v1/tokens",
            null,
            "X-AUTH-TOKEN",
            alice,
            "Authorization",
            Http.basic("alice", "alice-pw"));
    assertEquals(200, same.status(), () -> same.body().toString());
    same.body().forEach(t -> assertEquals("alice", t.get("owner").asText()));
    assertEquals(
        401,
        http.send(
                "POST",
                "/v1/tokens",
                null,
                "X-AUTH-TOKEN",
                alice,
                "Authorization",
                Http.basic("alice", "alice-pw"))
            .status(),
        "with a token along, still no token mints tokens");
  }

  private static int leased() {
    return Http.pool(http.get("/v1/pools").body(), "open").get("leased").asInt();
  }
}
