package dev.corral.activities.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mysql.cj.jdbc.exceptions.CommunicationsException;
import dev.corral.activities.store.embedded.EmbeddedMariaDb;
import dev.corral.activities.testing.TestDirs;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLSyntaxErrorException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import org.apache.ibatis.exceptions.PersistenceException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What every unit of work sees while the database is away: a {@link DatabaseUnavailableException}
 * at once (not after the pool's ten-second wait), and the work going through again by itself once
 * the database is back. Against a real MariaDB of this class's own, which the test stops and
 * starts.
 */
class DatabaseAvailabilityTest {
  private static EmbeddedMariaDb server;
  private static Db db;

  @BeforeAll
  static void start() {
    server = EmbeddedMariaDb.start(TestDirs.fresh("mariadb-availability"));
    db = Db.connect(server.jdbcUrl(), server.user(), server.password(), 4);
    db.migrate();
  }

  @AfterAll
  static void stop() {
    db.close();
    server.close();
  }

  @Test
  void whileTheDatabaseIsDown_workFailsAtOnce_andGoesThroughByItselfOnceItIsBack()
      throws Exception {
    db.ping();
    server.stopServer();

    assertThrows(DatabaseUnavailableException.class, db::ping);
    assertTrue(db.availability().outage().isPresent(), "the outage is known");
    long started = System.nanoTime();
    DatabaseUnavailableException again =
        assertThrows(
            DatabaseUnavailableException.class,
            () -> db.inTransaction(s -> s.getMapper(PoolMapper.class).selectAll()));
    assertTrue(
        System.nanoTime() - started < Duration.ofMillis(200).toNanos(),
        "known down: failed without waiting");
    assertTrue(
        again.getMessage().startsWith("the database is unavailable (since "), again.getMessage());

    server.restart();

    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!db.availability().up() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertTrue(db.availability().up(), "the probe saw the database back");
    db.ping();
    assertEquals(0, db.inTransaction(s -> s.getMapper(PoolMapper.class).selectAll()).size());
  }

  @Test
  void aBadStatement_isNotAnOutage() {
    PersistenceException failure =
        assertThrows(
            PersistenceException.class,
            () -> db.inTransaction(s -> s.selectList("no.such.statement")));
    assertTrue(db.availability().up());
    assertTrue(failure.getMessage() != null);
  }

  @Test
  void
      connectionFailures_areUnreachable_aPoolWithNoFreeConnectionIsBusy_andOtherErrorsAreNeither() {
    assertEquals(
        DatabaseAvailability.Kind.UNREACHABLE,
        DatabaseAvailability.kindOf(
            new PersistenceException(
                new CommunicationsException("Communications link failure", null))));
    assertEquals(
        DatabaseAvailability.Kind.UNREACHABLE,
        DatabaseAvailability.kindOf(
            new SQLNonTransientConnectionException(
                "No operations allowed after connection closed.", "08003")));
    // The pool's timeout carries the last connection failure when the database is away...
    SQLTransientConnectionException poolTimeout =
        new SQLTransientConnectionException("corral-db - Connection is not available", "08S01");
    assertEquals(DatabaseAvailability.Kind.UNREACHABLE, DatabaseAvailability.kindOf(poolTimeout));
    // ...and nothing when every connection is simply in use.
    assertEquals(
        DatabaseAvailability.Kind.BUSY,
        DatabaseAvailability.kindOf(
            new PersistenceException(
                new SQLTransientConnectionException(
                    "corral-db - Connection is not available, request timed out"))));
    assertEquals(
        DatabaseAvailability.Kind.OTHER,
        DatabaseAvailability.kindOf(
            new PersistenceException(
                new SQLSyntaxErrorException(
                    "You have an error in your SQL syntax", "42000", 1064))));
  }
}
