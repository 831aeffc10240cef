package dev.corral.activities.store.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Properties;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one account Corral uses on its embedded MariaDB. The password is made once, at the first
 * start, and kept in a file only this OS user can read, next to the data dir, so the data dir and
 * its password travel together and survive restarts. It is never logged: {@link #toString} hides
 * it.
 */
public record DatabaseCredentials(String user, String password) {
  private static final Logger log = LoggerFactory.getLogger(DatabaseCredentials.class);
  public static final String FILE = "credentials.properties";
  static final String USER = "corral";
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  /** Reads the credentials in {@code home}, making them first when there are none. */
  public static DatabaseCredentials loadOrCreate(Path home) {
    Path file = home.resolve(FILE);
    try {
      if (!Files.exists(file)) {
        create(file);
      }
      return readFile(file);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read or write the embedded database's credentials in " + file, e);
    }
  }

  /** The credentials a server in {@code home} was given (tests that log in as Corral does). */
  public static DatabaseCredentials read(Path home) {
    try {
      return readFile(home.resolve(FILE));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read the embedded database's credentials in " + home, e);
    }
  }

  private static void create(Path file) throws IOException {
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    // URL-safe base64 has no quote or backslash, so the password is safe inside an SQL string
    // literal.
    String password = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    String text =
        "# Corral's account on its embedded MariaDB; made at the first start. Keep it private.\n"
            + "user="
            + USER
            + "\npassword="
            + password
            + "\n";
    try {
      // Created owner-only: there is no moment at which another user could open it.
      Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    } catch (FileAlreadyExistsException raced) {
      return;
    }
    Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
  }

  private static DatabaseCredentials readFile(Path file) throws IOException {
    Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
    if (!OWNER_ONLY.containsAll(permissions)) {
      log.warn(
          "{} could be read by other users ({}); made owner-only",
          file,
          PosixFilePermissions.toString(permissions));
      Files.setPosixFilePermissions(file, OWNER_ONLY);
    }
    Properties properties = new Properties();
    try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      properties.load(in);
    }
    String user = properties.getProperty("user", "");
    String password = properties.getProperty("password", "");
    if (!user.matches("[A-Za-z0-9_]{1,32}") || !password.matches("[A-Za-z0-9_-]{20,200}")) {
      throw new IllegalStateException(
          file
              + " does not hold a user and password Corral made (user: letters, digits "
              + "and _; password: 20 or more of letters, digits, _ and -); delete it to make new ones");
    }
    return new DatabaseCredentials(user, password);
  }

  @Override
  public String toString() {
    return "DatabaseCredentials[user=" + user + ", password=<hidden>]";
  }
}
