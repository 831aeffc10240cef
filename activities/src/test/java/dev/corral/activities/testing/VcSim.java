package dev.corral.activities.testing;

import dev.corral.activities.provider.vsphere.vim.ManagedObject;
import dev.corral.activities.provider.vsphere.vim.SoapTransport;
import dev.corral.activities.provider.vsphere.vim.VimSession;
import dev.corral.activities.provider.vsphere.vim.VimXml;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.w3c.dom.Element;

/**
 * govmomi's vCenter simulator, as tools/vcsim builds it, on a free loopback port with a fresh
 * self-signed certificate. A machine without Go and govmomi fails here with build.sh's message;
 * .ci/run installs them.
 */
public final class VcSim implements AutoCloseable {
  private final Process process;
  private final URI sdk;
  private final String user;
  private final String password;
  private final Path caFile;

  private VcSim(Process process, URI url, Path caFile) {
    this.process = process;
    this.caFile = caFile;
    String[] userInfo = url.getUserInfo().split(":", 2);
    this.user = userInfo[0];
    this.password = userInfo[1];
    this.sdk =
        URI.create(url.getScheme() + "://" + url.getHost() + ":" + url.getPort() + url.getPath());
  }

  /**
   * Starts a simulator; {@code args} are main.go's flags ({@code -idle 1s}, {@code -vm 4}, ...).
   */
  public static VcSim start(String... args) {
    Path binary = build();
    Path dir =
        TestDirs.track(
            Path.of("target", "vcsim-" + UUID.randomUUID().toString().substring(0, 8))
                .toAbsolutePath());
    try {
      Files.createDirectories(dir);
      Path ca = dir.resolve("ca.pem");
      List<String> cmd =
          new ArrayList<>(
              List.of(binary.toString(), "-l", "127.0.0.1:0", "-cafile", ca.toString()));
      cmd.addAll(List.of(args));
      Process p = new ProcessBuilder(cmd).redirectError(dir.resolve("vcsim.err").toFile()).start();
      BufferedReader out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      if (line == null || !line.startsWith("VCSIM_URL=")) {
        p.destroyForcibly();
        throw new IllegalStateException(
            "the vCenter simulator did not start: "
                + line
                + " "
                + Files.readString(dir.resolve("vcsim.err")));
      }
      return new VcSim(p, URI.create(line.substring("VCSIM_URL=".length()).strip()), ca);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public URI sdk() {
    return sdk;
  }

  public String user() {
    return user;
  }

  public String password() {
    return password;
  }

  /** The simulator's own certificate, as an operator's CA file. */
  public Path caFile() {
    return caFile;
  }

  /** A logged-in session of the simulator's user, for setting up what a test needs. */
  public VimSession session() {
    try {
      VimSession s =
          new VimSession(
              new SoapTransport(sdk, SoapTransport.trusting(caFile), Duration.ofSeconds(30)),
              user,
              password);
      s.login();
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Makes template {@code name} in {@code DC0/vm/<folder>} from the simulator's VM {@code
   * DC0_C0_RP0_VM0}, with {@code annotation} (a template sidecar's JSON) as its notes, as an
   * operator uploads a raw template.
   */
  public void makeTemplate(String folder, String name, String annotation) {
    makeTemplate("DC0", folder, name, annotation);
  }

  /** {@link #makeTemplate(String, String, String)} in datacenter {@code dc}. */
  public void makeTemplate(String dc, String folder, String name, String annotation) {
    try (VimSession s = session()) {
      ManagedObject source = s.findByInventoryPath(dc + "/vm/" + dc + "_C0_RP0_VM0").orElseThrow();
      ManagedObject parent = s.findByInventoryPath(dc + "/vm").orElseThrow();
      ManagedObject target =
          s.findByInventoryPath(dc + "/vm/" + folder)
              .orElseGet(
                  () -> {
                    try {
                      return VimXml.reference(
                          VimXml.child(
                                  s.invoke("CreateFolder", parent, VimXml.element("name", folder)),
                                  "returnval")
                              .orElseThrow());
                    } catch (IOException e) {
                      throw new UncheckedIOException(e);
                    }
                  });
      ManagedObject pool =
          VimXml.reference(s.properties(source, "resourcePool").get("resourcePool"));
      Element result =
          s.runTask(
                  "CloneVM_Task",
                  source,
                  target.xml("folder")
                      + VimXml.element("name", name)
                      + "<spec><location>"
                      + pool.xml("pool")
                      + "</location><template>false</template><powerOn>false</powerOn></spec>",
                  Duration.ofSeconds(30))
              .orElseThrow();
      ManagedObject vm = VimXml.reference(result);
      s.runTask(
          "ReconfigVM_Task",
          vm,
          "<spec>" + VimXml.element("annotation", annotation) + "</spec>",
          Duration.ofSeconds(30));
      s.invoke("MarkAsTemplate", vm, "");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Makes folder {@code name} in the folder at inventory path {@code parent}. */
  public void makeFolder(String parent, String name) {
    try (VimSession s = session()) {
      s.invoke(
          "CreateFolder",
          s.findByInventoryPath(parent).orElseThrow(),
          VimXml.element("name", name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The object at inventory path {@code path}, or empty. */
  public java.util.Optional<ManagedObject> find(String path) {
    try (VimSession s = session()) {
      return s.findByInventoryPath(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  private static synchronized Path build() {
    Path root = Path.of("").toAbsolutePath();
    while (root != null && !Files.exists(root.resolve("tools/vcsim/build.sh"))) {
      root = root.getParent();
    }
    if (root == null) {
      throw new IllegalStateException(
          "tools/vcsim/build.sh not found above " + Path.of("").toAbsolutePath());
    }
    Path out = Path.of("target", "vcsim-bin").toAbsolutePath();
    try {
      Process p =
          new ProcessBuilder(
                  "bash", root.resolve("tools/vcsim/build.sh").toString(), out.toString())
              .redirectErrorStream(true)
              .start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
        throw new IllegalStateException("tools/vcsim/build.sh failed:\n" + output);
      }
      return out.resolve("vcsim");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
