package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.activities.CorralWorkers;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ConfigSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tokens die with their user. Users live in the config; an attacker who knew a removed user's token
 * got it working again, with the new user's rights, as soon as a user of that name was added back.
 * Real config reloads and restarts, real HTTP on loopback, the real database.
 */
class RemovedUserTokensEndToEndTest {
  private static final CorralWorkers.Timings FAST =
      new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50));
  private static final String ROOT = "    - {name: root, password: root-pw, admin: true}\n";

  static Path dataDir;
  static Path file;
  static CorralApp app;
  static Http http;
  static String root;

  @BeforeAll
  static void start() throws IOException {
    dataDir = TestDirs.fresh("e2e-removed-users");
    file = Files.createDirectories(dataDir).resolve("corral.yaml");
    writeUsers(dataDir, file, "");
    app = CorralApp.start(ConfigSource.file(file, Map.of()), FAST);
    http = new Http(app.baseUrl());
    root = http.token("root", "root-pw");
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void aRemovedUsersToken_staysDead_whenAUserOfThatNameIsAddedBack_withTheSameOrAnotherPassword()
      throws IOException {
    usersAndReload("    - {name: dave, password: dave-pw, groups: [qa]}\n");
    String token = http.token("dave", "dave-pw");
    assertEquals(200, tokenGet(token).status());

    usersAndReload("    - {name: dave, password: dave-pw, groups: [qa, nightly]}\n");
    assertEquals(
        200, tokenGet(token).status(), "a reload that keeps dave's password keeps his tokens");

    usersAndReload("");
    assertEquals(401, tokenGet(token).status(), "dave is gone");
    assertVmpoolerSaysUnknown(token);

    usersAndReload("    - {name: dave, password: dave-pw}\n");
    assertEquals(
        401, tokenGet(token).status(), "the same password again does not bring the token back");
    assertVmpoolerSaysUnknown(token);

    usersAndReload(
        "    - {name: dave, password_hash: \""
            + PasswordHashes.bcrypt("new-dave-pw")
            + "\", admin: true}\n");
    Http.Reply asNewDave = http.send("GET", "/v1/leases", null, "X-AUTH-TOKEN", token);
    assertEquals(
        401,
        asNewDave.status(),
        "the new dave's rights (admin) are not the old token's: " + asNewDave.body());
    assertVmpoolerSaysUnknown(token);
    String newToken = http.token("dave", "new-dave-pw");
    assertEquals(200, tokenGet(newToken).status(), "the new dave gets tokens of his own");

    JsonNode listed = http.send("GET", "/v1/tokens?owner=dave", null, "X-AUTH-TOKEN", root).body();
    assertEquals(2, listed.size(), listed::toString);
    JsonNode old = listed.get(1);
    assertFalse(old.get("active").asBoolean(), old::toString);
    assertTrue(old.hasNonNull("revoked_at"), "revoked when dave was removed: " + old);
    assertTrue(listed.get(0).get("active").asBoolean(), listed::toString);
  }

  @Test
  void aChangedPassword_endsTheTokensIssuedForTheOldOne() throws IOException {
    usersAndReload(
        "    - {name: erin, password_hash: \"" + PasswordHashes.bcrypt("erin-pw-1") + "\"}\n");
    String token = http.token("erin", "erin-pw-1");
    String vmpoolerToken =
        http.send("POST", "/api/v3/token", null, "Authorization", Http.basic("erin", "erin-pw-1"))
            .body()
            .get("token")
            .asText();
    assertEquals(200, tokenGet(vmpoolerToken).status());

    // The same password hashed again is another string: what the operator changed is what counts.
    usersAndReload(
        "    - {name: erin, password_hash: \"" + PasswordHashes.bcrypt("erin-pw-2") + "\"}\n");
    assertEquals(401, tokenGet(token).status());
    assertEquals(401, tokenGet(vmpoolerToken).status());
    assertVmpoolerSaysUnknown(token);
    Http.Reply mine =
        http.send("GET", "/v1/tokens", null, "Authorization", Http.basic("erin", "erin-pw-2"));
    assertEquals(200, mine.status(), () -> mine.body().toString());
    mine.body()
        .forEach(
            t -> assertFalse(t.get("active").asBoolean(), "issued for the old password: " + t));
    assertEquals(
        404,
        http.send("GET", "/api/v3/token", null, "Authorization", Http.basic("erin", "erin-pw-2"))
            .status(),
        "vmpooler's list of erin's working tokens is empty");
    assertEquals(200, tokenGet(http.token("erin", "erin-pw-2")).status());
  }

  @Test
  void tokensFromBeforeUserStamps_keepWorkingForTheirConfiguredUser_andDieForUsersWhoLeft()
      throws IOException {
    Path dir = TestDirs.fresh("e2e-unstamped-tokens");
    Path config = Files.createDirectories(dir).resolve("corral.yaml");
    writeUsers(dir, config, "    - {name: frank, password: frank-pw}\n");
    String franks = "f".repeat(32);
    String ghosts = "g".repeat(32);
    try (CorralApp before = CorralApp.start(ConfigSource.file(config, Map.of()), FAST)) {
      // As the V16 migration leaves them: no stamp. ghost had been removed from the config before
      // the upgrade.
      insertUnstampedToken(before, franks, "frank");
      insertUnstampedToken(before, ghosts, "ghost");
    }
    try (CorralApp after = CorralApp.start(ConfigSource.file(config, Map.of()), FAST)) {
      Http client = new Http(after.baseUrl());
      String admin = client.token("root", "root-pw");
      assertEquals(
          200,
          client.send("GET", "/v1/tokens", null, "X-AUTH-TOKEN", franks).status(),
          "frank keeps his token: the start bound it to his configured password");
      assertEquals(401, client.send("GET", "/v1/tokens", null, "X-AUTH-TOKEN", ghosts).status());

      writeUsers(
          dir,
          config,
          "    - {name: frank, password: frank-pw}\n    - {name: ghost, password: ghost-pw}\n");
      assertEquals(
          200, client.send("POST", "/v1/config/reload", null, "X-AUTH-TOKEN", admin).status());
      assertEquals(
          401,
          client.send("GET", "/v1/tokens", null, "X-AUTH-TOKEN", ghosts).status(),
          "a later ghost does not take over the token revoked at the start");

      writeUsers(dir, config, "    - {name: frank, password: frank-new-pw}\n");
      assertEquals(
          200, client.send("POST", "/v1/config/reload", null, "X-AUTH-TOKEN", admin).status());
      assertEquals(
          401,
          client.send("GET", "/v1/tokens", null, "X-AUTH-TOKEN", franks).status(),
          "bound like any other token: frank's new password ends it");
    }
  }

  private static void usersAndReload(String users) throws IOException {
    writeUsers(dataDir, file, users);
    Http.Reply reloaded = http.send("POST", "/v1/config/reload", null, "X-AUTH-TOKEN", root);
    assertEquals(200, reloaded.status(), () -> reloaded.body().toString());
  }

  private static void writeUsers(Path dir, Path config, String users) throws IOException {
    Files.writeString(
        config,
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        auth:
          mode: tokens
          users:
        %s%s
        providers:
          sim: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, max_vms: 2, max_concurrent_clones: 1}
        pools:
          - {name: tiny, template: t, providers: [sim], size: 0}
        """
            .formatted(dir, ROOT, users));
  }

  private static Http.Reply tokenGet(String token) {
    return http.send("GET", "/v1/tokens", null, "X-AUTH-TOKEN", token);
  }

  /** vmpooler's {@code GET /token/<token>} must not call a dead token valid either. */
  private static void assertVmpoolerSaysUnknown(String token) {
    Http.Reply shown = http.get("/api/v3/token/" + token);
    assertEquals(404, shown.status(), () -> shown.body().toString());
    assertFalse(shown.body().get("ok").asBoolean());
  }

  private static void insertUnstampedToken(CorralApp corral, String token, String owner) {
    try (Connection c = corral.db().dataSource().getConnection();
        PreparedStatement insert =
            c.prepareStatement(
                "INSERT INTO auth_token (token_hash, owner, user_stamp, created_at) VALUES (?, ?, NULL, ?)")) {
      insert.setString(
          1,
          HexFormat.of()
              .formatHex(
                  MessageDigest.getInstance("SHA-256")
                      .digest(token.getBytes(StandardCharsets.UTF_8))));
      insert.setString(2, owner);
      insert.setTimestamp(3, Timestamp.from(Instant.now()));
      insert.executeUpdate();
      c.commit();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
