package dev.corral.web;

import dev.corral.activities.store.ConfigSync;
import dev.corral.activities.store.Db;
import dev.corral.activities.store.embedded.EmbeddedMariaDb;
import dev.corral.activities.store.embedded.MariaDbSupervisor;
import dev.corral.config.CorralConfig;
import java.time.Clock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The inventory, ready for use: connected (to the configured database, or to the embedded MariaDB,
 * which it starts and watches), its schema migrated and the config's pools and providers synced
 * into it. First of the parts: everything else reads or writes it.
 *
 * @param embeddedSupervisor null with an external database
 */
record Storage(Db db, MariaDbSupervisor embeddedSupervisor) {
  /** Enough connections for 16 concurrent lease clients plus activities. */
  private static final int DB_CONNECTIONS = 32;

  static Storage open(CorralConfig config, Clock clock, StopList stops) {
    Storage storage =
        config.database().embedded() ? embedded(config, stops) : external(config, stops);
    storage.db.migrate();
    new ConfigSync(storage.db).apply(config, clock.instant());
    return storage;
  }

  private static Storage external(CorralConfig config, StopList stops) {
    try {
      return new Storage(
          stops.add(
              Db.connect(
                  config.database().url(),
                  config.database().user(),
                  config.database().password(),
                  DB_CONNECTIONS)),
          null);
    } catch (RuntimeException e) {
      // Only host:port: the URL itself may carry a password.
      throw new StartupFailure(
          "database.url: cannot connect to the database at "
              + jdbcAddress(config.database().url())
              + " within "
              + Db.CONNECT_TIMEOUT.toSeconds()
              + " s ("
              + StartupFailure.networkReason(e)
              + ")",
          e);
    }
  }

  private static Storage embedded(CorralConfig config, StopList stops) {
    EmbeddedMariaDb mariaDb = stops.add(EmbeddedMariaDb.start(config.dataDir().resolve("mariadb")));
    // Stopped before the server, so a stop is never taken for a death and answered with a restart.
    MariaDbSupervisor supervisor = stops.add(MariaDbSupervisor.watch(mariaDb, Clock.systemUTC()));
    Db db =
        stops.add(
            Db.connect(mariaDb.jdbcUrl(), mariaDb.user(), mariaDb.password(), DB_CONNECTIONS));
    return new Storage(db, supervisor);
  }

  /** {@code host:port} of a JDBC URL, never its user, password or options. */
  static String jdbcAddress(String url) {
    Matcher m = Pattern.compile("jdbc:[a-z]+://(?:[^@/]*@)?([^/?;]+)").matcher(url);
    return m.find() ? m.group(1) : "(unparsable url)";
  }
}
