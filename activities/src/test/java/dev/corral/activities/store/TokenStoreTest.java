package dev.corral.activities.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.store.rows.TokenRow;
import dev.corral.activities.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TokenStoreTest {
  static Db db;
  static TokenStore tokens;
  static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

  /** What the web layer stores: a stamp of the owner's configured credential. */
  static final String STAMP = "5".repeat(64);

  @BeforeAll
  static void startDatabase() {
    db = TestDatabase.freshDb();
    tokens = new TokenStore(db);
  }

  @AfterAll
  static void closeDatabase() {
    db.close();
  }

  @Test
  void anIssuedToken_isFoundByItsSecret_butOnlyItsHashIsStored() throws SQLException {
    TokenRow issued = tokens.issue("secret-one", "alice", STAMP, NOW, NOW.plus(Duration.ofDays(1)));
    assertEquals("alice", issued.owner());
    assertEquals(NOW, issued.createdAt());
    assertEquals(STAMP, issued.userStamp(), "bound to its owner's credential as it was configured");
    assertNull(issued.lastUsedAt());

    assertEquals(issued.id(), tokens.findActive("secret-one", NOW).orElseThrow().id());
    assertTrue(tokens.findActive("secret-two", NOW).isEmpty(), "another secret finds nothing");
    List<String> stored = column("SELECT token_hash FROM auth_token WHERE id = " + issued.id());
    assertEquals(List.of(TokenStore.hash("secret-one")), stored);
    assertEquals(64, stored.get(0).length());
    assertFalse(stored.get(0).contains("secret"), "the token itself is never stored");
  }

  @Test
  void expiredAndRevokedTokens_areNotActive_andRevokingTwiceKeepsTheFirstTime() {
    TokenRow expiring = tokens.issue("secret-expiring", "bob", STAMP, NOW, NOW.plusSeconds(60));
    assertTrue(tokens.findActive("secret-expiring", NOW.plusSeconds(59)).isPresent());
    assertTrue(
        tokens.findActive("secret-expiring", NOW.plusSeconds(60)).isEmpty(),
        "expired at expires_at");

    TokenRow forever = tokens.issue("secret-forever", "bob", STAMP, NOW, null);
    assertTrue(
        tokens.findActive("secret-forever", NOW.plus(Duration.ofDays(3650))).isPresent(),
        "null expiry never expires");
    TokenRow revoked = tokens.revoke(forever.id(), NOW.plusSeconds(5)).orElseThrow();
    assertEquals(NOW.plusSeconds(5), revoked.revokedAt());
    assertTrue(tokens.findActive("secret-forever", NOW.plusSeconds(6)).isEmpty());
    assertEquals(
        NOW.plusSeconds(5),
        tokens.revoke(forever.id(), NOW.plusSeconds(9)).orElseThrow().revokedAt());
    assertTrue(tokens.revoke(999_999, NOW).isEmpty(), "no such token");
    assertFalse(expiring.activeAt(NOW.plusSeconds(60)));
  }

  @Test
  void listsAreByOwnerOrAll_newestFirst() {
    TokenRow first = tokens.issue("secret-c1", "carol", STAMP, NOW, null);
    TokenRow second = tokens.issue("secret-c2", "carol", STAMP, NOW, null);
    tokens.issue("secret-d1", "dave", STAMP, NOW, null);
    assertEquals(
        List.of(second.id(), first.id()),
        tokens.listByOwner("carol").stream().map(TokenRow::id).toList());
    List<String> owners = new ArrayList<>(tokens.listAll().stream().map(TokenRow::owner).toList());
    assertTrue(owners.containsAll(List.of("carol", "dave")));
    assertTrue(tokens.listByOwner("nobody").isEmpty());
  }

  @Test
  void lastUsed_isWrittenAtMostOncePerMinutePerToken() {
    TokenRow row = tokens.issue("secret-used", "erin", STAMP, NOW, null);
    tokens.markUsed(row.id(), NOW.plusSeconds(1));
    assertEquals(NOW.plusSeconds(1), tokens.find(row.id()).orElseThrow().lastUsedAt());
    tokens.markUsed(row.id(), NOW.plusSeconds(30));
    tokens.markUsed(row.id(), NOW.plusSeconds(59));
    assertEquals(
        NOW.plusSeconds(1),
        tokens.find(row.id()).orElseThrow().lastUsedAt(),
        "no write within the minute");
    tokens.markUsed(row.id(), NOW.plusSeconds(61));
    assertEquals(NOW.plusSeconds(61), tokens.find(row.id()).orElseThrow().lastUsedAt());

    // Another process (a second store on the same database) does not write within the minute
    // either.
    new TokenStore(db).markUsed(row.id(), NOW.plusSeconds(62));
    assertEquals(NOW.plusSeconds(61), tokens.find(row.id()).orElseThrow().lastUsedAt());
    assertNotNull(tokens.findActive("secret-used", NOW.plusSeconds(62)).orElseThrow().lastUsedAt());
  }

  private static List<String> column(String sql) throws SQLException {
    List<String> values = new ArrayList<>();
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement st = c.prepareStatement(sql);
        ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        values.add(rs.getString(1));
      }
      c.commit();
    }
    return values;
  }
}
