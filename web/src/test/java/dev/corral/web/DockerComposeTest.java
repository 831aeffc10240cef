package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.corral.config.ConfigException;
import dev.corral.config.ConfigLoader;
import dev.corral.config.CorralConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * docker/compose.yaml and docker/Dockerfile, checked without Docker (no engine runs here, and
 * nothing is fetched): the services and their health-ordered start-up, the ports, and Corral's
 * config in the stack, loaded by Corral's own {@link ConfigLoader} with the environment compose
 * gives the container, so a config change that would stop the stack from starting fails here.
 */
class DockerComposeTest {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final Path DOCKER = ROOT.resolve("docker");
  private static final String COMPLETED = "service_completed_successfully";
  private static final String HEALTHY = "service_healthy";

  static Map<String, Object> services;
  static String dockerfile;

  @BeforeAll
  static void read() throws IOException {
    assertTrue(
        Files.isRegularFile(DOCKER.resolve("compose.yaml")), "run from the web module: " + DOCKER);
    Map<String, Object> compose =
        map(
            new Yaml(new SafeConstructor(new LoaderOptions()))
                .load(Files.readString(DOCKER.resolve("compose.yaml"))),
            "compose.yaml");
    services = map(compose.get("services"), "services");
    dockerfile = Files.readString(DOCKER.resolve("Dockerfile"));
  }

  @Test
  void theStackHasMysqlTemporalWithItsSchemaAndNamespaceStepsTheUiAndCorral_eachImagePinned() {
    assertEquals(
        Set.of(
            "mysql", "temporal-schema", "temporal", "temporal-namespace", "temporal-ui", "corral"),
        services.keySet());
    for (String name : services.keySet()) {
      Object image = service(name).get("image");
      assertNotNull(image, name + " has an image");
      if (service(name).containsKey("build")) {
        continue; // Corral itself: built from docker/Dockerfile, whose base images are checked
        // below
      }
      assertPinned(name, image.toString());
    }
    assertTrue(service("mysql").get("image").toString().startsWith("mysql:8."), "MySQL 8");
    assertTrue(service("temporal").get("image").toString().startsWith("temporalio/server:"));
    assertTrue(
        service("temporal-schema").get("image").toString().startsWith("temporalio/admin-tools:"));
    assertTrue(
        service("temporal-namespace")
            .get("image")
            .toString()
            .startsWith("temporalio/admin-tools:"));
    assertTrue(service("temporal-ui").get("image").toString().startsWith("temporalio/ui:"));
  }

  @Test
  void startUpWaitsForHealthOrCompletion_inTheOrderEachStepNeeds() {
    assertEquals(Map.of("mysql", HEALTHY), dependsOn("temporal-schema"));
    assertEquals(Map.of("temporal-schema", COMPLETED), dependsOn("temporal"));
    assertEquals(Map.of("temporal", HEALTHY), dependsOn("temporal-namespace"));
    assertEquals(Map.of("temporal", HEALTHY), dependsOn("temporal-ui"));
    assertEquals(
        Map.of("mysql", HEALTHY, "temporal", HEALTHY, "temporal-namespace", COMPLETED),
        dependsOn("corral"));
    assertEquals(Map.of(), dependsOn("mysql"));

    // Whatever is waited on as healthy has a health check; one-shot steps do not restart forever.
    for (String name : services.keySet()) {
      dependsOn(name)
          .forEach(
              (dependency, condition) -> {
                if (condition.equals(HEALTHY)) {
                  Map<String, Object> check =
                      map(service(dependency).get("healthcheck"), dependency + ".healthcheck");
                  assertFalse(check.get("test").toString().isBlank(), dependency + " health check");
                } else {
                  assertFalse(
                      String.valueOf(service(dependency).get("restart"))
                          .matches("always|unless-stopped"),
                      dependency + " is a one-shot step");
                }
              });
    }
    // The MySQL check goes over TCP: the image's first-start initialisation runs a socket-only
    // server.
    assertTrue(
        String.valueOf(map(service("mysql").get("healthcheck"), "h").get("test"))
            .contains("-h 127.0.0.1"));
  }

