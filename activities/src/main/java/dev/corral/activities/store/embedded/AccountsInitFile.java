package dev.corral.activities.store.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The statements {@code mariadbd --init-file} runs at every start, with full rights and before it
 * takes a connection: Corral's account gets the password of its {@link DatabaseCredentials},
 * reachable over TCP from 127.0.0.1 only, and every other account goes. mariadb-install-db leaves
 * {@code root@localhost} and an account named after the OS user; neither is needed, and a data dir
 * from before credentials existed may hold accounts without a password. The system account {@code
 * mariadb.sys} owns the system views and cannot log in, so it stays. Running them at every start
 * makes a deleted credentials file, or an account someone added, right again.
 */
final class AccountsInitFile {
  static final String FILE = "accounts-init.sql";

  private AccountsInitFile() {}

  /**
   * Writes the file (owner-only: it holds the password) and returns its path; {@link #delete} once
   * started.
   */
  static Path write(Path home, DatabaseCredentials credentials) {
    Path file = home.resolve(FILE);
    String account = "'" + credentials.user() + "'@'127.0.0.1'";
    // One statement per line: that is how the server reads an init file.
    List<String> statements =
        List.of(
            "DELETE FROM mysql.global_priv WHERE NOT (User = '"
                + credentials.user()
                + "' AND Host = '127.0.0.1')"
                + " AND User <> 'mariadb.sys';",
            "FLUSH PRIVILEGES;",
            "CREATE OR REPLACE USER "
                + account
                + " IDENTIFIED BY '"
                + credentials.password()
                + "';",
            "GRANT ALL PRIVILEGES ON *.* TO " + account + " WITH GRANT OPTION;");
    try {
      Files.deleteIfExists(file);
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.write(file, statements, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  static void delete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot delete " + file + ", which holds the embedded database's password", e);
    }
  }
}
