package dev.corral.web.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.testing.TestDirs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The command line without a server: config check, help, usage errors and an unreachable URL. */
class CliCommandLineTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int corral(Map<String, String> env, String... args) {
    out.reset();
    err.reset();
    return Cli.run(
        args,
        env,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private int corral(String... args) {
    return corral(Map.of(), args);
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private static Path write(String name, String yaml) throws IOException {
    Path dir = TestDirs.fresh("cli-config");
    Files.createDirectories(dir);
    return Files.writeString(dir.resolve(name), yaml);
  }

  @Test
  void configCheckOfAGoodFileSaysOkAndExitsZero() throws IOException {
    Path file =
        write(
            "good.yaml",
            """
        server: {host: 127.0.0.1, port: 7070}
        providers:
          sim: {type: simulated, max_vms: 20}
        pools:
          - name: debian
            template: debian-12
            size: ${POOL_SIZE:-2}
          - {name: fedora, template: fedora-40, size: 1}
        """);

    assertEquals(0, corral("config", "check", file.toString()), this::out);

    assertEquals(file + ": OK (1 provider, 2 pools, 0 template groups, auth none)\n", out());
    assertEquals("", err());
  }

  @Test
  void configCheckOfABadFilePrintsEveryProblemWithItsLineAndKeyAndExitsOne() throws IOException {
    Path file =
        write(
            "bad.yaml",
            """
        server: {host: 127.0.0.1, port: 70000}
        providers:
          sim: {type: vmware}
        pools:
          - name: debian
            template: debian-12
            size: -1
            colour: red
        reconcile: {tick: soon}
        """);

    assertEquals(1, corral("config", "check", file.toString()));

    String report = out();
    assertTrue(report.startsWith(file + ": 5 problems\n"), report);
    for (String problem :
        new String[] {
          "line 1: server.port: ",
          "line 3: providers.sim.type: unknown provider type 'vmware'",
          "line 7: pools[0].size: must be at least 0 (got -1)",
          "line 8: pools[0].colour: unknown key",
          "line 9: reconcile.tick: "
        }) {
      assertTrue(
          report.contains("\n  " + problem), () -> "missing '" + problem + "' in\n" + report);
    }
  }

  @Test
  void configCheckOfAMissingFileOrWithoutAFileFails() {
    assertEquals(1, corral("config", "check", "target/no-such-config.yaml"));
    assertTrue(out().contains("config file not found"), out());

    assertEquals(2, corral("config", "check"));
    assertTrue(
        err().contains("give a config FILE") && err().contains("usage: corral config check FILE"),
        err());
    assertEquals(2, corral("config", "lint", "x.yaml"));
    assertTrue(err().contains("unknown config command 'lint'"), err());
  }

  @Test
  void helpListsEveryCommandAndEachCommandHasItsOwn() {
    assertEquals(0, corral("--help"));
    for (String command :
        new String[] {
          "serve",
          "status",
          "pools",
          "lease",
          "release",
          "versions",
          "builds",
          "retry-build",
          "reconcile",
          "disable-provider",
          "enable-provider",
          "config check",
          "config reload"
        }) {
      assertTrue(out().contains("\n  " + command + " "), () -> command + " missing from\n" + out());
    }

    assertEquals(0, corral("lease", "--help"));
    assertTrue(out().startsWith("usage: corral lease POOL[=N]"), out());
    assertTrue(
        out().contains("--lifetime DURATION")
            && out().contains("--url URL")
            && out().contains("examples:")
            && out().contains("--group GROUP"),
        out());
    assertEquals(0, corral("help", "retry-build"));
    assertTrue(out().startsWith("usage: corral retry-build BUILD_ID"), out());
    assertEquals(0, corral("config", "check", "--help"));
    assertTrue(out().startsWith("usage: corral config check FILE"), out());
    assertEquals(0, corral("help", "config"));
    assertTrue(
        out().contains("usage: corral config check FILE")
            && out().contains("usage: corral config reload"),
        out());
    assertEquals(
        0, Cli.checkServe(new String[] {"--help"}, new PrintStream(out), new PrintStream(err)));
  }

  @Test
  void anUnknownCommandOrOptionPrintsUsageAndExitsTwo() {
    assertEquals(2, corral("lease-vms"));
    assertTrue(
        err().contains("unknown command 'lease-vms'") && err().contains("usage: corral COMMAND"),
        err());

    assertEquals(2, corral("pools", "--colour"));
    assertTrue(
        err().contains("corral pools: unknown option '--colour'")
            && err().contains("usage: corral pools"),
        err());

    assertEquals(2, corral("lease"));
    assertTrue(err().contains("name at least one POOL"), err());
    assertEquals(2, corral("lease", "debian=0"));
    assertTrue(err().contains("N must be a whole number of at least 1"), err());
    assertEquals(2, corral("lease", "debian", "--lifetime"));
    assertTrue(err().contains("--lifetime needs a value"), err());
    assertEquals(2, corral("retry-build", "abc"));
    assertTrue(err().contains("BUILD_ID must be a positive whole number"), err());
    assertEquals(2, corral("release"));
    assertEquals(2, corral("pools", "--url", "ftp://example"));
    assertTrue(err().contains("bad URL"), err());
    assertEquals(
        2,
        Cli.checkServe(
            new String[] {"--conifg", "x.yaml"}, new PrintStream(out), new PrintStream(err)));
    assertEquals(
        null,
        Cli.checkServe(
            new String[] {"--config", "x.yaml"}, new PrintStream(out), new PrintStream(err)));
  }

  @Test
  void anUnreachableCorralIsOneLineNamingTheUrl() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    String url = "http://127.0.0.1:" + port;

    assertEquals(1, corral("pools", "--url", url));
    assertEquals(
        "corral pools: cannot reach Corral at "
            + url
            + ": connection refused (is Corral running there? set"
            + " --url or CORRAL_URL)\n",
        err());

    assertEquals(1, corral(Map.of("CORRAL_URL", url + "/"), "status"));
    assertTrue(err().startsWith("corral status: cannot reach Corral at " + url + ":"), err());
    assertEquals(1, err().lines().count(), err());
  }
}