  @Test
  void temporalRunsOnTheMysqlServiceWithBothDatabasesSetUpByTheAdminTools() throws IOException {
    Map<String, String> mysql = env("mysql");
    Map<String, String> temporal = env("temporal");
    assertEquals("mysql8", temporal.get("DB"));
    assertEquals("mysql", temporal.get("MYSQL_SEEDS"));
    assertEquals("3306", temporal.get("DB_PORT"));
    assertEquals("root", temporal.get("MYSQL_USER"));
    assertEquals(mysql.get("MYSQL_ROOT_PASSWORD"), temporal.get("MYSQL_PWD"));
    assertEquals(mysql.get("MYSQL_ROOT_PASSWORD"), env("temporal-schema").get("SQL_PASSWORD"));
    assertEquals("0.0.0.0", temporal.get("BIND_ON_IP"), "reachable from the other containers");

    String setup = Files.readString(mountedFile("temporal-schema", command("temporal-schema")));
    for (String step : List.of(" create", " setup-schema -v 0.0", " update-schema -d")) {
      assertTrue(setup.contains("temporal-sql-tool --plugin mysql8") && setup.contains(step), step);
    }
    assertTrue(
        setup.contains(
            "for db in " + temporal.get("DBNAME") + " " + temporal.get("VISIBILITY_DBNAME")),
        setup);
    assertTrue(setup.contains("/etc/temporal/schema/mysql/v8/temporal/versioned"));
    assertTrue(setup.contains("/etc/temporal/schema/mysql/v8/visibility/versioned"));
    assertTrue(
        setup.contains("set -eu"), "a failed step fails the service, so Temporal does not start");

    // The server image ships no dynamic config, and will not start without the file it is told to
    // read.
    assertTrue(
        Files.isRegularFile(
            mountedFile("temporal", "/etc/temporal/" + temporal.get("DYNAMIC_CONFIG_FILE_PATH"))));
    assertTrue(
        Files.isRegularFile(mountedFile("temporal-namespace", command("temporal-namespace"))));
    assertEquals("temporal:7233", env("temporal-namespace").get("TEMPORAL_ADDRESS"));
    assertEquals("temporal:7233", env("temporal-ui").get("TEMPORAL_ADDRESS"));
  }

  @Test
  void corralsConfigInTheStackIsValidAndPointsAtTheStacksServices() throws IOException {
    Map<String, String> env = new HashMap<>(env("corral"));
    Path configFile = mountedFile("corral", env.get(ConfigLoader.CONFIG_FILE_ENV));
    env.put(ConfigLoader.CONFIG_FILE_ENV, configFile.toString());
    CorralConfig config;
    try {
      // Exactly as the container starts: `serve` with no --config, the config from the environment.
      config = ConfigLoader.load(new String[] {"serve"}, env);
    } catch (ConfigException e) {
      throw new AssertionError(
          "docker/corral.yaml does not load as the container would load it:\n" + e.getMessage(), e);
    }

    // Inside its container Corral must listen on every interface, or the published port reaches
    // nothing.
    assertEquals("0.0.0.0", config.server().host());
    int port = config.server().port();
    assertEquals(List.of(port), publishedContainerPorts("corral"));
    assertEquals(List.of(port), exposedPorts(), "the Dockerfile EXPOSEs the API port");
    assertTrue(
        dockerfile.contains("http://127.0.0.1:" + port + Health.READY),
        "HEALTHCHECK asks " + Health.READY);
    assertTrue(
        volumeTargets("corral").contains(config.dataDir().toString()), "data_dir is on a volume");

    Map<String, String> mysql = env("mysql");
    assertFalse(config.database().embedded(), "the image has no embedded MariaDB binaries");
    assertEquals("jdbc:mysql://mysql:3306/" + mysql.get("MYSQL_DATABASE"), config.database().url());
    assertEquals(mysql.get("MYSQL_USER"), config.database().user());
    assertEquals(mysql.get("MYSQL_PASSWORD"), config.database().password());

    assertFalse(config.temporal().embedded());
    assertEquals("temporal:7233", config.temporal().address());
    assertTrue(publishedContainerPorts("temporal").contains(7233));
    assertEquals(
        env("temporal-namespace").get("NAMESPACE"),
        config.temporal().namespace(),
        "Corral's namespace is the one the stack registers");
    URI ui = URI.create(config.temporal().uiUrl());
    assertEquals("localhost", ui.getHost(), "the UI link is for the browser on the host");
    assertTrue(
        publishedHostPorts("temporal-ui").contains(ui.getPort()),
        "ui_url names temporal-ui's published port");
  }

  @Test
  void theDockerfileBuildsWithJava17AndRunsTheWebModulesJarAsNonRoot() throws IOException {
    List<String> froms = instructions("FROM");
    assertEquals(2, froms.size(), "multi-stage: build, then runtime");
    assertTrue(
        froms.get(0).matches("maven:3\\.\\d+\\.\\d+-eclipse-temurin-17 AS build"), froms.get(0));
    assertTrue(froms.get(1).matches("eclipse-temurin:17\\.[0-9._]+-jre(-[a-z]+)?"), froms.get(1));

    String finalName =
        only(
            Pattern.compile("<finalName>([^<]+)</finalName>"),
            Files.readString(ROOT.resolve("web/pom.xml")));
    String artifact = "web/target/" + finalName + ".jar";
    String copy =
        instructions("COPY").stream()
            .filter(c -> c.startsWith("--from=build"))
            .findFirst()
            .orElseThrow();
    String[] parts = copy.split("\\s+");
    assertTrue(parts[1].endsWith("/" + artifact), copy + " copies " + artifact);
    String jarInImage = parts[2];
    assertTrue(
        instructions("ENTRYPOINT").get(0).contains("\"-jar\", \"" + jarInImage + "\""),
        "runs " + jarInImage);
    assertTrue(
        instructions("RUN").stream().anyMatch(r -> r.contains("-pl web -am package")),
        "builds the web module");

    String user = instructions("USER").get(0);
    assertFalse(user.startsWith("root") || user.startsWith("0"), "runs as " + user);
    assertEquals(1, instructions("HEALTHCHECK").size());
  }

