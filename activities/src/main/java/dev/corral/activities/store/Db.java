package dev.corral.activities.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Function;
import javax.sql.DataSource;
import org.apache.ibatis.exceptions.PersistenceException;
import org.apache.ibatis.mapping.Environment;
import org.apache.ibatis.session.Configuration;
import org.apache.ibatis.session.SqlSession;
import org.apache.ibatis.session.SqlSessionFactory;
import org.apache.ibatis.session.SqlSessionFactoryBuilder;
import org.apache.ibatis.transaction.jdbc.JdbcTransactionFactory;
import org.flywaydb.core.Flyway;

/**
 * The one way to reach the inventory: a connection pool at READ COMMITTED, Flyway migrations, and
 * {@link #inTransaction} for every unit of work.
 */
public final class Db implements AutoCloseable {
  private static final int MAX_DEADLOCK_RETRIES = 8;

  private final HikariDataSource dataSource;
  private final SqlSessionFactory sessions;
  private final DatabaseAvailability availability;

  /** The same database with 2-second connect and read timeouts, for {@link #connectOutsidePool}. */
  private final String probeUrl;

  private Db(HikariDataSource dataSource, String probeUrl) {
    this.dataSource = dataSource;
    this.probeUrl = probeUrl;
    this.availability =
        new DatabaseAvailability(
            this::connectOutsidePool,
            // The pool's connections died with the server; replaced now, they are not validated one
            // by one (and
            // each logged) as work borrows them.
            () -> dataSource.getHikariPoolMXBean().softEvictConnections(),
            Clock.systemUTC());
    // MyBatis would switch autocommit back on at every close, and Hikari off again at every borrow:
    // two round trips per transaction on the lease path for nothing, since the pool is never
    // autocommit.
    JdbcTransactionFactory transactions = new JdbcTransactionFactory();
    Properties transactionProperties = new Properties();
    transactionProperties.setProperty("skipSetAutoCommitOnClose", "true");
    transactions.setProperties(transactionProperties);
    Configuration configuration =
        new Configuration(new Environment("corral", transactions, dataSource));
    configuration.setMapUnderscoreToCamelCase(true);
    configuration.setArgNameBasedConstructorAutoMapping(true);
    configuration.getTypeAliasRegistry().registerAliases("dev.corral.activities.store.rows");
    configuration.addMapper(VmMapper.class);
    configuration.addMapper(LeaseMapper.class);
    configuration.addMapper(PoolMapper.class);
    configuration.addMapper(ProviderMapper.class);
    configuration.addMapper(TemplateMapper.class);
    configuration.addMapper(BuildMapper.class);
    configuration.addMapper(VmTemplateMapper.class);
    configuration.addMapper(TokenMapper.class);
    configuration.addMapper(StatsMapper.class);
    configuration.addMapper(PendingLeaseMapper.class);
    configuration.addMapper(VmTaskMapper.class);
    configuration.addMapper(ReconcileMapper.class);
    this.sessions = new SqlSessionFactoryBuilder().build(configuration);
  }

  /** How long start-up waits for the first connection before giving up. */
  public static final java.time.Duration CONNECT_TIMEOUT = java.time.Duration.ofSeconds(15);

  public static Db connect(String jdbcUrl, String user, String password, int maxConnections) {
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName("corral-db");
    hikari.setJdbcUrl(withDefaults(jdbcUrl));
    hikari.setUsername(user);
    hikari.setPassword(password);
    hikari.setMaximumPoolSize(maxConnections);
    hikari.setAutoCommit(false);
    // Under the default REPEATABLE READ the claim's gap locks deadlock constantly (stack-notes
    // §4.3).
    hikari.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
    // Also how long work waits at the start of an outage, before the availability watcher has
    // noticed it.
    hikari.setConnectionTimeout(5_000);
    hikari.setInitializationFailTimeout(CONNECT_TIMEOUT.toMillis());
    Db db =
        new Db(
            new HikariDataSource(hikari),
            withDefaults(withParameters(jdbcUrl, "connectTimeout=2000&socketTimeout=2000")));
    db.availability.startWatching();
    return db;
  }

