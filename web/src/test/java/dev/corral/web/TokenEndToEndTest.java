package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.activities.CorralWorkers;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ConfigLoader;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Users, tokens and the auth filter over real HTTP, with the real application and database. */
class TokenEndToEndTest {
  private static final CorralWorkers.Timings FAST =
      new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50));
  private static final String TOKEN_SHAPE = "[a-y][a-z0-9]{31}";

  static CorralApp app;
  static Http http;

  @BeforeAll
  static void start() {
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        auth:
          mode: tokens
          token_ttl: 30d
          users:
            - {name: alice, password: alice-pw, groups: [qa]}
            - {name: bob, password_hash: "%s"}
            - {name: carol, password_hash: "%s"}
            - {name: dave, password: dave-pw}
            - {name: root, password: root-pw, admin: true}
        providers:
          sim: {type: simulated, clone_seconds: [0.1, 0.2], boot_seconds: [0.1, 0.2], max_vms: 5, max_concurrent_clones: 2}
        pools:
          - {name: debian-12-x86_64, template: debian-12-base, size: 1}
        """
            .formatted(
                TestDirs.fresh("e2e-auth"), PasswordHashes.bcrypt("bob-pw"), argon2("carol-pw"));
    app = CorralApp.start(ConfigLoader.fromYaml(yaml, "auth.yaml", Map.of()), FAST);
    http = new Http(app.baseUrl());
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void basicCredentialsOfPlainBcryptAndArgon2Users_getATokenOnce_andWrongOnesGet401() {
    for (String user : List.of("alice", "bob", "carol")) {
      Http.Reply issued = http.send("POST", "/v1/tokens", null, basic(user, user + "-pw"));
      assertEquals(201, issued.status(), () -> user + ": " + issued.body());
      assertTrue(
          issued.body().get("token").asText().matches(TOKEN_SHAPE), "vmpooler's token format");
      assertEquals(user, issued.body().get("owner").asText());
      assertTrue(issued.body().get("id").asLong() > 0);
      Instant created = Instant.parse(issued.body().get("created_at").asText());
      assertEquals(
          created.plus(Duration.ofDays(30)),
          Instant.parse(issued.body().get("expires_at").asText()),
          "auth.token_ttl is the default");

      Http.Reply wrong = http.send("POST", "/v1/tokens", null, basic(user, "guess"));
      assertEquals(401, wrong.status());
      assertEquals("unauthorized", wrong.body().get("code").asText());
      assertEquals(
          "Basic realm=\"corral\"", wrong.headers().firstValue("WWW-Authenticate").orElse(null));
    }
    assertEquals(
        401,
        http.send("POST", "/v1/tokens", null, basic("mallory", "alice-pw")).status(),
        "unknown user");
    assertEquals(401, http.send("POST", "/v1/tokens", null).status(), "no credentials");
    String token = issue("alice", "alice-pw");
    assertEquals(
        401,
        http.send("POST", "/v1/tokens", null, "X-AUTH-TOKEN", token).status(),
        "a token cannot mint tokens: only a password can");
  }

  @Test
  void aRequestedTtl_isKeptUpToTheConfiguredMaximum() {
    Http.Reply week =
        http.send("POST", "/v1/tokens", "{\"ttl\": \"7d\"}", basic("alice", "alice-pw"));
    assertEquals(201, week.status());
    assertEquals(
        Instant.parse(week.body().get("created_at").asText()).plus(Duration.ofDays(7)),
        Instant.parse(week.body().get("expires_at").asText()));

    Http.Reply tooLong =
        http.send("POST", "/v1/tokens", "{\"ttl\": \"31d\"}", basic("alice", "alice-pw"));
    assertEquals(400, tooLong.status());
    assertEquals("30d", tooLong.body().get("detail").get("maximum").asText());
    assertTrue(tooLong.body().get("error").asText().contains("30d"));
    assertEquals(
        400,
        http.send("POST", "/v1/tokens", "{\"ttl\": \"soon\"}", basic("alice", "alice-pw"))
            .status());
    assertEquals(
        400,
        http.send("POST", "/v1/tokens", "{\"ttl\": \"0s\"}", basic("alice", "alice-pw")).status());
    assertEquals(
        400,
        http.send("POST", "/v1/tokens", "{\"owner\": \"root\"}", basic("alice", "alice-pw"))
            .status());
  }

  @Test
  void aTokenWorksInEitherHeader_andUnknownExpiredOrRevokedTokensGet401BeforeAnyHandler()
      throws Exception {
    String token = issue("alice", "alice-pw");
    assertEquals(200, http.send("GET", "/v1/tokens", null, "X-AUTH-TOKEN", token).status());
    assertEquals(
        200, http.send("GET", "/v1/tokens", null, "Authorization", "Bearer " + token).status());
    assertEquals(200, http.send("GET", "/v1/pools", null, "X-AUTH-TOKEN", token).status());

    String unknown = "a" + "0".repeat(31);
    Http.Reply rejected =
        http.send(
            "POST", "/v1/leases", "{\"vms\": {\"debian-12-x86_64\": 1}}", "X-AUTH-TOKEN", unknown);
    assertEquals(401, rejected.status(), "the lease handler never saw the request");
    assertEquals("unauthorized", rejected.body().get("code").asText());
    assertEquals(
        401,
        http.send("GET", "/v1/pools", null, "Authorization", "Bearer " + unknown).status(),
        "a bad token is refused even where anonymous callers are welcome");
    assertEquals(200, http.get("/v1/pools").status(), "no credentials at all is fine there");

    String shortLived =
        http.send("POST", "/v1/tokens", "{\"ttl\": \"1s\"}", basic("alice", "alice-pw"))
            .body()
            .get("token")
            .asText();
    assertEquals(200, http.send("GET", "/v1/tokens", null, "X-AUTH-TOKEN", shortLived).status());
    Thread.sleep(1_200);
    assertEquals(
        401, http.send("GET", "/v1/tokens", null, "X-AUTH-TOKEN", shortLived).status(), "expired");

    Http.Reply issued = http.send("POST", "/v1/tokens", null, basic("alice", "alice-pw"));
    String revokedToken = issued.body().get("token").asText();
    assertEquals(200, http.send("GET", "/v1/tokens", null, "X-AUTH-TOKEN", revokedToken).status());
    Http.Reply revoked =
        http.send(
            "DELETE",
            "/v1/tokens/" + issued.body().get("id").asLong(),
            null,
            "X-AUTH-TOKEN",
            token);
    assertEquals(200, revoked.status(), () -> revoked.body().toString());
    assertNotNull(revoked.body().get("revoked_at").textValue());
    assertFalse(revoked.body().get("active").asBoolean());
    assertEquals(
        401,
        http.send("GET", "/v1/tokens", null, "X-AUTH-TOKEN", revokedToken).status(),
        "revoked at once, though it was just used and cached");
  }

  @Test
  void onlyTheOwnerOrAnAdmin_mayRevokeOrListSomeoneElsesTokens() {
    Http.Reply alices = http.send("POST", "/v1/tokens", null, basic("alice", "alice-pw"));
    long id = alices.body().get("id").asLong();
    issue("bob", "bob-pw");

    Http.Reply byBob = http.send("DELETE", "/v1/tokens/" + id, null, basic("bob", "bob-pw"));
    assertEquals(403, byBob.status());
    assertEquals("forbidden", byBob.body().get("code").asText());
    assertEquals(401, http.send("DELETE", "/v1/tokens/" + id, null).status(), "anonymous");
    assertEquals(
        403, http.send("GET", "/v1/tokens?owner=alice", null, basic("bob", "bob-pw")).status());
    assertTrue(
        owners(http.send("GET", "/v1/tokens", null, basic("bob", "bob-pw")).body()).stream()
            .allMatch("bob"::equals),
        "a user lists only their own tokens");

    List<String> all =
        owners(http.send("GET", "/v1/tokens", null, basic("root", "root-pw")).body());
    assertTrue(all.contains("alice") && all.contains("bob"), "an admin lists everyone's");
    assertTrue(
        owners(http.send("GET", "/v1/tokens?owner=alice", null, basic("root", "root-pw")).body())
            .stream()
            .allMatch("alice"::equals));

    assertEquals(
        200, http.send("DELETE", "/v1/tokens/" + id, null, basic("root", "root-pw")).status());
    assertEquals(
        401,
        http.send("GET", "/v1/tokens", null, "X-AUTH-TOKEN", alices.body().get("token").asText())
            .status());
    Http.Reply unknown = http.send("DELETE", "/v1/tokens/99999999", null, basic("root", "root-pw"));
    assertEquals(404, unknown.status());
    assertEquals("unknown_token", unknown.body().get("code").asText());
    assertEquals(
        400, http.send("DELETE", "/v1/tokens/abc", null, basic("root", "root-pw")).status());
  }

  @Test
  void listings_neverShowATokenSecret() {
    List<String> secrets = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      secrets.add(issue("carol", "carol-pw"));
    }
    String native1 =
        http.send("GET", "/v1/tokens", null, basic("carol", "carol-pw")).body().toString();
    String admin = http.send("GET", "/v1/tokens", null, basic("root", "root-pw")).body().toString();
    String v3 =
        http.send("GET", "/api/v3/token", null, basic("carol", "carol-pw")).body().toString();
    for (String secret : secrets) {
      assertFalse(
          native1.contains(secret) || admin.contains(secret) || v3.contains(secret),
          "secret shown");
    }
    for (JsonNode token : http.send("GET", "/v1/tokens", null, basic("carol", "carol-pw")).body()) {
      assertFalse(token.has("token") || token.has("token_hash"), token::toString);
    }
  }

  @Test
  void vmpoolerTokenEndpoints_answerInVmpoolersShapes() throws Exception {
    Http.Reply posted = http.send("POST", "/api/v3/token", null, basic("dave", "dave-pw"));
    assertEquals(200, posted.status());
    assertTrue(posted.body().get("ok").asBoolean());
    String token = posted.body().get("token").asText();
    assertTrue(token.matches(TOKEN_SHAPE));

    Http.Reply badPassword = http.send("POST", "/api/v3/token", null, basic("dave", "nope"));
    assertEquals(401, badPassword.status());
    assertFalse(badPassword.body().get("ok").asBoolean());
    assertTrue(badPassword.body().has("error"));

    Http.Reply listed = http.send("GET", "/api/v3/token", null, basic("dave", "dave-pw"));
    assertEquals(200, listed.status());
    assertTrue(listed.body().get("ok").asBoolean());
    assertEquals(2, listed.body().size(), "ok plus dave's one token: " + listed.body());
    JsonNode entry =
        listed.body().properties().stream()
            .filter(e -> !e.getKey().equals("ok"))
            .findFirst()
            .orElseThrow()
            .getValue();
    assertTrue(
        entry.get("created").asText().matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\+0000"),
        entry::toString);
    assertEquals("never", entry.get("last").asText());
    assertEquals(
        404,
        http.send("GET", "/api/v3/token", null, basic("root", "root-pw")).status(),
        "no tokens, as in vmpooler");

    leaseToDave("dave-vm-1.pool.test");
    Http.Reply shown = http.get("/api/v3/token/" + token);
    assertEquals(200, shown.status());
    assertTrue(shown.body().get("ok").asBoolean());
    JsonNode details = shown.body().get(token);
    assertEquals("dave", details.get("user").asText());
    assertTrue(details.has("created") && details.has("last"));
    assertEquals(List.of("dave-vm-1.pool.test"), texts(details.get("vms").get("running")));

    Http.Reply unknown = http.get("/api/v3/token/" + "b".repeat(32));
    assertEquals(404, unknown.status());
    assertFalse(unknown.body().get("ok").asBoolean());

    assertEquals(401, http.send("DELETE", "/api/v3/token/" + token, null).status());
    Http.Reply byAlice =
        http.send("DELETE", "/api/v3/token/" + token, null, basic("alice", "alice-pw"));
    assertEquals(403, byAlice.status(), "unlike vmpooler, only the owner or an admin");
    assertFalse(byAlice.body().get("ok").asBoolean());
    Http.Reply byDave =
        http.send("DELETE", "/api/v3/token/" + token, null, basic("dave", "dave-pw"));
    assertEquals(200, byDave.status());
    assertTrue(byDave.body().get("ok").asBoolean());
    assertEquals(404, http.get("/api/v3/token/" + token).status());
    assertEquals(401, http.send("GET", "/v1/pools", null, "X-AUTH-TOKEN", token).status());
  }

  @Test
  void withAuthOff_tokenEndpointsAre404_andCredentialsAreIgnored() {
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        providers:
          sim: {type: simulated, clone_seconds: [0.1, 0.2], boot_seconds: [0.1, 0.2], max_vms: 5, max_concurrent_clones: 2}
        pools:
          - {name: debian-12-x86_64, template: debian-12-base, size: 1}
        """
            .formatted(TestDirs.fresh("e2e-noauth"));
    try (CorralApp open =
        CorralApp.start(ConfigLoader.fromYaml(yaml, "noauth.yaml", Map.of()), FAST)) {
      Http client = new Http(open.baseUrl());
      Http.Reply post = client.send("POST", "/v1/tokens", null, basic("alice", "alice-pw"));
      assertEquals(404, post.status());
      assertEquals("auth_off", post.body().get("code").asText());
      assertTrue(post.body().get("error").asText().contains("auth is off"));
      assertEquals(404, client.get("/v1/tokens").status());
      assertEquals(404, client.delete("/v1/tokens/1").status());
      Http.Reply v3 = client.send("POST", "/api/v3/token", null, basic("alice", "alice-pw"));
      assertEquals(404, v3.status());
      assertFalse(v3.body().get("ok").asBoolean());
      assertEquals(404, client.get("/api/v3/token/" + "c".repeat(32)).status());
      assertEquals(
          200,
          client.send("GET", "/v1/pools", null, "X-AUTH-TOKEN", "not-a-token").status(),
          "with auth off nobody is checked: every request is open");
      assertEquals(200, client.send("GET", "/v1/pools", null, basic("nobody", "x")).status());
    }
  }

  private static String issue(String user, String password) {
    Http.Reply reply = http.send("POST", "/v1/tokens", null, basic(user, password));
    assertEquals(201, reply.status(), () -> reply.body().toString());
    return reply.body().get("token").asText();
  }

  private static String[] basic(String user, String password) {
    String pair =
        Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    return new String[] {"Authorization", "Basic " + pair};
  }

  private static List<String> owners(JsonNode tokens) {
    List<String> owners = new ArrayList<>();
    tokens.forEach(t -> owners.add(t.get("owner").asText()));
    return owners;
  }

  private static List<String> texts(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(v -> values.add(v.asText()));
    return values;
  }

  /**
   * A VM leased to dave, written straight into the inventory: lease owners are not set through the
   * API yet.
   */
  private static void leaseToDave(String hostname) throws Exception {
    Timestamp now = Timestamp.from(Instant.now());
    String leaseId = UUID.randomUUID().toString();
    try (Connection c = app.db().dataSource().getConnection()) {
      try (PreparedStatement lease =
          c.prepareStatement(
              "INSERT INTO lease (id, state, owner, created_at, expires_at) VALUES (?, 'active', 'dave', ?, ?)")) {
        lease.setString(1, leaseId);
        lease.setTimestamp(2, now);
        lease.setTimestamp(3, Timestamp.from(Instant.now().plus(Duration.ofHours(1))));
        lease.executeUpdate();
      }
      try (PreparedStatement vm =
          c.prepareStatement(
              "INSERT INTO vm (name, pool, provider, template, state, hostname, lease_id, created_at, leased_at, updated_at) "
                  + "VALUES ('dave-vm-1', 'seeded', 'sim', 'tpl', 'leased', ?, ?, ?, ?, ?)")) {
        vm.setString(1, hostname);
        vm.setString(2, leaseId);
        vm.setTimestamp(3, now);
        vm.setTimestamp(4, now);
        vm.setTimestamp(5, now);
        vm.executeUpdate();
      }
      c.commit();
    }
  }

  private static String argon2(String password) {
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    Argon2Parameters parameters =
        new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
            .withVersion(Argon2Parameters.ARGON2_VERSION_13)
            .withMemoryAsKB(1024)
            .withIterations(2)
            .withParallelism(1)
            .withSalt(salt)
            .build();
    Argon2BytesGenerator generator = new Argon2BytesGenerator();
    generator.init(parameters);
    byte[] hash = new byte[32];
    generator.generateBytes(password.getBytes(StandardCharsets.UTF_8), hash);
    Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
    return "$argon2id$v=19$m=1024,t=2,p=1$"
        + b64.encodeToString(salt)
        + "$"
        + b64.encodeToString(hash);
  }
}