  // ---- compose helpers ----

  private static void assertPinned(String service, String image) {
    int colon = image.lastIndexOf(':');
    assertTrue(colon > 0, service + ": " + image + " names a tag");
    String tag = image.substring(colon + 1);
    assertTrue(
        tag.matches("\\d+\\.\\d+\\.\\d+.*"), service + ": " + image + " is pinned to a version");
  }

  private static Map<String, Object> service(String name) {
    return map(services.get(name), "services." + name);
  }

  /** depends_on as {service: condition}; the short list form has no condition and fails here. */
  private static Map<String, String> dependsOn(String name) {
    Object dependsOn = service(name).get("depends_on");
    if (dependsOn == null) {
      return Map.of();
    }
    Map<String, String> conditions = new LinkedHashMap<>();
    map(dependsOn, name + ".depends_on")
        .forEach(
            (dependency, spec) -> {
              assertTrue(
                  services.containsKey(dependency),
                  name + " depends on an unknown service " + dependency);
              conditions.put(
                  dependency,
                  String.valueOf(map(spec, name + ".depends_on." + dependency).get("condition")));
            });
    return conditions;
  }

  /** environment in either of compose's forms: a mapping, or a list of NAME=value. */
  private static Map<String, String> env(String name) {
    Object environment = service(name).get("environment");
    Map<String, String> env = new HashMap<>();
    if (environment instanceof Map<?, ?> m) {
      m.forEach((k, v) -> env.put(k.toString(), String.valueOf(v)));
    } else if (environment instanceof List<?> list) {
      list.forEach(
          item -> {
            String[] kv = item.toString().split("=", 2);
            env.put(kv[0], kv.length > 1 ? kv[1] : "");
          });
    }
    return env;
  }

  private static String command(String name) {
    Object command = service(name).get("command");
    return command instanceof List<?> list
        ? list.get(list.size() - 1).toString()
        : String.valueOf(command);
  }

  private static List<String> volumes(String name) {
    Object volumes = service(name).get("volumes");
    List<String> out = new ArrayList<>();
    if (volumes instanceof List<?> list) {
      list.forEach(v -> out.add(v.toString()));
    }
    return out;
  }

  private static List<String> volumeTargets(String name) {
    return volumes(name).stream().map(v -> v.split(":")[1]).toList();
  }

  /** The host file a bind mount of {@code name} shows at {@code containerPath}. */
  private static Path mountedFile(String name, String containerPath) {
    for (String volume : volumes(name)) {
      String[] parts = volume.split(":");
      String source = parts[0];
      String target = parts[1];
      if (!source.startsWith(".")) {
        continue; // a named volume
      }
      if (containerPath.equals(target) || containerPath.startsWith(target + "/")) {
        Path file =
            DOCKER
                .resolve(source)
                .resolve(containerPath.substring(target.length()).replaceFirst("^/", ""))
                .normalize();
        assertTrue(
            Files.isRegularFile(file),
            name + ": " + containerPath + " is " + file + ", which exists");
        return file;
      }
    }
    return fail(name + " mounts nothing at " + containerPath + " (volumes: " + volumes(name) + ")");
  }

  private static List<String> ports(String name) {
    Object ports = service(name).get("ports");
    return ports instanceof List<?> list ? list.stream().map(Object::toString).toList() : List.of();
  }

  /** "127.0.0.1:8080:7070" → 7070. */
  private static List<Integer> publishedContainerPorts(String name) {
    return ports(name).stream()
        .map(p -> Integer.parseInt(p.substring(p.lastIndexOf(':') + 1)))
        .toList();
  }

  /** "127.0.0.1:8080:7070" → 8080. */
  private static List<Integer> publishedHostPorts(String name) {
    return ports(name).stream()
        .map(
            p -> {
              String[] parts = p.split(":");
              return Integer.parseInt(parts[parts.length - 2]);
            })
        .toList();
  }

  // ---- Dockerfile helpers ----

  /** Arguments of each instruction of that name, continuation lines joined, comments left out. */
  private static List<String> instructions(String keyword) {
    List<String> found = new ArrayList<>();
    String joined = dockerfile.replaceAll("(?m)^\\s*#.*\\n", "").replaceAll("\\\\\\n\\s*", " ");
    Matcher m = Pattern.compile("(?m)^" + keyword + "\\s+(.*)$").matcher(joined);
    while (m.find()) {
      found.add(m.group(1).trim());
    }
    return found;
  }

  private static List<Integer> exposedPorts() {
    return instructions("EXPOSE").stream()
        .flatMap(e -> List.of(e.split("\\s+")).stream())
        .map(Integer::parseInt)
        .toList();
  }

  private static String only(Pattern pattern, String text) {
    Matcher m = pattern.matcher(text);
    assertTrue(m.find(), pattern + " found");
    String value = m.group(1);
    assertFalse(m.find(), pattern + " found once");
    return value;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value, String what) {
    if (!(value instanceof Map<?, ?>)) {
      return fail(what + " is not a mapping: " + value);
    }
    return (Map<String, Object>) value;
  }
}