  /**
   * Driver settings Corral relies on, unless the URL sets them itself: times written and read as
   * UTC whatever the server's or the JVM's zone, and session state (autocommit, isolation) tracked
   * by the driver instead of asked from the server on every transaction.
   */
  private static final Map<String, String> URL_DEFAULTS =
      Map.of(
          "connectionTimeZone", "UTC",
          "useLocalSessionState", "true",
          "cachePrepStmts", "true",
          "prepStmtCacheSize", "250",
          // The group-committed claim statements run past the 256-character default and would be
          // parsed again on every batch.
          "prepStmtCacheSqlLimit", "4096",
          "cacheServerConfiguration", "true",
          "elideSetAutoCommits", "true",
          "maintainTimeStats", "false",
          // A host that drops packets would otherwise hold a new connection for the OS's two
          // minutes.
          "connectTimeout", "5000");

  private static String withParameters(String jdbcUrl, String parameters) {
    return jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?") + parameters;
  }

  private static String withDefaults(String jdbcUrl) {
    StringBuilder url = new StringBuilder(jdbcUrl);
    new TreeMap<>(URL_DEFAULTS)
        .forEach(
            (key, value) -> {
              if (!jdbcUrl.contains(key + "=")) {
                url.append(url.indexOf("?") < 0 ? '?' : '&').append(key).append('=').append(value);
              }
            });
    return url.toString();
  }

  public void migrate() {
    Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
  }

  public DataSource dataSource() {
    return dataSource;
  }

  /**
   * A round trip through the pool, as every unit of work makes one; a failure also tells {@link
   * #availability}.
   *
   * @throws DatabaseUnavailableException when the database cannot be reached
   */
  public void ping() {
    inTransaction(
        session -> {
          try (Statement statement = session.getConnection().createStatement()) {
            statement.setQueryTimeout(2);
            statement.execute("SELECT 1");
            return null;
          } catch (SQLException e) {
            throw new PersistenceException("ping failed", e);
          }
        });
  }

  /** Whether the database answers, as its watcher and the work saw it. */
  public DatabaseAvailability availability() {
    return availability;
  }

  /**
   * A connection of its own, outside the pool, with short timeouts, for {@link #availability}'s
   * checks.
   */
  private Connection connectOutsidePool() throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", dataSource.getUsername());
    if (dataSource.getPassword() != null) {
      properties.setProperty("password", dataSource.getPassword());
    }
    return DriverManager.getConnection(probeUrl, properties);
  }

  /**
   * Runs {@code work} in one transaction and commits it. A deadlock or lock timeout rolls back and
   * runs the work again from the start, so {@code work} must not have side effects outside the
   * session.
   *
   * @throws DatabaseUnavailableException when the database cannot be reached (at once while it is
   *     known to be down) or has no connection to spare; nothing was committed
   */
  public <T> T inTransaction(Function<SqlSession, T> work) {
    availability.checkUp();
    for (int attempt = 1; ; attempt++) {
      try (SqlSession session = sessions.openSession(false)) {
        T result = work.apply(session);
        session.commit(true);
        return result;
      } catch (PersistenceException e) {
        if (attempt < MAX_DEADLOCK_RETRIES && isRetryable(e)) {
          continue;
        }
        throw availability.classify(e).<RuntimeException>map(unavailable -> unavailable).orElse(e);
      } catch (RuntimeException e) {
        // The pool itself (a connection it could not make) throws outside MyBatis's wrapping.
        throw availability.classify(e).<RuntimeException>map(unavailable -> unavailable).orElse(e);
      }
    }
  }

  private static boolean isRetryable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql) {
        // 1213 deadlock, 1205 lock wait timeout; 40001 is the portable serialization failure.
        return sql.getErrorCode() == 1213
            || sql.getErrorCode() == 1205
            || "40001".equals(sql.getSQLState());
      }
    }
    return false;
  }

  @Override
  public void close() {
    availability.close();
    dataSource.close();
  }
}
